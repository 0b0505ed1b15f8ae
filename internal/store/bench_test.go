package store

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
)

var (
	benchAccounts = flag.Int("bench.accounts", 1000, "accounts in BenchmarkRound")
	benchDists    = flag.Int("bench.dists", 100, "distributions per account in BenchmarkRound")
	benchHours    = flag.Int("bench.hours", 24, "unchanged hourly rounds BenchmarkRound records to measure the store's growth")
)

// BenchmarkRound records hourly rounds of accounts × distributions × 3 rules
// with three writers (as three workers would), on SQLite and PostgreSQL:
// the wall time of a round in which nothing changed, the rows it writes, the
// rows a round in which 1 % of the findings changed writes, and the store's
// growth per round, extrapolated to 30 days. Run with -benchtime 1x.
func BenchmarkRound(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			var st *Store
			if kind == "sqlite" {
				st = openSQLite(b)
			} else {
				st = openPostgres(b)
			}
			for range b.N {
				benchRound(b, st)
			}
		})
	}
}

func benchRound(b *testing.B, st *Store) {
	ctx := context.Background()
	accounts, dists := *benchAccounts, *benchDists
	rules := []string{"CF-001", "CF-002", "CF-003"}
	state := make([][]finding.Finding, accounts)
	rng := rand.New(rand.NewPCG(1, 1))
	for a := range accounts {
		for d := range dists {
			for _, r := range rules {
				status := finding.Pass
				if rng.IntN(10) == 0 {
					status = finding.Fail
				}
				state[a] = append(state[a], fnd(r, fmt.Sprintf("E%012dD%03d", a, d), status))
			}
		}
	}
	hour := 0
	round := func() (rows int, events int, wall time.Duration) {
		start := time.Now()
		var mu sync.Mutex
		work := make(chan int)
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for a := range work {
					r := rec(hour, true, state[a]...)
					r.AccountID = fmt.Sprintf("%012d", a)
					r.RoundID = fmt.Sprintf("bench@%d", hour)
					res, err := st.RecordScan(ctx, r, func(Event) []string { return []string{"hook"} })
					if err != nil {
						b.Error(err)
						continue
					}
					mu.Lock()
					rows += res.RowsWritten
					events += len(res.Events)
					mu.Unlock()
				}
			}()
		}
		for a := range accounts {
			work <- a
		}
		close(work)
		wg.Wait()
		hour++
		return rows, events, time.Since(start)
	}
	b.StopTimer()
	rows0, events0, wall0 := round()
	size0 := storeSize(b, st)
	b.StartTimer()
	rows1, events1, wall1 := round()
	b.StopTimer()
	if events1 != 0 || rows1 != accounts {
		b.Fatalf("unchanged round wrote %d rows and %d events, want %d and 0", rows1, events1, accounts)
	}
	// 1 % of the findings flip.
	n := 0
	for a := range state {
		for i := range state[a] {
			if rng.IntN(100) == 0 {
				if state[a][i].Status == finding.Pass {
					state[a][i].Status = finding.Fail
				} else {
					state[a][i].Status = finding.Pass
				}
				n++
			}
		}
	}
	rows2, events2, wall2 := round()
	sizeBefore := storeSize(b, st)
	var wallHours time.Duration
	for range *benchHours {
		_, _, w := round()
		wallHours += w
	}
	sizeAfter := storeSize(b, st)
	perRound := float64(sizeAfter-sizeBefore) / float64(*benchHours)
	findings := accounts * dists * len(rules)
	b.ReportMetric(wall1.Seconds(), "s/unchanged-round")
	b.ReportMetric(float64(rows1), "rows/unchanged-round")
	b.ReportMetric(float64(rows2), "rows/1%-round")
	b.ReportMetric(perRound/1024, "KiB/unchanged-round")
	b.ReportMetric((float64(sizeBefore)+perRound*720)/(1<<20), "MiB-after-30-days")
	b.Logf("%s: %d accounts × %d distributions × %d rules = %d findings", st.Dialect(), accounts, dists, len(rules), findings)
	b.Logf("first round: %v, %d rows (%d events); store %.1f MiB", wall0.Round(time.Millisecond), rows0, events0, float64(size0)/(1<<20))
	b.Logf("unchanged round: %v, %d rows, %d events", wall1.Round(time.Millisecond), rows1, events1)
	b.Logf("1%% changed (%d findings): %v, %d rows, %d events", n, wall2.Round(time.Millisecond), rows2, events2)
	b.Logf("%d unchanged hourly rounds: %v each, store +%.1f KiB each; 30 days of hourly rounds (720): %.1f MiB (extrapolated from %.1f MiB)",
		*benchHours, (wallHours / time.Duration(max(*benchHours, 1))).Round(time.Millisecond), perRound/1024,
		(float64(sizeBefore)+perRound*720)/(1<<20), float64(sizeAfter)/(1<<20))
}

// storeSize is the bytes the store's tables and indexes take.
func storeSize(b *testing.B, st *Store) int64 {
	b.Helper()
	if st.Dialect() == SQLite {
		if _, err := st.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		fi, err := os.Stat(strings.TrimPrefix(st.DSN(), "sqlite:"))
		if err != nil {
			b.Fatal(err)
		}
		return fi.Size()
	}
	if _, err := st.DB().Exec("VACUUM ANALYZE"); err != nil && !strings.Contains(err.Error(), "transaction") {
		b.Log(err)
	}
	var n int64
	if err := st.DB().QueryRow(`SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
		JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = current_schema() AND c.relkind = 'r'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
