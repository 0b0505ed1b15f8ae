package suppress

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/settings"
)

func TestApply(t *testing.T) {
	inv := &model.Inventory{Distributions: []*model.Distribution{
		{ID: "Legacy", Type: "AWS::CloudFront::Distribution", Range: model.Range{File: "cdn.yaml", StartLine: 3}, Ignores: []model.Ignore{{RuleID: "CF-001", Reason: "retired soon", Source: "comment", Range: model.Range{File: "cdn.yaml", StartLine: 4}}}},
		{ID: "Shop", Type: "AWS::CloudFront::Distribution"},
	}}
	mk := func(rule, id, file string) finding.Finding {
		return finding.Finding{RuleID: rule, Status: finding.Fail, Message: "m", Resource: finding.Resource{Type: "AWS::CloudFront::Distribution", ID: id}, Location: &finding.Location{File: file}}
	}
	fs := []finding.Finding{
		mk("CF-001", "Legacy", "cdn.yaml"),
		mk("CF-003", "Legacy", "cdn.yaml"),
		mk("CF-001", "Shop", "sandbox/cdn.yaml"),
		mk("CF-001", "Shop", "prod/cdn.yaml"),
	}
	cfg, err := settings.Parse("t.yaml", []byte("ignore:\n  - rule: CF-001\n    path: sandbox/**\n    reason: sandbox\n  - rule: '*'\n    reason: old\n    expires: 2020-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	expired := Apply(fs, inv, cfg.Ignore, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if len(expired) != 1 || expired[0].Reason != "old" {
		t.Errorf("expired %+v", expired)
	}
	want := []struct {
		status finding.Status
		reason string
		source string
	}{
		{finding.Skip, "retired soon", "comment at cdn.yaml:4"},
		{finding.Fail, "", ""},
		{finding.Skip, "sandbox", ".cloudassure.yaml"},
		{finding.Fail, "", ""},
	}
	for i, w := range want {
		f := fs[i]
		if f.Status != w.status {
			t.Errorf("finding %d: %s, want %s", i, f.Status, w.status)
		}
		if w.reason != "" && (f.Suppression == nil || f.Suppression.Reason != w.reason || f.Suppression.Source != w.source || !strings.HasPrefix(f.Message, "suppressed (fail): ")) {
			t.Errorf("finding %d: %+v %q", i, f.Suppression, f.Message)
		}
	}
}

// TestInlineIgnoreStaysInItsFile: two templates may use the same logical ID;
// a comment in one must not suppress the finding of the other.
func TestInlineIgnoreStaysInItsFile(t *testing.T) {
	const typ = "AWS::CloudFront::Distribution"
	inv := &model.Inventory{Distributions: []*model.Distribution{
		{ID: "CDN", Type: typ, Range: model.Range{File: "a/cdn.yaml", StartLine: 3}, Ignores: []model.Ignore{{RuleID: "CF-001", Reason: "preview", Source: "comment"}}},
		{ID: "CDN", Type: typ, Range: model.Range{File: "b/cdn.yaml", StartLine: 3}},
	}}
	fs := []finding.Finding{
		{RuleID: "CF-001", Status: finding.Fail, Resource: finding.Resource{Type: typ, ID: "CDN"}, Location: &finding.Location{File: "a/cdn.yaml", StartLine: 3}},
		{RuleID: "CF-001", Status: finding.Fail, Resource: finding.Resource{Type: typ, ID: "CDN"}, Location: &finding.Location{File: "b/cdn.yaml", StartLine: 3}},
	}
	Apply(fs, inv, nil, time.Now())
	if fs[0].Status != finding.Skip {
		t.Errorf("a/cdn.yaml: %s, want SKIP", fs[0].Status)
	}
	if fs[1].Status != finding.Fail || fs[1].Suppression != nil {
		t.Errorf("b/cdn.yaml: %s %+v, want FAIL unsuppressed", fs[1].Status, fs[1].Suppression)
	}
}
