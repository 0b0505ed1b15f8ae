package cloudformation

import (
	"errors"
	"os"
	"testing"

	"github.com/cloudassure/cloudassure/internal/model"
)

// fuzzSeeds are the inputs the fuzz tests start from.
func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		smallYAML, smallJSON, yamlPreamble, jsonPreamble + "}",
		distributionWith("RealtimeLogConfigArn: !If [Unresolvable, !GetAtt LogConfig.Arn, !Ref AWS::NoValue]"),
		distributionWith("RealtimeLogConfigArn: !Sub '${LogConfig.Arn}'"),
		"Resources:\n  A: &a {Type: AWS::CloudFront::Distribution, Properties: {DistributionConfig: {DefaultCacheBehavior: *a}}}\n",
		"Conditions: {A: !Condition B, B: !Condition A}\nResources: {}\n",
		"{\"Resources\": {\"A\": ",
		"Resources:\n  # cloudassure:ignore CF-001 x\n  A: {Type: AWS::CloudFront::Distribution}\n",
	} {
		f.Add([]byte(s))
	}
	for _, p := range []string{"testdata/seed.json", "testdata/seed-tabs.yaml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// FuzzRead checks that Read never panics and that what it returns holds
// together: an error is a *model.ReadError naming the file; an inventory
// locates everything in the file.
func FuzzRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Read("fuzz.yaml", data)
		if err != nil {
			var re *model.ReadError
			if !errors.As(err, &re) || re.Range.File != "fuzz.yaml" || inv != nil {
				t.Fatalf("error %T %v with inventory %v", err, err, inv != nil)
			}
			return
		}
		if inv == nil || inv.Source != "cloudformation" || inv.Configs == nil {
			t.Fatalf("inventory %+v", inv)
		}
		for _, d := range inv.Distributions {
			if d.Range.File != "fuzz.yaml" || d.Range.StartLine < 1 || d.Range.EndLine < d.Range.StartLine {
				t.Fatalf("distribution %s range %+v", d.ID, d.Range)
			}
			for _, b := range d.Behaviors {
				if b.Range.File != "fuzz.yaml" || b.Range.EndLine < b.Range.StartLine {
					t.Fatalf("behavior range %+v", b.Range)
				}
				if b.ConfigRef != "" && b.RealtimeLogConfigARN.State == model.Absent {
					t.Fatalf("absent ARN with a config reference %q", b.ConfigRef)
				}
			}
		}
		for _, e := range inv.Errors {
			if e.Range.File != "fuzz.yaml" {
				t.Fatalf("error without the file: %v", e)
			}
		}
	})
}

// FuzzDetect checks that Detect never panics, and neither does Read on
// whatever Detect accepts.
func FuzzDetect(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte("apiVersion: v1\nkind: Pod\n"))
	f.Add([]byte(`{"name": "x", "Resources": {"a": {"Type": "AWS::S3::Bucket"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if Detect(data) {
			_, _ = Read("fuzz.json", data)
		}
	})
}
