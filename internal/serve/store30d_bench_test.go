package serve

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cloudassure/cloudassure/internal/auditrole"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

var (
	bench30Accounts    = flag.Int("bench.accounts", 1000, "accounts in BenchmarkStore30Days")
	bench30Days        = flag.Int("bench.days", 30, "simulated days of hourly rounds in BenchmarkStore30Days")
	bench30ChangeEvery = flag.Int("bench.change-every", 24, "in BenchmarkStore30Days, every this many hourly rounds one round changes 1 % of the distributions")
	bench30Retention   = flag.String("bench.retention", "400d", "retention in BenchmarkStore30Days (serve.yaml's retention)")
	bench30Writers     = flag.Int("bench.writers", 4, "account scans recorded at once in BenchmarkStore30Days")
	bench30AllReal     = flag.Bool("bench.all-real", false, "in BenchmarkStore30Days, record every round through RunScan (about 6 ms of CPU per account scan: over an hour per store at full size)")
)

// BenchmarkStore30Days measures the store after bench.days simulated days of
// hourly rounds over bench.accounts accounts × bench.dists distributions, on
// SQLite and on PostgreSQL. Every account scan goes through Service.RunScan
// (the code a scan job runs: RecordScan with the alert routes, metrics), with
// a simulated clock; the alert sender marks each round's deliveries sent and
// retention is applied after every round, as serve does hourly. The findings
// are real: two accounts of the emulator are scanned once through the live
// scanner, one as seeded and one in which every distribution's default
// behavior lost its real-time log config; each simulated account's scan is
// made of those findings, distribution by distribution, and every
// bench.change-every rounds 1 % of the (account, distribution) pairs switch
// between the two. It reports the size on disk and the rows of every table.
//
// Every account scan of the first round, of each round with changes, of the
// round after it and of the last round goes through RunScan. What RunScan
// writes in a round in which nothing changed is one totals row per account
// (checked on every such round it records), but it reads each account's
// state to find that out, about 6 ms of CPU per account scan; so the other
// unchanged rounds (659 of 720) copy the totals rows of the latest recorded
// round into the scans table, one INSERT ... SELECT per round with the
// round's ID and times. -bench.all-real records every round through RunScan.
// Run with -benchtime 1x.
func BenchmarkStore30Days(b *testing.B) {
	rs := newReplayScanner(b, *bench30Accounts, *benchDists)
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			var dsn string
			if kind == "sqlite" {
				dsn = "sqlite:" + filepath.Join(b.TempDir(), "serve.db")
			} else {
				base := os.Getenv("CLOUDASSURE_TEST_POSTGRES_URL")
				if base == "" {
					if os.Getenv("CI") == "true" {
						b.Fatal("CLOUDASSURE_TEST_POSTGRES_URL is not set: .ci/run must start PostgreSQL and export it")
					}
					b.Skip("CLOUDASSURE_TEST_POSTGRES_URL not set: PostgreSQL half skipped")
				}
				dsn = freshDatabase(b, base)
			}
			for range b.N {
				bench30Days1(b, rs, dsn)
			}
		})
	}
}

// replayScanner answers each account's scan with the template findings of
// its distributions in their current variant (as seeded, or changed).
type replayScanner struct {
	accounts []string
	index    map[string]int
	// seeded and changed hold each distribution's findings in the two variants.
	seeded, changed [][]finding.Finding
	apiCalls        map[string]int

	mu      sync.Mutex
	now     time.Time // the current round's start
	flipped [][]bool  // [account][distribution]: in the changed variant
}

