package iac

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestPlanNextToItsSource: a plan JSON scanned with the .tf files it was made
// from describes the same resources. Each must be judged once, from the plan
// (which knows the resolved values), pointing at the .tf source and keeping
// the inline ignores written there.
func TestPlanNextToItsSource(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.tf", `variable "arn" {}

resource "aws_cloudfront_distribution" "web" {
  enabled = true
  default_cache_behavior {
    target_origin_id        = "o"
    realtime_log_config_arn = var.arn
  }
}

# cloudassure:ignore CF-001 preview only
resource "aws_cloudfront_distribution" "preview" {
  count   = 2
  enabled = true
  default_cache_behavior {
    target_origin_id = "o"
  }
}
`)
	change := func(addr, name, index, after string) string {
		return `{"address": "` + addr + `", "mode": "managed", "type": "aws_cloudfront_distribution", "name": "` + name + `",` + index +
			` "provider_name": "registry.terraform.io/hashicorp/aws", "change": {"actions": ["create"], "before": null, "after": ` + after + `, "after_unknown": {}}}`
	}
	write("plan.json", `{"format_version": "1.2", "resource_changes": [
  `+change("aws_cloudfront_distribution.web", "web", "", `{"enabled": true, "default_cache_behavior": [{"target_origin_id": "o", "realtime_log_config_arn": ""}]}`)+`,
  `+change("aws_cloudfront_distribution.preview[0]", "preview", ` "index": 0,`, `{"enabled": true, "default_cache_behavior": [{"target_origin_id": "o"}]}`)+`,
  `+change("aws_cloudfront_distribution.preview[1]", "preview", ` "index": 1,`, `{"enabled": true, "default_cache_behavior": [{"target_origin_id": "o"}]}`)+`
]}`)

	inv, err := Read(context.Background(), Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	got := map[string]int{}
	for _, d := range inv.Distributions {
		got[d.ID]++
		if filepath.Base(d.Range.File) != "main.tf" {
			t.Errorf("%s points at %s, want main.tf", d.ID, d.Range)
		}
		switch d.ID {
		case "aws_cloudfront_distribution.web":
			// The plan knows the variable is empty: the behavior has no config.
			if v := d.Behaviors[0].RealtimeLogConfigARN; v.V != "" {
				t.Errorf("web: ARN %+v, want the plan's empty value", v)
			}
		case "aws_cloudfront_distribution.preview[0]", "aws_cloudfront_distribution.preview[1]":
			if len(d.Ignores) != 1 || d.Ignores[0].Reason != "preview only" {
				t.Errorf("%s: ignores %+v, want the comment of its .tf source", d.ID, d.Ignores)
			}
		default:
			t.Errorf("unexpected distribution %s", d.ID)
		}
	}
	want := map[string]int{"aws_cloudfront_distribution.web": 1, "aws_cloudfront_distribution.preview[0]": 1, "aws_cloudfront_distribution.preview[1]": 1}
	if len(got) != len(want) {
		t.Errorf("distributions %v, want %v", got, want)
	}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("%s read %d times, want %d", id, got[id], n)
		}
	}
}
