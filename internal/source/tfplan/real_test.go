package tfplan

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
)

// The plans in testdata/real are what Terraform v1.11.4 and hashicorp/aws
// 5.100.0 wrote (`terraform show -json`) for the stacks in
// internal/e2e/terraform/testdata, planned against the emulator: NAME-create
// before anything exists, NAME-update once it is applied and the code is
// changed. Regenerate them with
//
//	go test -tags e2e -run TestPlanFixtures ./internal/e2e/terraform/ -update-plans

const (
	realARNPrefix = "arn:aws:cloudfront::111122223333:realtime-log-config/"
	realStream    = "arn:aws:kinesis:us-east-1:111122223333:stream/"
	realRole      = "arn:aws:iam::111122223333:role/"
)

// b is a behavior as the tests below write it: path, state of
// realtime_log_config_arn, its known value and the config it refers to.
func b(path string, st model.State, arn, ref string) behaviorView {
	return behaviorView{Path: path, Default: path == "*", State: st, ARN: arn, Ref: ref}
}

// realDist is a distribution of a real plan without its range, which is
// checked separately.
type realDist struct {
	ID        string
	Enabled   bool
	ARNKnown  bool
	Behaviors []behaviorView
}

// realConfig is a real-time log config of a real plan.
type realConfig struct {
	Name           string
	ARN            string
	Rate           int
	Fields         int
	Stream, Role   model.State
	StreamV, RoleV string
}

