package fixiac

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/settings"
)

// TestPlanHonoursSuppressions: with .cloudassure.yaml ignoring CF-001 for a
// distribution, fix iac leaves it alone (as scan iac reports it SKIP) and
// still patches the other one, in CloudFormation and in Terraform.
func TestPlanHonoursSuppressions(t *testing.T) {
	const cfn = `Resources:
  Legacy:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior:
          TargetOriginId: legacy
  Shop:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior:
          TargetOriginId: shop
`
	const tf = `resource "aws_cloudfront_distribution" "legacy" {
  enabled = true
  default_cache_behavior {
    target_origin_id = "legacy"
  }
}
`
	dir := t.TempDir()
	for name, text := range map[string]string{"cdn.yaml": cfn, "tf/main.tf": tf} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := settings.Parse(".cloudassure.yaml", []byte(
		"ignore:\n  - rule: CF-001\n    resource: Legacy\n    reason: retired next week\n"+
			"  - rule: CF-001\n    resource: aws_cloudfront_distribution.legacy\n    reason: retired too\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(context.Background(), Options{Paths: []string{dir}, Policy: rules.DefaultPolicy(), Ignores: cfg.Ignore, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string]fixplan.Change{}
	for _, c := range p.Changes {
		byFile[filepath.ToSlash(strings.TrimPrefix(c.Resource.File, dir+string(filepath.Separator)))] = c
	}
	yaml := byFile["cdn.yaml"]
	if yaml.Action != fixplan.Update || strings.Contains(yaml.Patch, "legacy") || !strings.Contains(yaml.Summary, "Legacy: skipped, CF-001 is suppressed (retired next week)") {
		t.Errorf("cdn.yaml: %s %q\n%s", yaml.Action, yaml.Summary, yaml.Patch)
	}
	if !strings.Contains(yaml.Summary, "Shop: 1 of 1 behavior gains") {
		t.Errorf("cdn.yaml: Shop is not patched: %q", yaml.Summary)
	}
	if c, ok := byFile["tf/main.tf"]; ok && (c.Action != fixplan.None || c.Patch != "") {
		t.Errorf("tf/main.tf: %s %q\n%s", c.Action, c.Summary, c.Patch)
	}
}
