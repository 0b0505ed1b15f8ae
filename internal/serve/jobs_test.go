package serve

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

// fakeScanner serves findings per account that the test sets, counting scans.
type fakeScanner struct {
	mu       sync.Mutex
	accounts []string
	findings map[string][]finding.Finding
	partial  map[string]bool
	scans    map[string]int
	block    chan struct{} // when set, Scan waits on it
	waiting  int           // scans that waited on block
}

func (f *fakeScanner) Accounts(context.Context, *TargetConfig) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.accounts...), nil
}

func (f *fakeScanner) Scan(ctx context.Context, t *TargetConfig, account string) (store.ScanRecord, error) {
	f.mu.Lock()
	block := f.block
	f.mu.Unlock()
	if block != nil {
		f.mu.Lock()
		f.waiting++
		f.mu.Unlock()
		select {
		case <-block:
		case <-ctx.Done():
			return store.ScanRecord{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.scans == nil {
		f.scans = map[string]int{}
	}
	f.scans[account]++
	now := time.Now().UTC()
	return store.ScanRecord{Target: t.Name, AccountID: account, StartedAt: now, FinishedAt: now.Add(time.Millisecond),
		Complete: !f.partial[account], Findings: append([]finding.Finding(nil), f.findings[account]...),
		APICalls: map[string]int{"cloudfront:ListDistributions": 1}}, nil
}

func (f *fakeScanner) set(account string, fs ...finding.Finding) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.findings == nil {
		f.findings = map[string][]finding.Finding{}
	}
	f.findings[account] = fs
}

func fnd(rule, res string, status finding.Status) finding.Finding {
	return finding.Finding{RuleID: rule, Title: rule + " title", Status: status, Risk: "Medium", Message: rule + " " + string(status),
		Resource:  finding.Resource{Type: "AWS::CloudFront::Distribution", ID: res},
		Behaviors: []finding.Behavior{{PathPattern: "*", Default: true, State: "absent"}}}
}

// testStores names a fresh SQLite file and a fresh PostgreSQL schema.
func testStores(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "serve.db")}
	base := os.Getenv("CLOUDASSURE_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CLOUDASSURE_TEST_POSTGRES_URL is not set: .ci/run must start PostgreSQL and export it")
		}
		t.Log("CLOUDASSURE_TEST_POSTGRES_URL not set: PostgreSQL half skipped (it runs in CI)")
		return out
	}
	out["postgres"] = freshSchema(t, base)
	return out
}

