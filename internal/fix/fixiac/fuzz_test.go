package fixiac

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
)

// FuzzPatchYAML patches any input as a template. It must not panic, and a
// patch it plans must apply, parse again, and leave fewer behaviors failing
// CF-001 and none failing that did not before.
func FuzzPatchYAML(f *testing.F) {
	for _, pattern := range []string{"testdata/*/input/*.yaml", "testdata/*/input/*.json", "../../source/iac/testdata/tree/cfn/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("Resources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig: {DefaultCacheBehavior: {}}\n"))
	f.Add([]byte("Resources: {D: {Type: AWS::CloudFront::Distribution, Properties: {DistributionConfig: {DefaultCacheBehavior: {a: b}}}}}"))
	f.Add([]byte("Resources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        DefaultCacheBehavior:\n          \"x\": 'y'\n          RealtimeLogConfigArn:\n---\n"))

	o, err := Options{Now: testNow}.withDefaults()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 32<<10 {
			return
		}
		before, err := cloudformation.Read("t.yaml", data)
		if err != nil {
			return
		}
		for _, create := range []bool{false, true} {
			o := o
			o.CreateResources = create
			for _, c := range fixTemplate("t.yaml", data, &o) {
				if c.Action != fixplan.Update {
					continue
				}
				out, err := applyPatch(string(data), c.Patch)
				if err != nil {
					t.Fatalf("the plan's patch does not apply: %v\n%s", err, c.Patch)
				}
				after, err := cloudformation.Read("t.yaml", []byte(out))
				if err != nil {
					t.Fatalf("the patched template does not parse: %v\n%s", err, out)
				}
				failing := func(js []judged) (map[string]int, int) {
					m, total := map[string]int{}, 0
					for _, j := range js {
						if j.f.Status == finding.Fail {
							m[j.d.ID] += len(j.f.Behaviors)
							total += len(j.f.Behaviors)
						}
					}
					return m, total
				}
				was, wasTotal := failing(judge(before, &o))
				now, nowTotal := failing(judge(after, &o))
				if nowTotal >= wasTotal {
					t.Fatalf("%d behaviors fail CF-001 after the patch, %d before\n%s", nowTotal, wasTotal, c.Patch)
				}
				for id, n := range now {
					if n > was[id] {
						t.Fatalf("%s: %d behaviors fail after the patch, %d before\n%s", id, n, was[id], c.Patch)
					}
				}
			}
		}
	})
}