func newReplayScanner(b *testing.B, accounts, dists int) *replayScanner {
	b.Helper()
	emu, u := benchOrg(b, 2, dists)
	emu.SetFaults(emulator.Faults{})
	ids := benchAccountIDs(emu, 2)
	mgmt, seededID, changedID := ids[0], ids[1], ids[2]
	ctx := context.Background()

	// The second member: every distribution's default behavior loses its config.
	cf := cloudfront.NewFromConfig(benchAccountConfig(u, mgmt, changedID))
	for _, id := range listDistributionIDs(b, cf) {
		got, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
		if err != nil {
			b.Fatal(err)
		}
		got.DistributionConfig.DefaultCacheBehavior.RealtimeLogConfigArn = nil
		if _, err := cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: got.ETag,
			DistributionConfig: got.DistributionConfig}); err != nil {
			b.Fatal(err)
		}
	}

	cfg, err := ParseConfig(filepath.Join(b.TempDir(), "serve.yaml"), []byte(fmt.Sprintf(`store: "sqlite:%s"
targets:
  - name: bench-org
    org: true
    role_name: %s
`, filepath.Join(b.TempDir(), "unused.db"), auditrole.Name)))
	if err != nil {
		b.Fatal(err)
	}
	sc := &LiveScanner{BaseConfig: func(context.Context, *TargetConfig) (aws.Config, error) {
		return benchAccountConfig(u, mgmt, mgmt), nil
	}}
	scan := func(account string) (store.ScanRecord, []string) {
		rec, err := sc.Scan(ctx, &cfg.Targets[0], account)
		if err != nil {
			b.Fatal(err)
		}
		if !rec.Complete || len(rec.Findings) == 0 {
			b.Fatalf("template scan of %s: complete %v, %d findings, errors %v", account, rec.Complete, len(rec.Findings), rec.Errors)
		}
		return rec, listDistributionIDs(b, cloudfront.NewFromConfig(benchAccountConfig(u, mgmt, account)))
	}
	recA, distsA := scan(seededID)
	recB, distsB := scan(changedID)
	if len(distsA) != dists || len(distsB) != dists {
		b.Fatalf("template accounts list %d and %d distributions, want %d", len(distsA), len(distsB), dists)
	}
	rs := &replayScanner{index: map[string]int{}, apiCalls: recA.APICalls,
		seeded: make([][]finding.Finding, dists), changed: make([][]finding.Finding, dists)}
	pos := map[string]int{}
	for i, id := range distsA {
		pos[id] = i
	}
	for _, f := range recA.Findings {
		i, ok := pos[f.Resource.ID]
		if !ok {
			b.Fatalf("finding %s on %s: not one of the account's distributions", f.RuleID, f.Resource.ID)
		}
		rs.seeded[i] = append(rs.seeded[i], f)
	}
	// The changed variant speaks of the seeded account's distributions (the
	// store's key is the distribution ID), so its IDs and account are replaced.
	posB := map[string]int{}
	for i, id := range distsB {
		posB[id] = i
	}
	for _, f := range recB.Findings {
		i, ok := posB[f.Resource.ID]
		if !ok {
			b.Fatalf("finding %s on %s: not one of the account's distributions", f.RuleID, f.Resource.ID)
		}
		raw, err := json.Marshal(f)
		if err != nil {
			b.Fatal(err)
		}
		s := strings.ReplaceAll(strings.ReplaceAll(string(raw), distsB[i], distsA[i]), changedID, seededID)
		var g finding.Finding
		if err := json.Unmarshal([]byte(s), &g); err != nil {
			b.Fatal(err)
		}
		rs.changed[i] = append(rs.changed[i], g)
	}
	differ := 0
	for i := range dists {
		if len(rs.seeded[i]) != len(rs.changed[i]) {
			b.Fatalf("distribution %d: %d findings as seeded, %d changed", i, len(rs.seeded[i]), len(rs.changed[i]))
		}
		for j := range rs.seeded[i] {
			if rs.seeded[i][j].Status != rs.changed[i][j].Status {
				differ++
			}
		}
	}
	if differ == 0 {
		b.Fatal("the changed template's findings have the seeded ones' statuses")
	}
	for a := range accounts {
		id := fmt.Sprintf("%012d", 500000000000+a)
		rs.accounts = append(rs.accounts, id)
		rs.index[id] = a
		rs.flipped = append(rs.flipped, make([]bool, dists))
	}
	b.Logf("templates: %d findings per account (%d of them change status between the variants)", len(recA.Findings), differ)
	return rs
}

func listDistributionIDs(b *testing.B, cf *cloudfront.Client) []string {
	b.Helper()
	var ids []string
	p := cloudfront.NewListDistributionsPaginator(cf, &cloudfront.ListDistributionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range page.DistributionList.Items {
			ids = append(ids, aws.ToString(s.Id))
		}
	}
	return ids
}

func (r *replayScanner) Accounts(context.Context, *TargetConfig) ([]string, error) {
	return r.accounts, nil
}

