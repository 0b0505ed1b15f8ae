package terraform

import (
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
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
