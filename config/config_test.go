package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/rules"
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
		{"unknown key", "policy:\n  sampling: 5\n", 0, 0, "field sampling not found"},
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
