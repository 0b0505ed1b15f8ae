package fixaws

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// BenchmarkFix1000 plans and applies the fix to 1,000 distributions (each
// with a default and two ordered behaviors, none logging) at 20 ms per API
// call, creating the stream, role and config first. It reports the API
// calls: per distribution (GetDistributionConfig + UpdateDistribution) and
// for the setup (identity, destination, ListDistributions pages).
//
//	go test -run '^$' -bench BenchmarkFix1000 -benchtime 1x ./fixaws/
func BenchmarkFix1000(b *testing.B) {
	const n = 1000
	for _, conc := range []int{4, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			var counts map[string]int
			var total int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				emu, url := testEmulator(b, emulator.Options{})
				seedMany(b, url, n, fmt.Sprintf("bench-%d", i))
				emu.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond})
				counter := live.NewCallCounter()
				cfg := live.EndpointConfig(url, counter)
				o := testApplyOptions(cfg, b.TempDir())
				o.Concurrency = conc
				b.StartTimer()
				p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
				if err != nil {
					b.Fatal(err)
				}
				rep, err := Apply(context.Background(), p, o)
				if err != nil || !rep.Complete() || rep.Summary.Fixed != n {
					b.Fatalf("%+v %v", rep.Summary, err)
				}
				b.StopTimer()
				counts, total = counter.Counts(), counter.Total()
			}
			perDist := counts["cloudfront:GetDistributionConfig"] + counts["cloudfront:UpdateDistribution"]
			b.ReportMetric(float64(total), "api-calls/op")
			b.ReportMetric(float64(perDist)/n, "calls/distribution")
			b.ReportMetric(float64(total-perDist), "setup-calls")
			b.ReportMetric(float64(counts["cloudfront:ListDistributions"]), "list-pages")
			b.Logf("calls: %v", counts)
		})
	}
}

// BenchmarkFixUnderFaults fixes the demo account (4 distributions to fix)
// under 60 % throttling and 20 % server errors, as `fix aws --apply`
// against `emulator --demo --throttle-rate 0.6 --error-rate 0.2` does, a
// fresh emulator per run, CLOUDASSURE_BENCH_FIX_RUNS runs (default 20). The
// SDK has the CLI's 10 attempts per call, with backoffs of at most 5 ms and
// no pause between the fix's own rounds, so a run takes a second instead of
// minutes; whether a run gets through depends on the attempts, not on the
// waits. It reports the runs that did everything planned, and each failure.
//
//	go test -run '^$' -bench BenchmarkFixUnderFaults -benchtime 1x ./internal/fix/fixaws/
func BenchmarkFixUnderFaults(b *testing.B) {
	runs := 20
	if s := os.Getenv("CLOUDASSURE_BENCH_FIX_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("CLOUDASSURE_BENCH_FIX_RUNS=%q: want a positive number", s)
		}
		runs = n
	}
	for b.Loop() {
		complete, fixed, setupFailed := 0, 0, 0
		for i := range runs {
			b.StopTimer()
			emu, url := testEmulator(b, emulator.Options{Seed: int64(100 + i)})
			seedDemo(b, emu, url)
			emu.SetFaults(emulator.Faults{ThrottleRate: 0.6, ServerErrorRate: 0.2})
			cfg := retryingConfig(b, url, nil, 0)
			o := testApplyOptions(cfg, b.TempDir())
			o.readBackoff = noPause
			b.StartTimer()
			p, err := MakePlan(context.Background(), PlanOptions{Config: cfg, readBackoff: noPause})
			if err != nil {
				b.Logf("run %d: planning aborted: %v", i, err)
				continue
			}
			rep, err := Apply(context.Background(), p, o)
			if err != nil {
				b.Logf("run %d: apply aborted: %v", i, err)
				continue
			}
			fixed += rep.Summary.Fixed
			if rep.Complete() {
				complete++
				continue
			}
			if rep.Setup != nil {
				setupFailed++
				b.Logf("run %d: set-up failed: %s", i, rep.Setup.Failed)
			}
			for _, d := range rep.Distributions {
				if d.Status == StatusFailed && rep.Setup == nil {
					b.Logf("run %d: %s failed: %s", i, d.ID, d.Reason)
				}
			}
		}
		b.ReportMetric(float64(complete), "complete-runs")
		b.ReportMetric(float64(runs), "runs")
		b.ReportMetric(float64(setupFailed), "setup-failed-runs")
		b.ReportMetric(float64(fixed)/float64(runs), "fixed/run")
	}
}
