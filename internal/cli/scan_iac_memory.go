package cli

import (
	"os"
	"runtime/debug"
	"sync"
)

// iacGCPercent is the garbage collector's target during a large IaC scan
// (unless GOGC is set), from iacLargeTree files on: the scan streams, but
// every finding stays in memory until the sorted report is written, so the
// default (100) lets the heap grow to twice them. At 15,000 files 50 cuts
// the peak heap by about a third for about a quarter more CPU time; below a
// few thousand files the findings are few and it would only cost CPU
// (docs/benchmarks.md).
const (
	iacGCPercent  = 50
	iacLargeTree  = 5000
	iacGCNotTuned = -2 // not a GC percent: the target was not changed
)

// iacMemory lowers the garbage collector's target once an IaC scan turns out
// to be large, from the file counts the scan's progress reports.
type iacMemory struct {
	once sync.Once
	mu   sync.Mutex
	old  int
}

func newIACMemory() *iacMemory { return &iacMemory{old: iacGCNotTuned} }

// files is told the scan's file count (from any goroutine).
func (m *iacMemory) files(total int) {
	if total < iacLargeTree || os.Getenv("GOGC") != "" {
		return
	}
	m.once.Do(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.old = debug.SetGCPercent(iacGCPercent)
	})
}

// restore puts back the target the scan found, once its report is written.
func (m *iacMemory) restore() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.old != iacGCNotTuned {
		debug.SetGCPercent(m.old)
		m.old = iacGCNotTuned
	}
}