func (r *replayScanner) Scan(_ context.Context, t *TargetConfig, account string) (store.ScanRecord, error) {
	a, ok := r.index[account]
	if !ok {
		return store.ScanRecord{}, fmt.Errorf("account %s: not in the benchmark", account)
	}
	r.mu.Lock()
	start := r.now.Add(time.Duration(a) * 3 * time.Millisecond)
	rep := &finding.Report{StartedAt: start, FinishedAt: start.Add(400 * time.Millisecond)}
	for i := range r.seeded {
		if r.flipped[a][i] {
			rep.Findings = append(rep.Findings, r.changed[i]...)
		} else {
			rep.Findings = append(rep.Findings, r.seeded[i]...)
		}
	}
	r.mu.Unlock()
	rep.Summary.APICalls = r.apiCalls
	return RecordFromReport(t, account, rep), nil
}

// flip switches n distinct (account, distribution) pairs to the other variant.
func (r *replayScanner) flip(rng *rand.Rand, n int) (toChanged, toSeeded int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[[2]int]bool{}
	for len(seen) < n {
		k := [2]int{rng.IntN(len(r.accounts)), rng.IntN(len(r.seeded))}
		if seen[k] {
			continue
		}
		seen[k] = true
		r.flipped[k[0]][k[1]] = !r.flipped[k[0]][k[1]]
		if r.flipped[k[0]][k[1]] {
			toChanged++
		} else {
			toSeeded++
		}
	}
	return toChanged, toSeeded
}

