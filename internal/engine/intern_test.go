package engine

import (
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// sample is a finding as a rule builds it: every string, location and
// behavior list its own (strings are built so that equal ones do not share
// memory before interning).
func sample(rule, msg, file string, line int, paths ...string) finding.Finding {
	own := func(s string) string { return string([]byte(s)) }
	f := finding.Finding{
		RuleID: rule, Status: finding.Fail, Message: own(msg),
		Resource: finding.Resource{Type: own("AWS::CloudFront::Distribution"), ID: own("Dist"), Name: own("shop")},
		Location: &finding.Location{File: own(file), StartLine: line, EndLine: line + 40},
		Problems: []string{own("the default behavior (*) has no real-time log config")},
		Related:  []finding.Resource{{Type: own("AWS::CloudFront::RealtimeLogConfig"), ID: own("Logs"), ARN: own("arn:aws:cloudfront::1:realtime-log-config/x")}},
	}
	for i, p := range paths {
		f.Behaviors = append(f.Behaviors, finding.Behavior{PathPattern: own(p), Default: p == "*", State: own("absent"),
			Location: &finding.Location{File: own(file), StartLine: line + 1 + i, EndLine: line + 1 + i}})
	}
	return f
}

func sameString(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

func sameBehaviors(a, b []finding.Behavior) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0]
}

// TestInterner: interned findings are equal to what the rules built, and
// share their repeated strings across units and their locations and
// behavior lists within a unit only.
func TestInterner(t *testing.T) {
	tests := []struct {
		name     string
		a, b     finding.Finding
		sameUnit bool
		// What a and b must share once interned.
		location, behaviors bool
	}{
		{
			name:     "two rules on one distribution",
			a:        sample("CF-001", "1 of 2 cache behaviors send no real-time logs: * (default)", "t/a.yaml", 10, "*", "/api/*"),
			b:        sample("CF-003", "1 of 2 cache behaviors send no real-time logs: * (default)", "t/a.yaml", 10, "*", "/api/*"),
			sameUnit: true, location: true, behaviors: true,
		},
		{
			name:     "same unit, different behaviors",
			a:        sample("CF-001", "m", "t/a.yaml", 10, "*", "/api/*"),
			b:        sample("CF-003", "m", "t/a.yaml", 10, "*"),
			sameUnit: true, location: true,
		},
		{
			name: "equal findings of two units",
			a:    sample("CF-001", "m", "t/a.yaml", 10, "*"),
			b:    sample("CF-001", "m", "t/a.yaml", 10, "*"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantA, wantB := sample(tt.a.RuleID, tt.a.Message, tt.a.Location.File, tt.a.Location.StartLine, paths(tt.a)...),
				sample(tt.b.RuleID, tt.b.Message, tt.b.Location.File, tt.b.Location.StartLine, paths(tt.b)...)
			in := newInterner()
			in.unit()
			a, b := tt.a, tt.b
			in.finding(&a)
			if !tt.sameUnit {
				in.unit()
			}
			in.finding(&b)
			if d := cmp.Diff(wantA, a); d != "" {
				t.Errorf("first finding changed (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantB, b); d != "" {
				t.Errorf("second finding changed (-want +got):\n%s", d)
			}
			if a.Message == b.Message && !sameString(a.Message, b.Message) {
				t.Error("equal messages not shared")
			}
			if !sameString(a.Problems[0], b.Problems[0]) || !sameString(a.Resource.Type, b.Resource.Type) || !sameString(a.Related[0].ARN, b.Related[0].ARN) {
				t.Error("repeated strings not shared")
			}
			if !sameString(a.Behaviors[0].PathPattern, b.Behaviors[0].PathPattern) || !sameString(a.Behaviors[0].State, b.Behaviors[0].State) {
				t.Error("behavior strings not shared")
			}
			if got := a.Location == b.Location; got != tt.location {
				t.Errorf("location shared %v, want %v", got, tt.location)
			}
			if got := a.Behaviors[0].Location == b.Behaviors[0].Location; got != tt.location {
				t.Errorf("behavior location shared %v, want %v", got, tt.location)
			}
			if got := sameBehaviors(a.Behaviors, b.Behaviors); got != tt.behaviors {
				t.Errorf("behavior list shared %v, want %v", got, tt.behaviors)
			}
		})
	}
}

func paths(f finding.Finding) []string {
	var ps []string
	for _, b := range f.Behaviors {
		ps = append(ps, b.PathPattern)
	}
	return ps
}
