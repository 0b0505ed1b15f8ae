package fixiac

import (
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// TestTerraformJSONLeftAlone: a failing distribution in a *.tf.json file
// (read by scan iac) is reported as not edited, not a crash.
func TestTerraformJSONLeftAlone(t *testing.T) {
	p := planFor(t, map[string]string{
		"main.tf.json": "{\"resource\": {\"aws_cloudfront_distribution\": {\"web\": {\n  \"enabled\": true,\n  \"default_cache_behavior\": {}\n}}}}\n",
	}, Options{})
	if len(p.Changes) != 1 {
		t.Fatalf("changes %+v, want one for main.tf.json", p.Changes)
	}
	c := p.Changes[0]
	if c.Resource.File != "main.tf.json" || c.Action != fixplan.None || !strings.Contains(c.Summary, "JSON syntax") {
		t.Errorf("change %+v", c)
	}
}
