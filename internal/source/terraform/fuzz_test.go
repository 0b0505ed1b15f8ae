package terraform

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzReadModule(f *testing.F) {
	f.Add(seedExample)
	f.Add(configX + dist(`
  default_cache_behavior {
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.x.arn
  }
  dynamic "ordered_cache_behavior" {
    for_each = [{ path = "/a" }, { path = "/b" }]
    content {
      path_pattern            = ordered_cache_behavior.value.path
      realtime_log_config_arn = local.arn
    }
  }`) + `
locals {
  arn = coalesce(var.arn, aws_cloudfront_realtime_log_config.typo.arn)
}
variable "arn" {
  type    = string
  default = null
}
# cloudassure:ignore CF-001, CF-002 fuzz
module "m" {
  source = "./"
  in     = { a = [1, 2, 3] }
}
`)
	f.Add("resource \"aws_cloudfront_distribution\" \"d\" {\n  count = 0\n}\n")
	f.Add("resource {")
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		inv, err := ReadModule(dir, dir)
		if err != nil {
			t.Fatalf("ReadModule: %v", err)
		}
		for _, d := range inv.Distributions {
			if d.ID == "" || d.Range.File == "" {
				t.Fatalf("distribution without ID or range: %+v", d)
			}
		}
	})
}

// FuzzReadJSONModule reads arbitrary *.tf.json text: it must never panic.
func FuzzReadJSONModule(f *testing.F) {
	f.Add(`{"resource": {"aws_cloudfront_distribution": {"d": {"enabled": true, "default_cache_behavior": {"realtime_log_config_arn": "${var.x}"}}}}}`)
	f.Add(`{"variable": {"x": {"type": "list(string)", "default": ["a"]}}, "locals": [{"a": 1}], "module": {"m": {"source": "./m"}}}`)
	f.Add(`{"resource": {"aws_cloudfront_distribution": {"d": {"dynamic": {"ordered_cache_behavior": {"for_each": "${[1]}", "iterator": "i", "content": {"path_pattern": "${i.value}"}}}}}}}`)
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.tf.json"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = ReadModule(dir, dir)
	})
}
