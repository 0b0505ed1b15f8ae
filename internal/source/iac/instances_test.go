package iac

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/rules"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// judge reads dir as scan iac does (from dir, path ".") and runs CF-001.
func judge(t *testing.T, dir string) finding.Report {
	t.Helper()
	t.Chdir(dir)
	inv, err := Read(context.Background(), Options{Paths: []string{"."}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	r, _ := rules.Find("CF-001")
	rep := finding.Report{Findings: rules.Run(inv, []*rules.Rule{r}, rules.Options{Policy: rules.DefaultPolicy()})}
	rep.Summarize()
	rep.Sort()
	return rep
}

// TestOneFindingPerInstance: a module called from two root modules, and two
// templates declaring the same logical ID, are four distributions, each
// with its own finding and fingerprint.
func TestOneFindingPerInstance(t *testing.T) {
	const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/a"
	const cfn = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Cdn:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        DefaultCacheBehavior:\n          TargetOriginId: o\n"
	dir := writeFiles(t, map[string]string{
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
		"examples/complete/main.tf": "module \"cdn\" {\n  source = \"../../modules/cdn\"\n  arn    = \"" + arn + "\"\n}\n",
		"examples/simple/main.tf":   "module \"cdn\" {\n  source = \"../../modules/cdn\"\n}\n",
		"stacks/a/template.yaml":    cfn,
		"stacks/b/template.yaml":    cfn,
	})
	rep := judge(t, dir)
	type view struct{ Root, ID, File, Status string }
	var got []view
	prints := map[string]bool{}
	for _, f := range rep.Findings {
		got = append(got, view{f.Resource.Root, f.Resource.ID, f.Location.File, string(f.Status)})
		prints[f.Fingerprint] = true
	}
	want := []view{
		{"", "Cdn", "stacks/a/template.yaml", "FAIL"},
		{"", "Cdn", "stacks/b/template.yaml", "FAIL"},
		{"examples/complete", "module.cdn.aws_cloudfront_distribution.this", "modules/cdn/main.tf", "PASS"},
		{"examples/simple", "module.cdn.aws_cloudfront_distribution.this", "modules/cdn/main.tf", "FAIL"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(prints) != len(want) {
		t.Errorf("%d distinct fingerprints for %d findings", len(prints), len(rep.Findings))
	}
	if rep.Summary.Resources != len(want) {
		t.Errorf("summary.resources = %d, want %d", rep.Summary.Resources, len(want))
	}
}

// TestPathsRelativeToPathGiven: every format names its files the same way,
// joined onto the path as given: absolute for an absolute path, relative
// for a relative one, a file given on its own as given.
func TestPathsRelativeToPathGiven(t *testing.T) {
	const cfn = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Cdn:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        DefaultCacheBehavior: {}\n"
	dir := writeFiles(t, map[string]string{
		"infra/stacks/t.yaml":   cfn,
		"infra/tf/main.tf":      "module \"cdn\" {\n  source = \"../../shared/cdn\"\n}\n",
		"shared/cdn/main.tf":    "resource \"aws_cloudfront_distribution\" \"this\" {\n  enabled = true\n}\n",
		"infra/tf/local/x.tf":   "resource \"aws_cloudfront_distribution\" \"x\" {\n  enabled = true\n}\n",
		"elsewhere/placeholder": "",
	})
	t.Chdir(filepath.Join(dir, "elsewhere"))
	for _, tc := range []struct {
		path string
		want []string
	}{
		{filepath.Join(dir, "infra"), []string{
			filepath.Join(dir, "infra", "stacks", "t.yaml"),
			filepath.Join(dir, "infra", "tf", "local", "x.tf"),
			filepath.Join(dir, "shared", "cdn", "main.tf"),
		}},
		{filepath.Join("..", "infra"), []string{
			filepath.Join("..", "infra", "stacks", "t.yaml"),
			filepath.Join("..", "infra", "tf", "local", "x.tf"),
			filepath.Join("..", "shared", "cdn", "main.tf"),
		}},
		{filepath.Join("..", "infra", "tf", "local", "x.tf"), []string{
			filepath.Join("..", "infra", "tf", "local", "x.tf"),
		}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			inv, err := Read(context.Background(), Options{Paths: []string{tc.path}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range inv.Distributions {
				got = append(got, d.Range.File)
			}
			sort.Strings(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

// TestVarFiles: --var-file files are read after terraform.tfvars, later
// ones winning; a missing one is an error naming it.
func TestVarFiles(t *testing.T) {
	const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/a"
	dir := writeFiles(t, map[string]string{
		"tf/main.tf":          "variable \"arn\" {}\nresource \"aws_cloudfront_distribution\" \"d\" {\n  enabled = true\n  default_cache_behavior {\n    realtime_log_config_arn = var.arn\n  }\n}\n",
		"tf/terraform.tfvars": "arn = \"" + arn + "\"\n",
		"prod.tfvars":         "arn = \"\"\n",
	})
	t.Chdir(dir)
	inv, err := Read(context.Background(), Options{Paths: []string{"tf"}, VarFiles: []string{"prod.tfvars", "nope.tfvars"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Distributions) != 1 || inv.Distributions[0].Behaviors[0].RealtimeLogConfigARN.State.String() != "absent" {
		t.Fatalf("prod.tfvars (arn = \"\") should win over terraform.tfvars: %+v", inv.Distributions)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Range.File != "nope.tfvars" {
		t.Errorf("errors = %v, want one naming nope.tfvars", inv.Errors)
	}
}

// TestTerraformJSON: scan iac reads *.tf.json like .tf, with lines, and not
// as a template or plan.
func TestTerraformJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"cdn/main.tf.json": "{\n  \"resource\": {\n    \"aws_cloudfront_distribution\": {\n      \"web\": {\n        \"enabled\": true,\n        \"default_cache_behavior\": {}\n      }\n    }\n  }\n}\n",
	})
	rep := judge(t, dir)
	if len(rep.Findings) != 1 {
		t.Fatalf("findings: %+v", rep.Findings)
	}
	f := rep.Findings[0]
	if f.Resource.ID != "aws_cloudfront_distribution.web" || f.Status != finding.Fail || f.Location.File != "cdn/main.tf.json" || f.Location.StartLine != 4 || f.Location.EndLine != 7 {
		t.Errorf("finding %s %s at %+v", f.Resource.ID, f.Status, f.Location)
	}
}
