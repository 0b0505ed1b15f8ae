package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// TestSQLiteWritersQueueInTheStore runs many concurrent scans (RecordScan:
// a transaction that reads the account's state, then writes) and readers on
// one SQLite file, and requires every one to succeed. The busy timeout is cut
// to 1 ms so that a writer left waiting for the write lock in SQLite's busy
// handler fails at once: writers must queue in the store for SQLite's one
// write lock, never in the busy handler, whose wait is a bounded poll and no
// queue (BenchmarkStore30Days lost 13 of 63,000 scans to SQLITE_BUSY at
// BEGIN IMMEDIATE that way with the 10 s timeout and four writers).
func TestSQLiteWritersQueueInTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := openSQLiteFile(ctx, filepath.Join(t.TempDir(), "cloudassure.db"), time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const writers, rounds, dists = 8, 10, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds+64)
	for a := range writers {
		wg.Go(func() {
			for round := range rounds {
				var fs []finding.Finding
				for d := range dists {
					status := finding.Pass
					if (round+a+d)%3 == 0 {
						status = finding.Fail
					}
					fs = append(fs, fnd("CF-001", fmt.Sprintf("D%d", d), status))
				}
				r := rec(round, true, fs...)
				r.AccountID = fmt.Sprintf("%012d", a)
				if _, err := st.RecordScan(ctx, r, func(Event) []string { return []string{"hook"} }); err != nil {
					errs <- fmt.Errorf("writer %d round %d: %w", a, round, err)
				}
			}
		})
	}
	done := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				case <-time.After(2 * time.Millisecond): // pace the readers: the writers need the CPU
				}
				if _, err := st.ListFindings(ctx, FindingFilter{Limit: 100}); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
				if _, err := st.ListScans(ctx, ScanFilter{Limit: 100}); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 5 {
			t.Error(err)
		}
	}
	if n > 5 {
		t.Errorf("... and %d more errors", n-5)
	}
	if c := countRows(t, st); c["scans"] != writers*rounds || c["findings"] != writers*dists {
		t.Errorf("rows = %v, want %d scans and %d findings", c, writers*rounds, writers*dists)
	}
}
