package serve

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/auditrole"
	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
	"github.com/cloudassure/cloudassure/internal/store"
)

var (
	benchMembers     = flag.Int("bench.members", 1000, "member accounts of the Organization in BenchmarkRound")
	benchDists       = flag.Int("bench.dists", 100, "distributions per account in BenchmarkRound")
	benchLatency     = flag.Duration("bench.latency", 50*time.Millisecond, "latency the emulator adds to every request in BenchmarkRound")
	benchConcurrency = flag.Int("bench.concurrency", 4, "account scans one worker runs at once in BenchmarkRound (serve's default)")
)

// BenchmarkRound runs full serve rounds through the real job path against
// the emulator with an Organization of bench.members members × bench.dists
// distributions at bench.latency: on PostgreSQL three worker services and a
// web-only one (River), on SQLite the one in-process runner with as many
// scans in flight as the three workers together. It reports the wall time of
// a round (from the API call that starts it to the last account scan
// recorded), the rows it wrote when nothing changed and when 1 % of the
// distributions changed, and the store's size. Both stores scan the same
// emulator, seeded once without latency. Run with -benchtime 1x.
func BenchmarkRound(b *testing.B) {
	emu, url := benchOrg(b, *benchMembers, *benchDists)
	stores := map[string]string{"sqlite": "sqlite:" + filepath.Join(b.TempDir(), "serve.db")}
	if base := os.Getenv("CLOUDASSURE_TEST_POSTGRES_URL"); base != "" {
		stores["postgres"] = freshSchema(b, base)
	} else {
		b.Log("CLOUDASSURE_TEST_POSTGRES_URL not set: PostgreSQL half skipped")
	}
	changed := 0
	for _, name := range []string{"sqlite", "postgres"} {
		dsn, ok := stores[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				benchServeRound(b, emu, url, dsn, &changed)
			}
		})
	}
}

// roundStats sums the account scans recorded for one round.
type roundStats struct {
	scans, rows, events int
	last                time.Time
}

type roundLog struct {
	mu     sync.Mutex
	rounds map[string]*roundStats
}

func (l *roundLog) onScan(rec store.ScanRecord, res store.RecordResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.rounds[rec.RoundID]
	if s == nil {
		s = &roundStats{}
		l.rounds[rec.RoundID] = s
	}
	s.scans++
	s.rows += res.RowsWritten
	s.events += len(res.Events)
	s.last = time.Now()
}

// wait returns the round's figures once every account's scan is recorded.
func (l *roundLog) wait(b *testing.B, round string, accounts int) roundStats {
	b.Helper()
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		s := l.rounds[round]
		if s != nil && s.scans >= accounts {
			out := *s
			l.mu.Unlock()
			return out
		}
		l.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("round %s: not every account scanned within 30 minutes", round)
	return roundStats{}
}

// firstRound is the round the services start with (every finding new).
func (l *roundLog) firstRound(b *testing.B, accounts int) (string, roundStats) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for id, s := range l.rounds {
			if s.scans >= accounts {
				out := *s
				l.mu.Unlock()
				return id, out
			}
		}
		l.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("the first round did not finish within 30 minutes")
	return "", roundStats{}
}

