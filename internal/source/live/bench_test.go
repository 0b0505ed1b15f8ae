package live

import (
	"context"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/rules"
)

// benchSize is the number of distributions the scan benchmarks use:
// CLOUDASSURE_BENCH_DISTRIBUTIONS, default 10,000.
func benchSize(b *testing.B) int {
	if s := os.Getenv("CLOUDASSURE_BENCH_DISTRIBUTIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 10000
}

// benchAccount serves n distributions (each with a default and two ordered
// behaviors, half of them logging) with the given latency on every request.
func benchAccount(b *testing.B, n int, latency time.Duration) string {
	b.Helper()
	emu := emulator.New(emulator.Options{Seed: 3})
	srv := httptest.NewServer(emu)
	b.Cleanup(srv.Close)
	cf := cloudfront.NewFromConfig(EndpointConfig(srv.URL, nil))
	ctx := context.Background()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range n {
		g.Go(func() error {
			arn := ""
			cfg := demo.DistributionConfig(fmt.Sprintf("bench-%d", i), "bench", true, arn, []string{"/api/*", "/static/*"}, []string{arn, arn})
			_, err := cf.CreateDistribution(gctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	emu.SetFaults(emulator.Faults{Latency: latency})
	return srv.URL
}

// BenchmarkScan measures cloudassure's read of an account of benchSize
// distributions at 50 ms per API call: one ListDistributions page per 100.
func BenchmarkScan(b *testing.B) {
	n := benchSize(b)
	url := benchAccount(b, n, 50*time.Millisecond)
	var calls int
	b.ResetTimer()
	for b.Loop() {
		counter := NewCallCounter()
		inv, err := Read(context.Background(), Options{Config: EndpointConfig(url, counter)})
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Distributions) != n {
			b.Fatalf("read %d distributions, want %d", len(inv.Distributions), n)
		}
		calls = counter.Total()
	}
	b.ReportMetric(float64(calls), "api-calls/op")
	b.ReportMetric(float64(n), "distributions")
}

// BenchmarkScanBaselineNPlus1 measures what peer tools do: list the
// distributions, then GetDistributionConfig for each one, 8 in flight.
func BenchmarkScanBaselineNPlus1(b *testing.B) {
	n := benchSize(b)
	url := benchAccount(b, n, 50*time.Millisecond)
	var calls int
	b.ResetTimer()
	for b.Loop() {
		counter := NewCallCounter()
		cf := cloudfront.NewFromConfig(EndpointConfig(url, counter))
		ctx := context.Background()
		var ids []string
		p := cloudfront.NewListDistributionsPaginator(cf, &cloudfront.ListDistributionsInput{MaxItems: aws.Int32(100)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range page.DistributionList.Items {
				ids = append(ids, aws.ToString(s.Id))
			}
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for _, id := range ids {
			g.Go(func() error {
				_, err := cf.GetDistributionConfig(gctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
				return err
			})
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		calls = counter.Total()
	}
	b.ReportMetric(float64(calls), "api-calls/op")
	b.ReportMetric(float64(n), "distributions")
}

// BenchmarkScanUnderFaults scans the demo account (31 API calls) N times
// (CLOUDASSURE_BENCH_SCANS, default 20) through LoadConfig's retryer, the
// one `scan aws` uses, while the emulator throttles 30 % of the requests and
// fails another 5 % with a 5xx. It reports the median and maximum scan time
// and fails if any scan's verdicts differ from a scan without faults.
func BenchmarkScanUnderFaults(b *testing.B) {
	scans := 20
	if s := os.Getenv("CLOUDASSURE_BENCH_SCANS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("CLOUDASSURE_BENCH_SCANS=%q: want a positive number", s)
		}
		scans = n
	}
	home := b.TempDir()
	b.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "none"))
	b.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "none"))
	b.Setenv("AWS_ACCESS_KEY_ID", "AKIADEMO")
	b.Setenv("AWS_SECRET_ACCESS_KEY", "demo-secret")
	emu := emulator.New(emulator.Options{Seed: 7})
	srv := httptest.NewServer(emu)
	b.Cleanup(srv.Close)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, EndpointConfig(srv.URL, nil), emu.AccountID(), emu); err != nil {
		b.Fatal(err)
	}
	scan := func() (map[string]finding.Status, int, time.Duration) {
		counter := NewCallCounter()
		cfg, err := LoadConfig(ctx, ConfigOptions{EndpointURL: srv.URL, Counter: counter})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		inv, err := Read(ctx, Options{Config: cfg})
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		verdicts := map[string]finding.Status{}
		for _, f := range rules.Run(inv, rules.All(), rules.Options{Policy: rules.DefaultPolicy()}) {
			verdicts[f.RuleID+" "+f.Resource.ID] = f.Status
		}
		return verdicts, counter.Total(), took
	}
	clean, calls, _ := scan()
	emu.SetFaults(emulator.Faults{ThrottleRate: 0.3, ServerErrorRate: 0.05})
	b.ResetTimer()
	for b.Loop() {
		times := make([]time.Duration, scans)
		mismatches := 0
		for i := range times {
			verdicts, _, took := scan()
			times[i] = took
			if !maps.Equal(verdicts, clean) {
				mismatches++
				for k, v := range verdicts {
					if clean[k] != v {
						b.Errorf("scan %d: %s = %s, without faults %s", i, k, v, clean[k])
					}
				}
			}
		}
		slices.Sort(times)
		median := times[len(times)/2]
		if len(times)%2 == 0 {
			median = (times[len(times)/2-1] + times[len(times)/2]) / 2
		}
		b.ReportMetric(float64(median.Milliseconds()), "median-ms")
		b.ReportMetric(float64(times[len(times)-1].Milliseconds()), "max-ms")
		b.ReportMetric(float64(mismatches), "verdict-mismatches")
	}
	b.ReportMetric(float64(calls), "api-calls/scan")
	b.ReportMetric(float64(scans), "scans")
}