func bench30Days1(b *testing.B, rs *replayScanner, dsn string) {
	b.StopTimer()
	ctx := context.Background()
	for a := range rs.flipped {
		clear(rs.flipped[a])
	}
	cfg, err := ParseConfig(filepath.Join(b.TempDir(), "serve.yaml"), []byte(fmt.Sprintf(`store: %q
retention: %s
targets:
  - name: bench-org
    org: true
    role_name: %s
alerts:
  - name: log
    type: terminal
    events: [new_failure, regression, resolved, error, resource_deleted]
`, dsn, *bench30Retention, auditrole.Name)))
	if err != nil {
		b.Fatal(err)
	}
	st := openStore(b, dsn)
	svc, err := NewService(cfg, st, rs, nil)
	if err != nil {
		b.Fatal(err)
	}
	if svc.Channels, err = Channels(cfg, discard{}); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var rows, events int
	var retried []string // failed attempts
	svc.OnScan = func(_ store.ScanRecord, res store.RecordResult) {
		mu.Lock()
		rows += res.RowsWritten
		events += len(res.Events)
		mu.Unlock()
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var now time.Time
	sender := svc.Sender()
	sender.Now = func() time.Time { return now }
	sender.Settle = time.Minute
	rng := rand.New(rand.NewPCG(30, 30))
	rounds := *bench30Days * 24
	pairs := len(rs.accounts) * len(rs.seeded)
	var (
		firstWall, unchangedWall, changedWall time.Duration
		unchangedRounds, changedRounds        int
		unchangedRows, changedRows, firstRows int
		changedEvents, toChanged, toSeeded    int
		sent, copiedRounds                    int
		copiedWall                            time.Duration
		source                                string // the latest round recorded through RunScan in which nothing changed
		sourceStart                           time.Time
	)
	start := time.Now()
	b.StartTimer()
	for h := range rounds {
		if h > 0 && h%24 == 0 {
			fmt.Fprintf(os.Stderr, "%s: day %d of %d after %s\n", st.Dialect(), h/24, *bench30Days, time.Since(start).Round(time.Second))
		}
		change := h > 0 && *bench30ChangeEvery > 0 && h%*bench30ChangeEvery == *bench30ChangeEvery/2
		afterChange := h > 1 && *bench30ChangeEvery > 0 && (h-1)%*bench30ChangeEvery == *bench30ChangeEvery/2
		real := *bench30AllReal || h <= 1 || change || afterChange || h == rounds-1 || source == ""
		if change {
			c, s := rs.flip(rng, pairs/100)
			toChanged += c
			toSeeded += s
		}
		roundStart := t0.Add(time.Duration(h) * time.Hour)
		rs.mu.Lock()
		rs.now = roundStart
		rs.mu.Unlock()
		mu.Lock()
		rows, events = 0, 0
		mu.Unlock()
		roundID := fmt.Sprintf("bench-org@%s", roundStart.Format(time.RFC3339))
		began := time.Now()
		if !real {
			copyTotals(b, st, source, roundID, roundStart.Sub(sourceStart))
			copiedRounds++
			copiedWall += time.Since(began)
			now = roundStart.Add(10 * time.Minute)
			if err := svc.Prune(ctx, now); err != nil {
				b.Fatal(err)
			}
			continue
		}
		work := make(chan string)
		var wg sync.WaitGroup
		for range *bench30Writers {
			wg.Go(func() {
				for acc := range work {
					// A scan that fails runs again, up to 5 attempts, as the queues retry a job.
					for attempt := 1; ; attempt++ {
						err := svc.RunScan(ctx, ScanArgs{Target: "bench-org", Account: acc, RoundID: roundID}, nil)
						if err == nil {
							break
						}
						mu.Lock()
						retried = append(retried, fmt.Sprintf("round %d attempt %d: %v", h, attempt, err))
						mu.Unlock()
						if attempt == 5 {
							b.Error(err)
							break
						}
					}
				}
			})
		}
		for _, acc := range rs.accounts {
			work <- acc
		}
		close(work)
		wg.Wait()
		wall := time.Since(began)
		// The sender sends the round's batch once it settled; retention runs hourly.
		now = roundStart.Add(10 * time.Minute)
		n, err := sender.SendDue(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sent += n
		if err := svc.Prune(ctx, now); err != nil {
			b.Fatal(err)
		}
		switch {
		case h == 0:
			firstWall, firstRows = wall, rows
		case change:
			changedWall += wall
			changedRounds++
			changedRows += rows
			changedEvents += events
		default:
			unchangedWall += wall
			unchangedRounds++
			unchangedRows += rows
			if rows != len(rs.accounts) || events != 0 {
				b.Errorf("round %d (nothing changed) wrote %d rows and %d events, want %d and 0", h, rows, events, len(rs.accounts))
			}
			source, sourceStart = roundID, roundStart
		}
	}
	b.StopTimer()
	sizes := measureStore(b, st)
	b.ReportMetric(float64(sizes.total)/(1<<20), "MiB-store")
	b.ReportMetric(float64(unchangedRows)/float64(max(unchangedRounds, 1)), "rows/unchanged-round")
	b.ReportMetric(float64(changedRows)/float64(max(changedRounds, 1)), "rows/1%-round")
	b.Logf("%s: %d accounts × %d distributions (%d findings each), %d hourly rounds (%d days), retention %s, %d scans recorded at once",
		st.Dialect(), len(rs.accounts), len(rs.seeded), countFindings(rs), rounds, *bench30Days, *bench30Retention, *bench30Writers)
	b.Logf("first round: %v, %d rows", firstWall.Round(time.Millisecond), firstRows)
	b.Logf("%d unchanged rounds recorded through RunScan: %v each, %d rows each; %d unchanged rounds copied: %v each", unchangedRounds, (unchangedWall / time.Duration(max(unchangedRounds, 1))).Round(time.Millisecond),
		unchangedRows/max(unchangedRounds, 1), copiedRounds, (copiedWall / time.Duration(max(copiedRounds, 1))).Round(time.Millisecond))
	b.Logf("%d rounds with 1 %% of the distributions changed (%d pairs each; %d into the changed variant, %d back): %v each, %d rows and %d events each",
		changedRounds, pairs/100, toChanged, toSeeded, (changedWall / time.Duration(max(changedRounds, 1))).Round(time.Millisecond),
		changedRows/max(changedRounds, 1), changedEvents/max(changedRounds, 1))
	b.Logf("alert batches sent: %d; total wall time %s; %d scan attempts failed and ran again", sent, time.Since(start).Round(time.Second), len(retried))
	for _, r := range retried {
		fmt.Fprintf(os.Stderr, "%s: failed scan attempt, %s\n", st.Dialect(), r)
	}
	// The table goes to standard error whole (a benchmark's log keeps 10 lines without -v).
	for _, line := range sizes.lines {
		fmt.Fprintf(os.Stderr, "%s: %s\n", st.Dialect(), line)
	}
}

// copyTotals writes the totals rows of round from, shifted by d, as round
// to: what RunScan writes in a round in which nothing changed.
func copyTotals(b *testing.B, st *store.Store, from, to string, d time.Duration) {
	b.Helper()
	const cols = `complete, pass, fail, skip, error, suppressed, stale, resources, changes, api_calls, api_calls_json, errors_json, duration_ms`
	q := fmt.Sprintf(`INSERT INTO scans (target, account_id, round_id, started_at, finished_at, %s)
		SELECT target, account_id, '%s', started_at + %d, finished_at + %d, %s FROM scans WHERE round_id = '%s' ORDER BY id`,
		cols, to, d.Milliseconds(), d.Milliseconds(), cols, from)
	r, err := st.DB().Exec(q)
	if err != nil {
		b.Fatalf("copy the totals of %s: %v", from, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		b.Fatalf("copy the totals of %s: no rows", from)
	}
}

func countFindings(rs *replayScanner) int {
	n := 0
	for _, fs := range rs.seeded {
		n += len(fs)
	}
	return n
}

type storeSizes struct {
	total int64
	lines []string
}

// measureStore reports the store's size on disk and every table's rows (and
// size, where the database tells it).
func measureStore(b *testing.B, st *store.Store) storeSizes {
	b.Helper()
	db := st.DB()
	var out storeSizes
	var tables []string
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if st.Dialect() == store.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
	}
	rows, err := db.Query(q)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			b.Fatal(err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	tableSize := map[string]int64{}
	if st.Dialect() == store.SQLite {
		path := strings.TrimPrefix(st.DSN(), "sqlite:")
		walBefore := fileSize(path + "-wal")
		if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		file, wal := fileSize(path), fileSize(path+"-wal")
		out.total = file + wal
		out.lines = append(out.lines, fmt.Sprintf("SQLite file %.1f MiB + WAL %.1f MiB after checkpoint (WAL was %.1f MiB before it)",
			float64(file)/(1<<20), float64(wal)/(1<<20), float64(walBefore)/(1<<20)))
		// dbstat (when the build has it) gives each table's and index's pages.
		if r, err := db.Query(`SELECT COALESCE(i.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d
			LEFT JOIN sqlite_master i ON i.name = d.name AND i.type = 'index' GROUP BY 1`); err == nil {
			for r.Next() {
				var t string
				var n int64
				if err := r.Scan(&t, &n); err != nil {
					b.Fatal(err)
				}
				tableSize[t] += n
			}
			r.Close()
		} else {
			out.lines = append(out.lines, "(no dbstat in this SQLite build: sizes per table not shown)")
		}
	} else {
		var dbSize, sum int64
		if err := db.QueryRow(`SELECT pg_database_size(current_database())`).Scan(&dbSize); err != nil {
			b.Fatal(err)
		}
		out.total = dbSize
		out.lines = append(out.lines, fmt.Sprintf("PostgreSQL pg_database_size %.1f MiB", float64(dbSize)/(1<<20)))
		for _, t := range tables {
			var n int64
			if err := db.QueryRow(`SELECT pg_total_relation_size(quote_ident($1)::regclass)`, t).Scan(&n); err != nil {
				b.Fatal(err)
			}
			tableSize[t] = n
			sum += n
		}
		out.lines = append(out.lines, fmt.Sprintf("PostgreSQL tables with their indexes and TOAST: %.1f MiB (the rest is the empty database's catalog)", float64(sum)/(1<<20)))
	}
	for _, t := range tables {
		var n int64
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + t).Scan(&n); err != nil {
			b.Fatal(err)
		}
		line := fmt.Sprintf("  %-20s %10d rows", t, n)
		if sz, ok := tableSize[t]; ok {
			line += fmt.Sprintf("  %8.1f MiB with indexes", float64(sz)/(1<<20))
		}
		out.lines = append(out.lines, line)
	}
	return out
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// freshDatabase creates a database of its own on the server of base (so that
// pg_database_size measures the store alone), dropped when the benchmark ends.
func freshDatabase(b *testing.B, base string) string {
	b.Helper()
	var r [6]byte
	crand.Read(r[:])
	name := "cloudassure_bench_" + hex.EncodeToString(r[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		b.Fatalf("postgres at %s: %v", store.Redact(base), err)
	}
	b.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.Exec("DROP DATABASE " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
