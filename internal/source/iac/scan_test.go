package iac_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/suppress"
)

var judgeNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// judgeUnit judges one unit as the streaming pipeline does, keeping only the
// findings.
func judgeUnit(u *model.Inventory) []iac.Judged[finding.Finding] {
	vs := rules.Judge(u, rules.All(), rules.Options{Policy: rules.DefaultPolicy()})
	list := suppress.NewList(nil, judgeNow)
	out := make([]iac.Judged[finding.Finding], len(vs))
	for i, v := range vs {
		list.Apply(&vs[i].Finding, v.Distribution)
		out[i] = iac.Judged[finding.Finding]{Distribution: v.Distribution, Result: vs[i].Finding}
	}
	return out
}

// judgeAll judges a whole inventory at once, as before streaming.
func judgeAll(inv *model.Inventory) []finding.Finding {
	vs := rules.Judge(inv, rules.All(), rules.Options{Policy: rules.DefaultPolicy()})
	list := suppress.NewList(nil, judgeNow)
	out := make([]finding.Finding, len(vs))
	for i, v := range vs {
		list.Apply(&vs[i].Finding, v.Distribution)
		out[i] = vs[i].Finding
	}
	return out
}

func sorted(fs []finding.Finding) []finding.Finding {
	rep := &finding.Report{Findings: append([]finding.Finding(nil), fs...)}
	rep.Sort()
	return rep.Findings
}

// streamTree is a tree with what streaming must keep right: a module read
// on its own that a root module calls, and a plan next to its .tf source.
var streamTree = map[string]string{
	"root/main.tf": `
module "cdn" {
  source = "../modules/cdn"
  arn    = "arn:aws:cloudfront::111122223333:realtime-log-config/a"
}
`,
	"modules/cdn/main.tf": `
variable "arn" {
  default = ""
}

resource "aws_cloudfront_distribution" "this" {
  enabled = true
  default_cache_behavior {
    target_origin_id        = "o"
    realtime_log_config_arn = var.arn
  }
}
`,
	"planned/main.tf": `
# cloudassure:ignore CF-001 preview only
resource "aws_cloudfront_distribution" "preview" {
  enabled = true
  default_cache_behavior {
    target_origin_id = "o"
  }
}
`,
	"planned/plan.json": `{"format_version": "1.2", "resource_changes": [
  {"address": "aws_cloudfront_distribution.preview", "mode": "managed", "type": "aws_cloudfront_distribution", "name": "preview",
   "provider_name": "registry.terraform.io/hashicorp/aws",
   "change": {"actions": ["create"], "before": null, "after": {"enabled": true, "default_cache_behavior": [{"target_origin_id": "o"}]}, "after_unknown": {}}}
]}`,
	"cfn/site.yaml": `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Site:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior:
          TargetOriginId: o
        CacheBehaviors:
          - PathPattern: /api/*
            TargetOriginId: o
            RealtimeLogConfigArn: arn:aws:cloudfront::111122223333:realtime-log-config/a
`,
	"cfn/broken.json": `{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {`,
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestScanMatchesRead: judging unit by unit as they are read gives the
// findings and errors of reading everything first and judging it at once.
func TestScanMatchesRead(t *testing.T) {
	stream := writeFiles(t, streamTree)
	for _, tc := range []struct {
		name  string
		paths []string
		want  int // findings
	}{
		{"iac testdata", []string{filepath.Join("testdata", "tree")}, 0},
		{"shadowed module and plan", []string{stream}, 6},
		{"two roots", []string{filepath.Join("testdata", "tree", "tf"), filepath.Join(stream, "root"), filepath.Join(stream, "modules")}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv, err := iac.Read(context.Background(), iac.Options{Paths: tc.paths})
			if err != nil {
				t.Fatal(err)
			}
			want := sorted(judgeAll(inv))
			res, err := iac.Scan(context.Background(), iac.Options{Paths: tc.paths}, judgeUnit)
			if err != nil {
				t.Fatal(err)
			}
			got := sorted(res.Results)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings differ (-read +scan):\n%s", diff)
			}
			if diff := cmp.Diff(inv.Errors, res.Errors); diff != "" {
				t.Errorf("errors differ (-read +scan):\n%s", diff)
			}
			if tc.want > 0 && len(got) != tc.want {
				t.Errorf("%d findings, want %d", len(got), tc.want)
			}
		})
	}
}

// TestScanSupersedes: the module read on its own and the .tf resource the
// plan describes are judged once each: as called, and from the plan with
// the .tf file's inline ignore.
func TestScanSupersedes(t *testing.T) {
	dir := writeFiles(t, streamTree)
	t.Chdir(dir)
	res, err := iac.Scan(context.Background(), iac.Options{Paths: []string{"."}}, judgeUnit)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]finding.Status{}
	for _, f := range res.Results {
		if f.RuleID == "CF-001" {
			got[f.Resource.ID+" "+filepath.ToSlash(f.Location.File)] = f.Status
		}
	}
	want := map[string]finding.Status{
		"module.cdn.aws_cloudfront_distribution.this modules/cdn/main.tf": finding.Pass,
		"aws_cloudfront_distribution.preview planned/main.tf":             finding.Skip,
		"Site cfn/site.yaml": finding.Fail,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CF-001 verdicts (-want +got):\n%s", diff)
	}
	if len(res.Errors) != 1 || res.Errors[0].Range.File != filepath.Join("cfn", "broken.json") {
		t.Errorf("errors %+v, want the broken template", res.Errors)
	}
	if res.Units != 5 {
		t.Errorf("%d units judged, want 5 (3 modules, 1 template, 1 plan)", res.Units)
	}
}

// TestScanFS reads the same tree from an in-memory file system: the same
// findings and errors, named by their paths in it.
func TestScanFS(t *testing.T) {
	dir := writeFiles(t, streamTree)
	t.Chdir(dir)
	disk, err := iac.Scan(context.Background(), iac.Options{Paths: []string{"."}}, judgeUnit)
	if err != nil {
		t.Fatal(err)
	}
	mem := fstest.MapFS{}
	for name, text := range streamTree {
		mem[name] = &fstest.MapFile{Data: []byte(text)}
	}
	res, err := iac.Scan(context.Background(), iac.Options{Paths: []string{"."}, FS: mem}, judgeUnit)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sorted(disk.Results), sorted(res.Results)); diff != "" {
		t.Errorf("findings differ (-disk +memory):\n%s", diff)
	}
	if diff := cmp.Diff(disk.Errors, res.Errors); diff != "" {
		t.Errorf("errors differ (-disk +memory):\n%s", diff)
	}
	// Paths in the file system are shown as given.
	res, err = iac.Scan(context.Background(), iac.Options{Paths: []string{"cfn"}, FS: mem}, judgeUnit)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Results {
		if !strings.HasPrefix(filepath.ToSlash(f.Location.File), "cfn/") {
			t.Errorf("finding at %s, want under cfn/", f.Location.File)
		}
	}
}

// TestScanCancelled: a scan cut short returns ctx's error and what it judged.
func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := iac.Scan(ctx, iac.Options{Paths: []string{filepath.Join("testdata", "tree")}}, judgeUnit)
	if err == nil || res == nil {
		t.Fatalf("err %v, result %v: want the context's error and a result", err, res)
	}
	for _, e := range res.Errors {
		if e == nil {
			t.Fatal("nil error in the result")
		}
	}
}
