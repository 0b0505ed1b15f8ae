package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/rules"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		wantRate int
		wantN    int    // number of required fields
		wantErr  string // substring; empty for success
	}{
		{"empty file keeps defaults", "", 100, 7, ""},
		{"rate only", "policy:\n  min_sampling_rate: 50\n", 50, 7, ""},
		{"fields only", "policy:\n  required_fields: [timestamp, sc-status]\n", 100, 2, ""},
		{"bad rate", "policy:\n  min_sampling_rate: 0\n", 0, 0, "min_sampling_rate must be"},
		{"bad field", "policy:\n  required_fields: [timestamp, status]\n", 0, 0, `no real-time log field named "status"`},
		{"unknown key", "policy:\n  sampling: 5\n", 0, 0, `line 2: unknown key "sampling" (known: min_sampling_rate, required_fields)`},
		{"unknown top-level key", "polcy:\n  min_sampling_rate: 5\n", 0, 0, `line 1: unknown key "polcy" (known: policy, ignore)`},
		{"unknown ignore key", "ignore:\n  - rule: CF-001\n    reson: x\n", 0, 0, `line 3: unknown key "reson" (known: rule, resource, path, reason, expires)`},
		{"not yaml", "policy: [", 0, 0, "team.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("team.yaml", []byte(tt.yaml))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "team.yaml") {
					t.Fatalf("err = %v, want one naming team.yaml and containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Policy.MinSamplingRate != tt.wantRate || len(f.Policy.RequiredFields) != tt.wantN {
				t.Errorf("policy %+v", f.Policy)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	f, err := Load("")
	if err != nil || f.Policy.MinSamplingRate != rules.DefaultPolicy().MinSamplingRate {
		t.Fatalf("no file: %+v, %v", f, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a named file that does not exist must be an error")
	}
	if err := os.WriteFile(DefaultFile, []byte("policy:\n  min_sampling_rate: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err = Load("")
	if err != nil || f.Policy.MinSamplingRate != 10 || f.Path != DefaultFile {
		t.Fatalf("default file: %+v, %v", f, err)
	}
}

func TestIgnore(t *testing.T) {
	f, err := Parse("team.yaml", []byte(`ignore:
  - rule: cf-001
    resource: "aws_cloudfront_distribution.legacy*"
    reason: legacy CDN, retired in Q1
    expires: 2027-01-31
  - rule: "*"
    path: "sandbox/**"
    reason: sandboxes are not production
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Ignore) != 2 || f.Ignore[0].Rule != "CF-001" {
		t.Fatalf("ignore %+v", f.Ignore)
	}
	a, b := f.Ignore[0], f.Ignore[1]
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	if a.Expired(day("2027-01-30")) || !a.Expired(day("2027-01-31")) || b.Expired(day("2099-01-01")) {
		t.Error("expiry")
	}
	tests := []struct {
		ig                   Ignore
		rule, resource, file string
		want                 bool
	}{
		{a, "CF-001", "aws_cloudfront_distribution.legacy_eu", "main.tf", true},
		{a, "CF-003", "aws_cloudfront_distribution.legacy_eu", "main.tf", false},
		{a, "CF-001", "aws_cloudfront_distribution.shop", "main.tf", false},
		{b, "CF-002", "X", "sandbox/a/b/cdn.yaml", true},
		{b, "CF-002", "X", "prod/cdn.yaml", false},
		{b, "CF-002", "E123", "", false},
	}
	for _, tt := range tests {
		if got := tt.ig.Matches(tt.rule, tt.resource, tt.file); got != tt.want {
			t.Errorf("%+v.Matches(%s, %s, %s) = %v", tt.ig, tt.rule, tt.resource, tt.file, got)
		}
	}
	for _, bad := range []string{
		"ignore:\n  - rule: CF-001\n",
		"ignore:\n  - rule: CF-999\n    reason: x\n",
		"ignore:\n  - reason: x\n",
		"ignore:\n  - rule: CF-001\n    reason: x\n    expires: soon\n",
		"ignore:\n  - rule: CF-001\n    reason: x\n    path: \"[\"\n",
	} {
		if _, err := Parse("team.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "ignore entry 1") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
