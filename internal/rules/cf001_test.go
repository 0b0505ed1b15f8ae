package rules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
)

func TestCF001(t *testing.T) {
	const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/main"
	unknown := func(d *model.Distribution) *model.Distribution {
		d.Behaviors[0].RealtimeLogConfigARN = model.UnknownValue[string](model.Origin{})
		return d
	}
	emptyKnown := func(d *model.Distribution) *model.Distribution {
		d.Behaviors[1].RealtimeLogConfigARN = model.KnownValue("", model.Origin{})
		return d
	}
	enabledUnknown := func(d *model.Distribution) *model.Distribution {
		d.Enabled = model.UnknownValue[bool](model.Origin{})
		return d
	}
	noBehaviors := func(d *model.Distribution) *model.Distribution {
		d.Behaviors = nil
		return d
	}
	noDefault := func(d *model.Distribution) *model.Distribution {
		d.Behaviors = d.Behaviors[1:]
		return d
	}
	dangling := func(d *model.Distribution) *model.Distribution {
		d.Behaviors[0].DanglingRef = "MissingConfig"
		return d
	}
	tests := []struct {
		name            string
		dist            *model.Distribution
		includeDisabled bool
		want            finding.Status
		failing         []string // path patterns named as failing
		msg             string   // substring of the message
	}{
		{"all log", exampleDistribution("E1", true, arn, "/a/*", arn), false, finding.Pass, nil, "all 2 cache behaviors"},
		{"default only logs", exampleDistribution("E1", true, arn), false, finding.Pass, nil, "only cache behavior"},
		{"default only, none", exampleDistribution("E1", true, ""), false, finding.Fail, []string{"*"}, "1 of 1"},
		{"one ordered missing", exampleDistribution("E1", true, arn, "/a/*", arn, "/b/*", ""), false, finding.Fail, []string{"/b/*"}, "1 of 3 cache behaviors send no real-time logs: /b/*"},
		{"default missing", exampleDistribution("E1", true, "", "/a/*", arn), false, finding.Fail, []string{"*"}, "* (default)"},
		{"all missing", exampleDistribution("E1", true, "", "/a/*", "", "/b/*", ""), false, finding.Fail, []string{"*", "/a/*", "/b/*"}, "3 of 3"},
		{"empty string counts as missing", emptyKnown(exampleDistribution("E1", true, arn, "/a/*", arn)), false, finding.Fail, []string{"/a/*"}, "1 of 2"},
		{"unknown counts as set", unknown(exampleDistribution("E1", true, "", "/a/*", arn)), false, finding.Pass, nil, "resolved at deploy time"},
		{"dangling reference fails", dangling(exampleDistribution("E1", true, arn)), false, finding.Fail, []string{"*"}, "1 of 1"},
		{"no behaviors at all: the default is missing", noBehaviors(exampleDistribution("E1", true, arn)), false, finding.Fail, []string{"*"}, "1 of 1 cache behaviors send no real-time logs: * (default)"},
		{"ordered only: the default is missing", noDefault(exampleDistribution("E1", true, arn, "/a/*", arn)), false, finding.Fail, []string{"*"}, "1 of 2 cache behaviors send no real-time logs: * (default)"},
		{"disabled skipped", exampleDistribution("E1", false, ""), false, finding.Skip, nil, "disabled"},
		{"disabled included", exampleDistribution("E1", false, ""), true, finding.Fail, []string{"*"}, "1 of 1"},
		{"enabled unknown is judged", enabledUnknown(exampleDistribution("E1", false, "")), false, finding.Fail, []string{"*"}, "1 of 1"},
	}
	r := cf001()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := r.Check(exampleInventory(tt.dist), Options{Policy: DefaultPolicy(), IncludeDisabled: tt.includeDisabled})
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			f := fs[0]
			if f.Status != tt.want {
				t.Fatalf("status %s, want %s (%s)", f.Status, tt.want, f.Message)
			}
			if !strings.Contains(f.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", f.Message, tt.msg)
			}
			if tt.want == finding.Fail {
				var got []string
				for _, b := range f.Behaviors {
					got = append(got, b.PathPattern)
				}
				if diff := cmp.Diff(tt.failing, got); diff != "" {
					t.Errorf("failing behaviors (-want +got):\n%s", diff)
				}
				if len(f.Problems) != len(tt.failing) {
					t.Errorf("problems %q, want one per failing behavior", f.Problems)
				}
			}
			if f.Resource.ID != "E1" || f.Resource.ARN == "" || f.Resource.Type != "AWS::CloudFront::Distribution" {
				t.Errorf("resource %+v", f.Resource)
			}
		})
	}
}