func freshSchema(t testing.TB, base string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "serve_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func openStore(t testing.TB, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func testConfig(t *testing.T, dsn, yml string) *Config {
	t.Helper()
	cfg, err := ParseConfig(filepath.Join(t.TempDir(), "serve.yaml"), []byte(fmt.Sprintf("store: %q\n%s", dsn, yml)))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if t.Context().Err() != nil {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitIdle waits until River has marked every job finished (it completes jobs in batches).
func waitIdle(t *testing.T, st *store.Store) {
	t.Helper()
	if st.Dialect() != store.Postgres {
		return
	}
	waitFor(t, "River to finish its jobs", func() bool {
		var n int
		if err := st.DB().QueryRow("SELECT COUNT(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

func countScans(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow("SELECT COUNT(*) FROM scans").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestQueueRounds: a round queues one scan per account through
// River; a round started by hand while scans are pending queues no duplicate.
func TestQueueRounds(t *testing.T) {
	for name, dsn := range testStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := openStore(t, dsn)
			cfg := testConfig(t, dsn, "targets:\n  - name: prod\n    schedule: '@every 1h'\n")
			sc := &fakeScanner{accounts: []string{"111111111111", "222222222222", "333333333333"}}
			sc.set("111111111111", fnd("CF-001", "D1", finding.Fail))
			sc.set("222222222222", fnd("CF-001", "D2", finding.Pass))
			svc, err := NewService(cfg, st, sc, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			q, err := NewQueue(ctx, svc, QueueOptions{Work: true, Concurrency: 2, FetchPoll: 100 * time.Millisecond, Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			svc.SetQueue(q)
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			// A target never scanned is due: the service queues its round at start.
			if err := svc.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the first round's 3 scans", func() bool { return countScans(t, st) >= 3 })
			waitIdle(t, st)
			if mq, ok := q.(*memQueue); ok {
				waitFor(t, "the in-process queue to be idle", func() bool {
					mq.mu.Lock()
					defer mq.mu.Unlock()
					return len(mq.pending) == 0
				})
			}
			// Block the scanner; start a round by hand (once the periodic one is done).
			gate := make(chan struct{})
			sc.mu.Lock()
			sc.block = gate
			sc.mu.Unlock()
			waitFor(t, "a round by hand to be queued", func() bool {
				ok, err := q.EnqueueRound(ctx, "prod", "prod@manual")
				if err != nil {
					t.Fatal(err)
				}
				return ok
			})
			waitFor(t, "two scans to run (concurrency 2)", func() bool {
				sc.mu.Lock()
				defer sc.mu.Unlock()
				return sc.waiting == 2
			})
			for _, a := range sc.accounts {
				n, err := q.EnqueueScans(ctx, []ScanArgs{{Target: "prod", Account: a, RoundID: "other"}})
				if err != nil || n != 0 {
					t.Errorf("scan of %s, pending or running: queued %d, %v; want 0", a, n, err)
				}
			}
			close(gate)
			waitFor(t, "the manual round's scans", func() bool { return countScans(t, st) >= 6 })
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := q.Stop(stopCtx); err != nil {
				t.Fatal(err)
			}
			sc.mu.Lock()
			defer sc.mu.Unlock()
			for _, a := range sc.accounts {
				if sc.scans[a] != 2 {
					t.Errorf("account %s scanned %d times, want 2", a, sc.scans[a])
				}
			}
			if n := countScans(t, st); n != 6 {
				t.Errorf("%d scans recorded, want 6", n)
			}
			evs, err := st.ListEvents(ctx, store.EventFilter{})
			if err != nil || len(evs.Items) != 1 || evs.Items[0].Kind != store.NewFailure {
				t.Errorf("events = %+v, %v", evs.Items, err)
			}
		})
	}
}

// TestBackToBackRounds: a round requested as soon as the previous one's scans
// are recorded scans every account again (a recorded scan's job is done in
// the same transaction), and is accepted at once; rounds that follow each
// other through the API never skip an account.
func TestBackToBackRounds(t *testing.T) {
	for name, dsn := range testStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := openStore(t, dsn)
			cfg := testConfig(t, dsn, "targets:\n  - name: prod\n    schedule: '0 0 1 1 *'\n")
			sc := &fakeScanner{accounts: []string{"111111111111", "222222222222", "333333333333", "444444444444"}}
			sc.set("111111111111", fnd("CF-001", "D1", finding.Fail))
			svc, err := NewService(cfg, st, sc, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			q, err := NewQueue(ctx, svc, QueueOptions{Work: true, Concurrency: 4, FetchPoll: 100 * time.Millisecond, Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			svc.SetQueue(q)
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			stopped := false
			t.Cleanup(func() {
				if !stopped {
					q.Stop(context.Background())
				}
			})
			const rounds = 8
			for i := range rounds {
				round := fmt.Sprintf("prod@b2b-%d", i)
				ok, err := q.EnqueueRound(ctx, "prod", round)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					t.Fatalf("round %d, requested once round %d was recorded: not queued (taken for a duplicate)", i, i-1)
				}
				waitFor(t, round+"'s scans", func() bool {
					p, err := st.ListScans(ctx, store.ScanFilter{RoundID: round})
					if err != nil {
						t.Fatal(err)
					}
					return len(p.Items) == len(sc.accounts)
				})
			}
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			stopped = true
			if err := q.Stop(stopCtx); err != nil {
				t.Fatal(err)
			}
			sc.mu.Lock()
			defer sc.mu.Unlock()
			for _, a := range sc.accounts {
				if sc.scans[a] != rounds {
					t.Errorf("account %s scanned %d times, want %d (one per round)", a, sc.scans[a], rounds)
				}
			}
			if n := countScans(t, st); n != rounds*len(sc.accounts) {
				t.Errorf("%d scans recorded, want %d", n, rounds*len(sc.accounts))
			}
		})
	}
}

// TestCatchUpOnce: workers starting together on one PostgreSQL store queue
// one round of a target that is due, not one each, and a restart queues none
// (the target is no longer due).
func TestCatchUpOnce(t *testing.T) {
	dsn, ok := testStores(t)["postgres"]
	if !ok {
		t.Skip("needs PostgreSQL (runs in CI)")
	}
	ctx := t.Context()
	st := openStore(t, dsn)
	accounts := []string{"111111111111", "222222222222", "333333333333"}
	// Three workers, each catching up at once.
	var svcs []*Service
	sc := &fakeScanner{accounts: accounts}
	for range 3 {
		cfg := testConfig(t, dsn, "targets:\n  - name: prod\n    schedule: '0 0 1 1 *'\n")
		svc, err := NewService(cfg, st, sc, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		q, err := NewQueue(ctx, svc, QueueOptions{Work: true, Concurrency: 2, FetchPoll: 100 * time.Millisecond, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		svc.SetQueue(q)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(context.Background()) })
		svcs = append(svcs, svc)
	}
	var wg sync.WaitGroup
	for _, svc := range svcs {
		wg.Go(func() {
			if err := svc.CatchUp(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	waitFor(t, "the round's scans", func() bool { return countScans(t, st) >= len(accounts) })
	waitIdle(t, st)
	// A worker restarting now finds the target scanned: it queues nothing.
	if err := svcs[0].CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, st)
	var rounds int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'cloudassure_round'`).Scan(&rounds); err != nil {
		t.Fatal(err)
	}
	if rounds != 1 {
		t.Errorf("%d rounds queued by three workers starting together and one restarting, want 1", rounds)
	}
	if n := countScans(t, st); n != len(accounts) {
		t.Errorf("%d scans recorded, want %d (each account once)", n, len(accounts))
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, a := range accounts {
		if sc.scans[a] != 1 {
			t.Errorf("account %s scanned %d times, want 1", a, sc.scans[a])
		}
	}
}
