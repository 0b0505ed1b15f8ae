package fixaws

import (
	"context"
	"fmt"
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