// A failing CF-001 finding also lists the behaviors that do log, in order,
// so that a report can show every behavior of the distribution.
func TestCF001OtherBehaviors(t *testing.T) {
	const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/main"
	tests := []struct {
		name        string
		dist        *model.Distribution
		wantFailing []string
		wantOther   []string
	}{
		{"one ordered missing", exampleDistribution("E1", true, arn, "/a/*", arn, "/b/*", ""), []string{"/b/*"}, []string{"*", "/a/*"}},
		{"default missing", exampleDistribution("E1", true, "", "/a/*", arn), []string{"*"}, []string{"/a/*"}},
		{"all missing", exampleDistribution("E1", true, "", "/a/*", ""), []string{"*", "/a/*"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cf001().Check(exampleInventory(tt.dist), Options{Policy: DefaultPolicy()})[0]
			paths := func(bs []finding.Behavior) []string {
				var out []string
				for _, b := range bs {
					out = append(out, b.PathPattern)
				}
				return out
			}
			if diff := cmp.Diff(tt.wantFailing, paths(f.Behaviors)); diff != "" {
				t.Errorf("behaviors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOther, paths(f.OtherBehaviors)); diff != "" {
				t.Errorf("other behaviors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCF001Staging(t *testing.T) {
	d := exampleDistribution("E1", true, "")
	d.Staging = model.KnownValue(true, model.Origin{})
	fs := cf001().Check(exampleInventory(d), Options{Policy: DefaultPolicy()})
	if !fs[0].Staging || fs[0].Status != finding.Fail {
		t.Errorf("staging distribution: %+v", fs[0])
	}
}

func TestFingerprintStable(t *testing.T) {
	a := cf001().Check(exampleInventory(exampleDistribution("E1", true, "")), Options{Policy: DefaultPolicy()})
	b := cf001().Check(exampleInventory(exampleDistribution("E1", true, "", "/x", "")), Options{Policy: DefaultPolicy()})
	if a[0].Fingerprint != b[0].Fingerprint {
		t.Error("fingerprint changed with the failing behaviors; it should identify rule and resource only")
	}
}

// Every behavior a finding names carries its place in the distribution: 0
// for the default, 1.. for the ordered ones, whichever list (failing,
// passing) it lands in and whether the default was defined or not.
func TestBehaviorPositions(t *testing.T) {
	const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/main"
	tests := []struct {
		name string
		dist *model.Distribution
		want map[string]int // path pattern -> position, over behaviors and other_behaviors
	}{
		{name: "CF-001 pass lists all in order", dist: exampleDistribution("E1", true, arn, "/a/*", arn, "/b/*", arn, "/c/*", arn),
			want: map[string]int{"*": 0, "/a/*": 1, "/b/*": 2, "/c/*": 3}},
		{name: "CF-001 fail splits failing and passing", dist: exampleDistribution("E1", true, arn, "/a/*", arn, "/b/*", "", "/c/*", arn),
			want: map[string]int{"*": 0, "/a/*": 1, "/b/*": 2, "/c/*": 3}},
		{name: "CF-001 undefined default still 0, ordered from 1", dist: func() *model.Distribution {
			d := exampleDistribution("E1", true, arn, "/a/*", arn, "/b/*", "")
			d.Behaviors = d.Behaviors[1:]
			return d
		}(), want: map[string]int{"*": 0, "/a/*": 1, "/b/*": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := checkCF001(CF001(), tc.dist, Options{})
			got := map[string]int{}
			for _, b := range append(append([]finding.Behavior(nil), f.Behaviors...), f.OtherBehaviors...) {
				if _, dup := got[b.PathPattern]; dup {
					t.Errorf("behavior %s listed twice", b.PathPattern)
				}
				got[b.PathPattern] = b.Position
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("positions (-want +got):\n%s", diff)
			}
		})
	}
}

// CF-002 and CF-003 name the behaviors of a failing config at their places.
func TestBehaviorPositionsOtherRules(t *testing.T) {
	d := exampleDistribution("E1", true, "", "/a/*", "", "/b/*", exampleConfigARN)
	inv := exampleDelivery("", cloudFrontPrincipal)
	inv.Distributions = []*model.Distribution{d}
	f := checkCF002(cf002(), inv, d, Options{}, map[string]delivery{})
	if f.Status != finding.Fail {
		t.Fatalf("CF-002 is %s (%s), want FAIL", f.Status, f.Message)
	}
	want := []finding.Behavior{{PathPattern: "/b/*", Position: 2, RealtimeLogConfigARN: exampleConfigARN, State: "known"}}
	if diff := cmp.Diff(want, f.Behaviors); diff != "" {
		t.Errorf("CF-002 behaviors (-want +got):\n%s", diff)
	}
}
