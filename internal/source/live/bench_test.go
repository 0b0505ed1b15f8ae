package live

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
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
