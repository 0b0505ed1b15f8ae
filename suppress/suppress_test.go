package suppress

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/config"
	"github.com/cloudassure/cloudassure/finding"
	"github.com/cloudassure/cloudassure/model"
)

func TestApply(t *testing.T) {
	inv := &model.Inventory{Distributions: []*model.Distribution{
		{ID: "Legacy", Type: "AWS::CloudFront::Distribution", Ignores: []model.Ignore{{RuleID: "CF-001", Reason: "retired soon", Source: "comment", Range: model.Range{File: "cdn.yaml", StartLine: 4}}}},
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
	cfg, err := config.Parse("t.yaml", []byte("ignore:\n  - rule: CF-001\n    path: sandbox/**\n    reason: sandbox\n  - rule: '*'\n    reason: old\n    expires: 2020-01-01\n"))
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
