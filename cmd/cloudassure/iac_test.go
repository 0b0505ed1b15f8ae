package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
)

var update = flag.Bool("update", false, "rewrite golden files")

// copyTree copies the IaC test tree into a temporary directory and adds a
// .git directory holding a template that must never be scanned.
func copyTree(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "internal", "source", "iac", "testdata", "tree")
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dst, ".git"), 0o755)
	os.WriteFile(filepath.Join(dst, ".git", "template.yaml"), []byte("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  GitDistribution:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n"), 0o644)
	return dst
}

// stable blanks what changes from run to run.
func stable(t *testing.T, out string) []byte {
	t.Helper()
	var rep finding.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	rep.StartedAt, rep.FinishedAt = rep.StartedAt.Truncate(1<<62), rep.FinishedAt.Truncate(1<<62)
	rep.Summary.DurationMS = 0
	rep.Tool.Version = "test"
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the output; run go test ./cmd/cloudassure -run %s -update and review the diff", path, t.Name())
	}
}

func TestScanIaC(t *testing.T) {
	dir := copyTree(t)
	r := runIn(t, dir, nil, "scan", "iac", "--format", "json")
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (three files do not parse): %s", r.code, r.stderr)
	}
	golden(t, "iac-tree.golden.json", stable(t, r.stdout))

	rep := decode(t, r.stdout)
	byID := map[string]map[string]finding.Finding{}
	for _, f := range rep.Findings {
		if byID[f.Resource.ID] == nil {
			byID[f.Resource.ID] = map[string]finding.Finding{}
		}
		byID[f.Resource.ID][f.RuleID] = f
		if f.Location == nil || f.Location.File == "" || f.Location.StartLine == 0 {
			t.Errorf("%s %s has no file:line", f.RuleID, f.Resource.ID)
		}
	}
	for _, skipped := range []string{"VendoredDistribution", "GitDistribution"} {
		if byID[skipped] != nil {
			t.Errorf("%s was scanned; node_modules and .git must be skipped", skipped)
		}
	}
	expect := []struct {
		id, rule string
		status   finding.Status
		file     string
	}{
		{"ShopDistribution", "CF-001", finding.Fail, "cfn/shop.yaml"},
		{"ShopDistribution", "CF-003", finding.Fail, "cfn/shop.yaml"},
		{"BlogDistribution", "CF-001", finding.Pass, "cfn/shop.json"},
		{"ApiDistribution", "CF-001", finding.Pass, "cfn/params.yaml"},
		{"MediaDistribution", "CF-001", finding.Fail, "cfn/dangling.yaml"},
		{"OldDistribution", "CF-001", finding.Skip, "cfn/disabled.yaml"},
		{"LegacyDistribution", "CF-001", finding.Skip, "cfn/suppressed.yaml"},
		{"PartnerDistribution", "CF-001", finding.Skip, "cfn/metadata.json"},
		{"WebDistribution0A1B2C3D", "CF-001", finding.Fail, "cdk.out/WebStack.template.json"},
		{"aws_cloudfront_distribution.web", "CF-001", finding.Fail, "tf/main.tf"},
		{"aws_cloudfront_distribution.preview", "CF-001", finding.Skip, "tf/main.tf"},
		{"aws_cloudfront_distribution.typo", "CF-001", finding.Fail, "tf/main.tf"},
		{"module.cdn.aws_cloudfront_distribution.this", "CF-001", finding.Fail, "tf/modules/cdn/main.tf"},
		{"aws_cloudfront_multitenant_distribution.saas", "CF-001", finding.Fail, "tf/main.tf"},
		{"aws_cloudfront_distribution.app", "CF-001", finding.Fail, "plan/plan.json"},
		{"aws_cloudfront_distribution.app", "CF-003", finding.Fail, "plan/plan.json"},
		{"module.edge.aws_cloudfront_distribution.this[0]", "CF-001", finding.Pass, "plan/plan.json"},
	}
	for _, e := range expect {
		f, ok := byID[e.id][e.rule]
		if !ok {
			t.Errorf("no %s finding for %s", e.rule, e.id)
			continue
		}
		if f.Status != e.status || f.Location.File != e.file {
			t.Errorf("%s %s: %s at %s, want %s at %s (%s)", e.id, e.rule, f.Status, f.Location.File, e.status, e.file, f.Message)
		}
		if e.status == finding.Skip && strings.Contains(e.id, "Legacy") && (f.Suppression == nil || !strings.Contains(f.Suppression.Reason, "retired in Q1")) {
			t.Errorf("%s: suppression %+v", e.id, f.Suppression)
		}
	}
	if byID["aws_cloudfront_distribution.retired"] != nil {
		t.Error("a resource the plan deletes was judged")
	}
	errFiles := map[string]bool{}
	for _, e := range rep.Errors {
		if e.Location != nil {
			errFiles[e.Location.File] = e.Location.StartLine > 0
		}
	}
	for _, f := range []string{"broken/seed-tabs.yaml", "broken/truncated.json", "tf-broken/main.tf"} {
		if hasLine, ok := errFiles[f]; !ok || !hasLine {
			t.Errorf("parse error for %s missing or without a line: %v", f, rep.Errors)
		}
	}

	// Excluding the broken files leaves findings only: exit 1.
	r = runIn(t, dir, nil, "scan", "iac", "--exclude", "broken/**", "--exclude", "tf-broken", "--format", "sarif")
	if r.code != 1 {
		t.Errorf("with the broken files excluded: exit %d, want 1: %s", r.code, r.stderr)
	}
	var sarif struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sarif); err != nil || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) == 0 {
		t.Fatalf("sarif: %v", err)
	}
	for _, res := range sarif.Runs[0].Results {
		pl := res.Locations[0].PhysicalLocation
		if pl == nil || pl.ArtifactLocation.URI == "" || pl.Region.StartLine == 0 {
			t.Errorf("SARIF result without a physical location: %+v", res)
		} else if pl.ArtifactLocation.URIBaseID != "%SRCROOT%" || strings.HasPrefix(pl.ArtifactLocation.URI, "..") {
			t.Errorf("SARIF artifact %+v: want a path relative to the path given, with uriBaseId %%SRCROOT%%", pl.ArtifactLocation)
		}
	}

	// The table names file:line; a single path argument is shown as given.
	r = runIn(t, dir, nil, "scan", "iac", "cfn/shop.yaml")
	if r.code != 1 || !strings.Contains(r.stdout, "cfn/shop.yaml:15") {
		t.Errorf("exit %d, table:\n%s", r.code, r.stdout)
	}
	// A path that does not exist is an error that names it.
	r = runIn(t, dir, nil, "scan", "iac", "nope/")
	if r.code != 2 || !strings.Contains(r.stdout, "nope") {
		t.Errorf("missing path: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestScanIaCVarFileAndJSON: --var-file (repeatable) is read after
// terraform.tfvars, and *.tf.json is scanned like .tf, named relative to
// the path given.
func TestScanIaCVarFileAndJSON(t *testing.T) {
	dir := t.TempDir()
	const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/a"
	for name, src := range map[string]string{
		"infra/main.tf":          "variable \"arn\" {}\nresource \"aws_cloudfront_distribution\" \"hcl\" {\n  enabled = true\n  default_cache_behavior {\n    realtime_log_config_arn = var.arn\n  }\n}\n",
		"infra/json.tf.json":     "{\"resource\": {\"aws_cloudfront_distribution\": {\"json\": {\n  \"enabled\": true,\n  \"default_cache_behavior\": {\"realtime_log_config_arn\": \"${var.arn}\"}\n}}}}\n",
		"infra/terraform.tfvars": "arn = \"\"\n",
		"prod.tfvars":            "arn = \"" + arn + "\"\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		args   []string
		status finding.Status
		code   int
	}{
		{nil, finding.Fail, 1},
		{[]string{"--var-file", "prod.tfvars"}, finding.Pass, 0},
	} {
		r := runIn(t, dir, nil, append([]string{"scan", "iac", "infra", "--format", "json"}, tc.args...)...)
		if r.code != tc.code {
			t.Errorf("%v: exit %d, want %d: %s", tc.args, r.code, tc.code, r.stderr)
		}
		got := map[string]string{}
		for _, f := range decode(t, r.stdout).Findings {
			if f.RuleID == "CF-001" {
				got[f.Resource.ID] = string(f.Status) + " " + f.Location.File
				if f.Status != tc.status {
					t.Errorf("%v: %s is %s, want %s: %s", tc.args, f.Resource.ID, f.Status, tc.status, f.Message)
				}
			}
		}
		if len(got) != 2 || !strings.HasSuffix(got["aws_cloudfront_distribution.json"], " infra/json.tf.json") {
			t.Errorf("%v: findings %v", tc.args, got)
		}
	}
}
