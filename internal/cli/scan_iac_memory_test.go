package cli

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the garbage collector's target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestIACMemory: a scan of iacLargeTree files or more runs at iacGCPercent
// until its report is written, then the previous target is back; a smaller
// scan, or one with GOGC set, leaves the target alone.
func TestIACMemory(t *testing.T) {
	start := gcPercent()
	t.Cleanup(func() { debug.SetGCPercent(start) })
	const before = 80
	tests := []struct {
		name   string
		gogc   string
		totals []int
		want   int
	}{
		{"small tree", "", []int{1, 1500, iacLargeTree - 1}, before},
		{"large tree", "", []int{1, iacLargeTree}, iacGCPercent},
		{"large tree, reported many times", "", []int{15000, 15000, 15000}, iacGCPercent},
		{"large tree, GOGC set", "200", []int{15000}, before},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			debug.SetGCPercent(before)
			m := newIACMemory()
			for _, n := range tt.totals {
				m.files(n)
			}
			if got := gcPercent(); got != tt.want {
				t.Errorf("during the scan: GC percent %d, want %d", got, tt.want)
			}
			m.restore()
			m.restore() // twice: as deferred after an early return
			if got := gcPercent(); got != before {
				t.Errorf("after the scan: GC percent %d, want %d back", got, before)
			}
		})
	}
}
