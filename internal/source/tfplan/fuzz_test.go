package tfplan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudassure/cloudassure/internal/model"
)

func FuzzPlanRead(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/real/*.json")
	for _, name := range append(seeds, "testdata/multitenant.json") {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"format_version":"1.2","resource_changes":[{"address":"aws_cloudfront_distribution.d","mode":"managed","type":"aws_cloudfront_distribution","name":"d","change":{"actions":["create"],"after":{"default_cache_behavior":[{}]},"after_unknown":true}}]}`))
	f.Add([]byte(`{"format_version":"1.2","planned_values":{}`))
	sources := func(addr string) (model.Range, bool) {
		return model.Range{File: "main.tf", StartLine: 1, EndLine: 2}, len(addr)%2 == 0
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		Detect(data)
		inv, err := Read("plan.json", data, sources)
		if err == nil && inv == nil {
			t.Fatal("nil inventory without an error")
		}
		if err != nil && inv != nil {
			t.Fatal("inventory and error")
		}
	})
}