func TestReadRealPlans(t *testing.T) {
	const (
		U = model.Unknown
		K = model.Known
		A = model.Absent
	)
	site := func(k string) string { return `aws_cloudfront_distribution.site["` + k + `"]` }
	const siteCfg = "aws_cloudfront_realtime_log_config.main"
	siteARN := realARNPrefix + "site-main"
	sitePlanned := realConfig{Name: "site-main", Rate: 100, Fields: 8, Stream: U, Role: U}
	siteApplied := realConfig{Name: "site-main", ARN: siteARN, Rate: 100, Fields: 8, Stream: K, Role: K,
		StreamV: realStream + "site-realtime-logs", RoleV: realRole + "service-role/site-realtime-logs"}
	const blogCfg = "aws_cloudfront_realtime_log_config.shared"
	blogARN := realARNPrefix + "blog-shared"
	const odCfg = "aws_cloudfront_realtime_log_config.sampled"
	const modCfg = "module.logs.aws_cloudfront_realtime_log_config.this[0]"
	modARN := realARNPrefix + "mod-logs"
	modApplied := realConfig{Name: "mod-logs", ARN: modARN, Rate: 100, Fields: 7, Stream: K, Role: K,
		StreamV: realStream + "mod-logs", RoleV: realRole + "mod-logs"}
	cdn := func(k string) string { return `module.cdn["` + k + `"].aws_cloudfront_distribution.this` }

	tests := []struct {
		plan    string
		dists   []realDist
		configs map[string]realConfig
	}{
		{
			// Nothing exists yet: every ARN is known after apply, and
			// still set. The static files of shop and legacy do not log
			// (null in the plan).
			plan: "site-create",
			dists: []realDist{
				{ID: site("legacy"), Behaviors: []behaviorView{b("*", U, "", siteCfg), b("/api/*", U, "", siteCfg), b("/static/*", A, "", "")}},
				{ID: site("shop"), Enabled: true, Behaviors: []behaviorView{b("*", U, "", siteCfg), b("/api/*", U, "", siteCfg), b("/static/*", A, "", "")}},
				{ID: site("www"), Enabled: true, Behaviors: []behaviorView{b("*", U, "", siteCfg), b("/api/*", U, "", siteCfg), b("/static/*", U, "", siteCfg)}},
			},
			configs: map[string]realConfig{siteCfg: sitePlanned},
		},
		{
			// Applied, then www's static files stop logging: known values,
			// "" (read back from the account) and null (from the code) are
			// both absent.
			plan: "site-update",
			dists: []realDist{
				{ID: site("legacy"), ARNKnown: true, Behaviors: []behaviorView{b("*", K, siteARN, siteCfg), b("/api/*", K, siteARN, siteCfg), b("/static/*", A, "", "")}},
				{ID: site("shop"), Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", K, siteARN, siteCfg), b("/api/*", K, siteARN, siteCfg), b("/static/*", A, "", "")}},
				{ID: site("www"), Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", K, siteARN, siteCfg), b("/api/*", K, siteARN, siteCfg), b("/static/*", A, "", "")}},
			},
			configs: map[string]realConfig{siteCfg: siteApplied},
		},
		{
			plan: "ondemand-create",
			dists: []realDist{
				{ID: "aws_cloudfront_distribution.api", Enabled: true, Behaviors: []behaviorView{b("*", U, "", odCfg), b("/health", A, "", "")}},
				{ID: "aws_cloudfront_distribution.static", Enabled: true, Behaviors: []behaviorView{b("*", A, "", "")}},
			},
			configs: map[string]realConfig{odCfg: {Name: "api-sampled", Rate: 10, Fields: 3, Stream: U, Role: U}},
		},
		{
			// The config is renamed, so replaced: its ARN and the ARNs
			// that refer to it are unknown again, in an update of a
			// distribution that exists.
			plan: "ondemand-update",
			dists: []realDist{
				{ID: "aws_cloudfront_distribution.api", Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", U, "", odCfg), b("/health", A, "", "")}},
				{ID: "aws_cloudfront_distribution.static", Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", U, "", odCfg)}},
			},
			configs: map[string]realConfig{odCfg: {Name: "api-sampled-v2", Rate: 10, Fields: 3, Stream: K, Role: K,
				StreamV: realStream + "api-realtime-logs", RoleV: realRole + "api-realtime-logs"}},
		},
		{
			plan: "fixiac-existing-create",
			dists: []realDist{
				{ID: "aws_cloudfront_distribution.blog", Enabled: true, Behaviors: []behaviorView{b("*", U, "", blogCfg), b("/img/*", A, "", "")}},
				{ID: "aws_cloudfront_distribution.docs", Enabled: true, Behaviors: []behaviorView{b("*", A, "", "")}},
			},
			configs: map[string]realConfig{blogCfg: {Name: "blog-shared", Rate: 100, Fields: 7, Stream: U, Role: U}},
		},
		{
			// fix iac --write pointed the behaviors without a config at
			// the existing one.
			plan: "fixiac-existing-update",
			dists: []realDist{
				{ID: "aws_cloudfront_distribution.blog", Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", K, blogARN, blogCfg), b("/img/*", K, blogARN, blogCfg)}},
				{ID: "aws_cloudfront_distribution.docs", Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", K, blogARN, blogCfg)}},
			},
			configs: map[string]realConfig{blogCfg: {Name: "blog-shared", ARN: blogARN, Rate: 100, Fields: 7, Stream: K, Role: K,
				StreamV: realStream + "blog-realtime-logs", RoleV: realRole + "blog-realtime-logs"}},
		},
		{
			plan: "fixiac-create-create",
			dists: []realDist{
				{ID: "aws_cloudfront_distribution.app", Enabled: true, Behaviors: []behaviorView{b("*", A, "", ""), b("/api/*", A, "", "")}},
			},
			configs: map[string]realConfig{},
		},
		{
			// fix iac --write --create-resources added the delivery chain:
			// the config is created in this plan, so the distribution
			// that exists refers to an ARN known after apply.
			plan: "fixiac-create-update",
			dists: []realDist{
				{ID: "aws_cloudfront_distribution.app", Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", U, "", "aws_cloudfront_realtime_log_config.realtime_logs"), b("/api/*", U, "", "aws_cloudfront_realtime_log_config.realtime_logs")}},
			},
			configs: map[string]realConfig{"aws_cloudfront_realtime_log_config.realtime_logs": {Name: "fixiac-create-realtime-logs", Rate: 100, Fields: 7, Stream: U, Role: U}},
		},
		{
			// Module instances with for_each and count keys: the ARN comes
			// through var.log_arn from module.logs's output, or is null.
			// The configuration does not hold dynamic blocks: the static
			// /health after them is matched by its path, and while the ARN
			// is unknown the plan cannot say which config the dynamic ones
			// and the local refer to.
			plan: "modules-create",
			dists: []realDist{
				{ID: "aws_cloudfront_distribution.root", Enabled: true, Behaviors: []behaviorView{b("*", U, "", modCfg)}},
				{ID: "aws_cloudfront_distribution.via_local", Enabled: true, Behaviors: []behaviorView{b("*", U, "", "")}},
				{ID: cdn("blog"), Enabled: true, Behaviors: []behaviorView{b("*", U, "", modCfg), b("/blog/*", U, "", ""), b("/feed/*", U, "", ""), b("/health", U, "", modCfg)}},
				{ID: cdn("docs"), Enabled: true, Behaviors: []behaviorView{b("*", A, "", ""), b("/docs/*", A, "", ""), b("/feed/*", A, "", ""), b("/health", A, "", "")}},
				{ID: "module.edge[0].aws_cloudfront_distribution.this", Enabled: true, Behaviors: []behaviorView{b("*", U, "", modCfg), b("/health", U, "", modCfg)}},
			},
			configs: map[string]realConfig{modCfg: {Name: "mod-logs", Rate: 100, Fields: 7, Stream: U, Role: U}},
		},
		{
			// Applied; blog loses the ARN, docs gains it, edge is deleted
			// (and not read). Known ARNs the configuration cannot tell are
			// matched to the config with that ARN.
			plan: "modules-update",
			dists: []realDist{
				{ID: "aws_cloudfront_distribution.root", Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", K, modARN, modCfg)}},
				{ID: "aws_cloudfront_distribution.via_local", Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", K, modARN, modCfg)}},
				{ID: cdn("blog"), Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", A, "", ""), b("/blog/*", A, "", ""), b("/feed/*", A, "", ""), b("/health", A, "", "")}},
				{ID: cdn("docs"), Enabled: true, ARNKnown: true, Behaviors: []behaviorView{b("*", K, modARN, modCfg), b("/docs/*", K, modARN, modCfg), b("/feed/*", K, modARN, modCfg), b("/health", K, modARN, modCfg)}},
			},
			configs: map[string]realConfig{modCfg: modApplied},
		},
	}
	for _, tt := range tests {
		t.Run(tt.plan, func(t *testing.T) {
			name := filepath.Join("testdata", "real", tt.plan+".json")
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if !Detect(data) {
				t.Fatalf("Detect(%s) = false", name)
			}
			inv, err := Read(name, data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Errors) != 0 {
				t.Errorf("errors: %v", inv.Errors)
			}
			lines := bytes.Split(data, []byte("\n"))
			onEntry := func(addr string, rng model.Range) {
				t.Helper()
				want := fmt.Sprintf("%q: %q,", "address", addr)
				if rng.File != name || rng.StartLine < 1 || rng.StartLine > len(lines) || rng.EndLine != rng.StartLine ||
					strings.TrimSpace(string(lines[rng.StartLine-1])) != want {
					t.Errorf("%s: range %+v is not its resource_changes entry", addr, rng)
				}
			}
			var got []realDist
			for _, d := range inv.Distributions {
				onEntry(d.ID, d.Range)
				if d.Enabled.State != model.Known {
					t.Errorf("%s: enabled is %v", d.ID, d.Enabled.State)
				}
				v := view(d)
				got = append(got, realDist{ID: d.ID, Enabled: d.Enabled.V, ARNKnown: strings.HasPrefix(d.ARN, "arn:aws:cloudfront::111122223333:distribution/"), Behaviors: v.Behaviors})
			}
			sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
			if diff := cmp.Diff(tt.dists, got); diff != "" {
				t.Errorf("distributions (-want +got):\n%s", diff)
			}
			gotCfg := map[string]realConfig{}
			for k, c := range inv.Configs {
				onEntry(k, c.Range)
				v := realConfig{Name: c.Name, ARN: c.ARN, Rate: c.SamplingRate.V, Fields: len(c.Fields.V)}
				if c.SamplingRate.State != model.Known {
					t.Errorf("%s: sampling rate %v", k, c.SamplingRate.State)
				}
				if len(c.Endpoints) != 1 || c.Endpoints[0].StreamType.V != "Kinesis" {
					t.Errorf("%s: endpoints %+v", k, c.Endpoints)
				} else {
					e := c.Endpoints[0]
					v.Stream, v.StreamV, v.Role, v.RoleV = e.StreamARN.State, e.StreamARN.V, e.RoleARN.State, e.RoleARN.V
				}
				gotCfg[k] = v
			}
			if diff := cmp.Diff(tt.configs, gotCfg); diff != "" {
				t.Errorf("configs (-want +got):\n%s", diff)
			}
		})
	}
}