func benchServeRound(b *testing.B, emu *emulator.Server, url, dsn string, changed *int) {
	b.StopTimer()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	accounts := *benchMembers + 1
	cfgText := fmt.Sprintf(`store: %q
listen: "127.0.0.1:0"
concurrency: %%d
targets:
  - name: bench-org
    org: true
    role_name: %s
    schedule: "0 0 1 1 *"
    concurrency: %%d
    timeout: 20m
alerts:
  - name: log
    type: terminal
    events: [new_failure, regression, resolved, error, resource_deleted]
`, dsn, auditrole.Name)
	roles := []RunOptions{{}}
	conc := *benchConcurrency * 3
	if strings.HasPrefix(dsn, "postgres") {
		roles = []RunOptions{{WebOnly: true}, {WorkerOnly: true}, {WorkerOnly: true}, {WorkerOnly: true}}
		conc = *benchConcurrency
	}
	log := &roundLog{rounds: map[string]*roundStats{}}
	base := func(context.Context, *TargetConfig) (aws.Config, error) { return live.EndpointConfig(url, nil), nil }
	addr := make(chan string, 1)
	errs := make(chan error, len(roles))
	var wg sync.WaitGroup
	start := time.Now()
	for _, ro := range roles {
		cfg, err := ParseConfig(filepath.Join(b.TempDir(), "serve.yaml"), []byte(fmt.Sprintf(cfgText, conc, *benchConcurrency*3)))
		if err != nil {
			b.Fatal(err)
		}
		ro.Config = cfg
		ro.Scanner = &LiveScanner{BaseConfig: base}
		ro.Terminal = discard{}
		ro.AlertSettle = time.Second
		ro.SendEvery = time.Second
		ro.FetchPoll = 100 * time.Millisecond
		ro.Logger = testLogger(b)
		ro.Listening = func(a string) { addr <- a }
		ro.Started = func(s *Service) { s.OnScan = log.onScan }
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Run(ctx, ro); err != nil {
				errs <- err
			}
		}()
	}
	var api string
	select {
	case api = <-addr:
	case err := <-errs:
		b.Fatal(err)
	}
	st := openStore(b, dsn)

	// Round 1, started by the services: every finding is new.
	_, r1 := log.firstRound(b, accounts)
	wall1 := r1.last.Sub(start)
	size1 := benchStoreSize(b, st)

	// Round 2: nothing changed.
	b.StartTimer()
	r2, wall2 := triggerRound(b, st, log, api, accounts)
	b.StopTimer()
	size2 := benchStoreSize(b, st)

	// Round 3: 1 % of the distributions changed.
	n := changeDistributions(b, emu, url, *changed)
	*changed++
	r3, wall3 := triggerRound(b, st, log, api, accounts)
	size3 := benchStoreSize(b, st)

	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Error(err)
	}
	b.ReportMetric(wall2.Seconds(), "s/unchanged-round")
	b.ReportMetric(float64(r2.rows), "rows/unchanged-round")
	b.ReportMetric(float64(r3.rows), "rows/1%-round")
	b.ReportMetric(float64(size3)/(1<<20), "MiB-store")
	b.Logf("%s: %d accounts × %d distributions at %s latency, %d worker(s) × concurrency %d", st.Dialect(), accounts, *benchDists, *benchLatency, max(len(roles)-1, 1), conc)
	b.Logf("first round (from start): %v, %d rows, %d events; store %.1f MiB", wall1.Round(time.Millisecond), r1.rows, r1.events, float64(size1)/(1<<20))
	b.Logf("unchanged round: %v, %d rows, %d events; store %.1f MiB", wall2.Round(time.Millisecond), r2.rows, r2.events, float64(size2)/(1<<20))
	b.Logf("1%% of distributions changed (%d): %v, %d rows, %d events; store %.1f MiB", n, wall3.Round(time.Millisecond), r3.rows, r3.events, float64(size3)/(1<<20))
	if r2.events != 0 || r2.rows != accounts {
		b.Errorf("unchanged round wrote %d rows and %d events, want %d and 0", r2.rows, r2.events, accounts)
	}
	if r3.events == 0 {
		b.Errorf("the round after %d distributions changed recorded no event", n)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// triggerRound starts a round through the API once the previous round's
// jobs are done, and waits until every account's scan is recorded.
func triggerRound(b *testing.B, st *store.Store, log *roundLog, api string, accounts int) (roundStats, time.Duration) {
	b.Helper()
	for {
		if st.Dialect() != store.Postgres {
			break
		}
		var n int
		if err := st.DB().QueryRow("SELECT COUNT(*) FROM river_job WHERE state NOT IN ('completed', 'discarded', 'cancelled')").Scan(&n); err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var round string
	start := time.Now()
	for round == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+api+"/api/v1/scans", strings.NewReader(`{"target":"bench-org"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		var tr TriggerResponse
		err = json.NewDecoder(resp.Body).Decode(&tr)
		resp.Body.Close()
		cancel()
		if resp.StatusCode == http.StatusAccepted && tr.Queued && err == nil {
			round = tr.RoundID
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	s := log.wait(b, round, accounts)
	return s, s.last.Sub(start)
}

// changeDistributions removes the real-time log config from the default
// behavior of 1 % of the distributions (one in a hundred, a different one
// in each call; all of them passed before), without latency. It returns how many it changed.
func changeDistributions(b *testing.B, emu *emulator.Server, url string, call int) int {
	b.Helper()
	emu.SetFaults(emulator.Faults{})
	defer emu.SetFaults(emulator.Faults{Latency: *benchLatency})
	var mu sync.Mutex
	n := 0
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(8)
	for _, id := range benchAccountIDs(emu, *benchMembers) {
		g.Go(func() error {
			cf := cloudfront.NewFromConfig(benchAccountConfig(url, emu.AccountID(), id))
			p := cloudfront.NewListDistributionsPaginator(cf, &cloudfront.ListDistributionsInput{})
			i := -1
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("account %s: %w", id, err)
				}
				for _, s := range page.DistributionList.Items {
					i++
					// Not a multiple of ten: those already fail (an ordered behavior without config).
					if i%100 != 1+call%9 {
						continue
					}
					dist := aws.ToString(s.Id)
					got, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(dist)})
					if err != nil {
						return fmt.Errorf("account %s distribution %s: %w", id, dist, err)
					}
					got.DistributionConfig.DefaultCacheBehavior.RealtimeLogConfigArn = nil
					if _, err := cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(dist), IfMatch: got.ETag,
						DistributionConfig: got.DistributionConfig}); err != nil {
						return fmt.Errorf("account %s update distribution %s: %w", id, dist, err)
					}
					mu.Lock()
					n++
					mu.Unlock()
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	return n
}

// benchStoreSize is the bytes the store's tables and indexes take (the
// SQLite file after a WAL checkpoint).
func benchStoreSize(b *testing.B, st *store.Store) int64 {
	b.Helper()
	if st.Dialect() == store.SQLite {
		if _, err := st.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			b.Fatal(err)
		}
		fi, err := os.Stat(strings.TrimPrefix(st.DSN(), "sqlite:"))
		if err != nil {
			b.Fatal(err)
		}
		return fi.Size()
	}
	var n int64
	if err := st.DB().QueryRow(`SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c
		JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = current_schema() AND c.relkind = 'r'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func benchAccountIDs(emu *emulator.Server, members int) []string {
	ids := []string{emu.AccountID()}
	for i := range members {
		ids = append(ids, fmt.Sprintf("%012d", 400000000001+i))
	}
	return ids
}

func benchAccountConfig(url, mgmt, id string) aws.Config {
	cfg := live.EndpointConfig(url, nil)
	if id != mgmt {
		cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIABENCH"+id, "s", "")
	}
	return cfg
}

// benchOrg seeds an Organization of members accounts with dists
// distributions each (a default and two ordered behaviors; every tenth
// misses the config on one), one stream, delivery role and real-time log
// config per account and the audit role in every member, as BenchmarkScanOrg
// in cmd/cloudassure does. Seeding runs without latency; then every request
// gets bench.latency.
func benchOrg(b *testing.B, members, dists int) (*emulator.Server, string) {
	b.Helper()
	emu := emulator.New(emulator.Options{Seed: 1})
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = emu.Close() })
	emu.CreateOrganization()
	mgmt := emu.AccountID()
	ids := benchAccountIDs(emu, members)
	for _, id := range ids[1:] {
		if err := emu.AddOrganizationAccount(emulator.OrgAccount{ID: id}); err != nil {
			b.Fatal(err)
		}
		if err := emu.AddAccessKey("AKIABENCH"+id, id); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(8)
	for _, id := range ids {
		g.Go(func() error { return seedBenchAccount(ctx, benchAccountConfig(url, mgmt, id), id, mgmt, dists) })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d accounts × %d distributions in %s", len(ids), dists, time.Since(start).Round(time.Second))
	emu.SetFaults(emulator.Faults{Latency: *benchLatency})
	return emu, url
}

func seedBenchAccount(ctx context.Context, cfg aws.Config, id, mgmt string, dists int) error {
	ic, cf := iam.NewFromConfig(cfg), cloudfront.NewFromConfig(cfg)
	if _, err := kinesis.NewFromConfig(cfg).CreateStream(ctx, &kinesis.CreateStreamInput{
		StreamName: aws.String("cf-logs"), StreamModeDetails: &kintypes.StreamModeDetails{StreamMode: kintypes.StreamModeOnDemand},
	}); err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	stream := "arn:aws:kinesis:us-east-1:" + id + ":stream/cf-logs"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("cf-logs"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	deliver := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:DescribeStreamSummary","kinesis:DescribeStream","kinesis:PutRecord","kinesis:PutRecords"],"Resource":%q}]}`, stream)
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("cf-logs"), PolicyName: aws.String("deliver"), PolicyDocument: aws.String(deliver)}); err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	if id != mgmt {
		audit := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, mgmt)
		if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(auditrole.Name), AssumeRolePolicyDocument: aws.String(audit)}); err != nil {
			return fmt.Errorf("account %s: %w", id, err)
		}
		if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(auditrole.Name), PolicyName: aws.String("audit"), PolicyDocument: aws.String(auditrole.Policy)}); err != nil {
			return fmt.Errorf("account %s: %w", id, err)
		}
	}
	out, err := cf.CreateRealtimeLogConfig(ctx, &cloudfront.CreateRealtimeLogConfigInput{
		Name: aws.String("main"), SamplingRate: aws.Int64(100),
		Fields: []string{"timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-request-id", "x-edge-location"},
		EndPoints: []cftypes.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &cftypes.KinesisStreamConfig{
			StreamARN: aws.String(stream), RoleARN: aws.String("arn:aws:iam::" + id + ":role/cf-logs"),
		}}},
	})
	if err != nil {
		return fmt.Errorf("account %s: %w", id, err)
	}
	arn := aws.ToString(out.RealtimeLogConfig.ARN)
	for i := range dists {
		second := arn
		if i%10 == 0 {
			second = ""
		}
		dc := demo.DistributionConfig(fmt.Sprintf("%s-%d", id, i), "bench", true, arn, []string{"/api/*", "/static/*"}, []string{arn, second})
		if _, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: dc}); err != nil {
			return fmt.Errorf("account %s distribution %d: %w", id, i, err)
		}
	}
	return nil
}
