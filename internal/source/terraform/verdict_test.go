package terraform

import (
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/rules"
)

// cf001 runs CF-001 over what files read into and returns its finding for
// distribution id.
func cf001(t *testing.T, files map[string]string, id string) finding.Finding {
	t.Helper()
	inv := readTree(t, files)
	r, _ := rules.Find("CF-001")
	for _, f := range rules.Run(inv, []*rules.Rule{r}, rules.Options{Policy: rules.DefaultPolicy()}) {
		if f.Resource.ID == id {
			return f
		}
	}
	t.Fatalf("no CF-001 finding for %s (errors: %v)", id, inv.Errors)
	return finding.Finding{}
}

// TestNoDefaultBehavior: a distribution without default_cache_behavior still
// has a default behavior, and it sends nothing.
func TestNoDefaultBehavior(t *testing.T) {
	for name, body := range map[string]string{
		"no behavior at all": "",
		"ordered only": `
  ordered_cache_behavior {
    path_pattern            = "/api/*"
    realtime_log_config_arn = "` + arnA + `"
  }`,
	} {
		t.Run(name, func(t *testing.T) {
			f := cf001(t, map[string]string{"main.tf": dist(body)}, "aws_cloudfront_distribution.d")
			if f.Status != finding.Fail || !strings.Contains(f.Message, "* (default)") {
				t.Fatalf("%s: %s", f.Status, f.Message)
			}
			if len(f.Problems) == 0 || !strings.Contains(f.Problems[0], "default behavior (*) is not defined") {
				t.Errorf("problems %q do not name the missing default behavior", f.Problems)
			}
		})
	}
}

// TestModuleInstances: a module called twice, with count and with for_each
// gives one distribution per instance, each judged on its own inputs.
func TestModuleInstances(t *testing.T) {
	inv := readTree(t, map[string]string{
		"modules/cdn/main.tf": `
variable "arn" {
  default = null
}
resource "aws_cloudfront_distribution" "this" {
  enabled = true
  default_cache_behavior {
    realtime_log_config_arn = var.arn
  }
}
`,
		"main.tf": `
module "logged" {
  source = "./modules/cdn"
  arn    = "` + arnA + `"
}
module "blind" {
  source = "./modules/cdn"
}
module "counted" {
  count  = 2
  source = "./modules/cdn"
  arn    = count.index == 0 ? "` + arnA + `" : null
}
module "each" {
  for_each = { a = "` + arnB + `", b = "" }
  source   = "./modules/cdn"
  arn      = each.value
}
`})
	want := map[string]model.State{
		"module.logged.aws_cloudfront_distribution.this":     model.Known,
		"module.blind.aws_cloudfront_distribution.this":      model.Absent,
		"module.counted[0].aws_cloudfront_distribution.this": model.Known,
		"module.counted[1].aws_cloudfront_distribution.this": model.Absent,
		`module.each["a"].aws_cloudfront_distribution.this`:  model.Known,
		`module.each["b"].aws_cloudfront_distribution.this`:  model.Absent,
	}
	if len(inv.Distributions) != len(want) {
		t.Errorf("%d distributions, want %d", len(inv.Distributions), len(want))
	}
	for id, state := range want {
		d := findDist(t, inv, id)
		if got := d.Behaviors[0].RealtimeLogConfigARN.State; got != state {
			t.Errorf("%s: default behavior %v, want %v", id, got, state)
		}
		if d.Root != "." {
			t.Errorf("%s: root %q", id, d.Root)
		}
	}
}

// TestUnresolvedConditional: a conditional whose condition is known only at
// deploy time never hides a missing config: a branch without one fails,
// named by its condition.
func TestUnresolvedConditional(t *testing.T) {
	for _, tc := range []struct {
		name, arn string
		want      finding.Status
		problem   string
	}{
		{"one branch null", `var.prod ? aws_cloudfront_realtime_log_config.x.arn : null`, finding.Fail,
			`the default behavior (*) has no real-time log config when condition var.prod is false`},
		{"one branch empty, nested", `var.prod ? (var.eu ? "" : aws_cloudfront_realtime_log_config.x.arn) : aws_cloudfront_realtime_log_config.x.arn`, finding.Fail,
			`when condition var.prod is true and var.eu is true`},
		{"both branches set", `var.prod ? aws_cloudfront_realtime_log_config.x.arn : "` + arnA + `"`, finding.Pass, ""},
		{"known condition picks a branch", `var.off ? null : aws_cloudfront_realtime_log_config.x.arn`, finding.Pass, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := cf001(t, map[string]string{"main.tf": configX + `
variable "prod" {
  type = bool
}
variable "eu" {
  type = bool
}
variable "off" {
  default = false
}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = `+tc.arn+`
  }`)}, "aws_cloudfront_distribution.d")
			if f.Status != tc.want {
				t.Fatalf("%s, want %s: %s %q", f.Status, tc.want, f.Message, f.Problems)
			}
			if tc.problem != "" && (len(f.Problems) != 1 || !strings.Contains(f.Problems[0], tc.problem)) {
				t.Errorf("problems %q, want %q", f.Problems, tc.problem)
			}
		})
	}
}

// TestInstanceBudget: count and for_each nested through modules cannot
// expand without bound; past the budget the resource is an error, not
// judged.
func TestInstanceBudget(t *testing.T) {
	inv := readTree(t, map[string]string{
		"m/main.tf": dist("  default_cache_behavior {}") + "\nresource \"aws_cloudfront_distribution\" \"many\" {\n  count   = 1000\n  enabled = true\n}\n",
		"main.tf":   "module \"m\" {\n  count  = 20\n  source = \"./m\"\n}\n",
	})
	if n := len(inv.Distributions); n > maxTotalInstances {
		t.Errorf("%d distributions, more than the budget %d", n, maxTotalInstances)
	}
	if len(inv.Errors) == 0 || !strings.Contains(inv.Errors[len(inv.Errors)-1].Message, "more than 10000 instances") {
		t.Fatalf("errors: %v", inv.Errors)
	}
	if e := inv.Errors[0]; e.Resource == "" || e.Range.File != "m/main.tf" {
		t.Errorf("error %+v does not name the resource and file", e)
	}
}
