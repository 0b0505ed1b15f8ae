package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

func TestFixIaCFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"plan", []string{"infra"}, ""},
		{"write with backups", []string{"--write", "--backup-dir", "b", "infra", "more"}, ""},
		{"create resources", []string{"--create-resources", "--sampling-rate", "50", "--fields", "timestamp,c-ip"}, ""},
		{"saved plan", []string{"--plan", "p.json", "--write"}, ""},
		{"bad format", []string{"--format", "yaml"}, "unknown format"},
		{"sampling rate without create", []string{"--sampling-rate", "50"}, "only goes with --create-resources"},
		{"fields without create", []string{"--fields", "timestamp"}, "only goes with --create-resources"},
		{"sampling rate out of range", []string{"--create-resources", "--sampling-rate", "0"}, "from 1 to 100"},
		{"plan with paths", []string{"--plan", "p.json", "--write", "infra"}, ""},
		{"plan with its policy", []string{"--plan", "p.json", "--config", "team.yaml"}, ""},
		{"plan with plan flags", []string{"--plan", "p.json", "--create-resources"}, "cannot be used with --plan"},
		{"backups without write", []string{"--backup-dir", "b"}, "--backup-dir only goes with --write"},
		{"bad exclude glob", []string{"--exclude", "infra/[a", "infra"}, `--exclude: bad glob "infra/[a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := false
			cmd := newFixIaCCmd(&IO{Out: &strings.Builder{}, Err: &strings.Builder{}}, func(*fixIaCOptions) error { ran = true; return nil })
			cmd.SetArgs(tt.args)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			switch {
			case tt.wantErr == "" && (err != nil || !ran):
				t.Errorf("err %v, ran %v", err, ran)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || ran):
				t.Errorf("err %v, want one containing %q (ran %v)", err, tt.wantErr, ran)
			}
		})
	}
}

func TestFixIaCRun(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tmpl := "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  LogConfig:\n    Type: AWS::CloudFront::RealtimeLogConfig\n" +
		"    Properties: {Name: x, SamplingRate: 100, Fields: [timestamp], EndPoints: []}\n  Cdn:\n    Type: AWS::CloudFront::Distribution\n" +
		"    Properties:\n      DistributionConfig:\n        Enabled: true\n        DefaultCacheBehavior:\n          TargetOriginId: web\n"
	os.WriteFile("cdn.yaml", []byte(tmpl), 0o644)
	os.WriteFile("broken.yaml", []byte("AWSTemplateFormatVersion: x\nResources: [\n"), 0o644)

	// The plan: the diff, then the plan; exit 2 because broken.yaml cannot be read.
	r := runFix(t, "", "fix", "iac")
	for _, want := range []string{
		"--- a/cdn.yaml\n+++ b/cdn.yaml\n",
		"+          RealtimeLogConfigArn: !GetAtt LogConfig.Arn\n",
		"~ update  File  cdn.yaml",
		"· none    File  broken.yaml",
		"not changed: cannot parse: yaml: line 2: did not find expected node content",
		"Plan: 0 to create, 1 to update, 0 to reuse, 1 left as they are.",
		"To write these changes: cloudassure fix iac --write",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != ExitIncomplete {
		t.Errorf("exit %d, want %d", r.code, ExitIncomplete)
	}
	if data, _ := os.ReadFile("cdn.yaml"); string(data) != tmpl {
		t.Error("the plan changed the file")
	}

	// JSON, saved, then written from the saved plan.
	r = runFix(t, "", "fix", "iac", "cdn.yaml", "--format", "json", "--plan-out", "plan.json")
	var p fixplan.Plan
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != 0 || len(p.Changes) != 1 || p.Changes[0].SHA256 == "" {
		t.Fatalf("json plan: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	backups := filepath.Join(dir, "backups")
	r = runFix(t, "", "fix", "iac", "--plan", "plan.json", "--write", "--backup-dir", backups)
	if r.code != 0 || !strings.Contains(r.stdout, "wrote cdn.yaml (backup: "+backups) || !strings.Contains(r.stdout, "1 file written") {
		t.Fatalf("write: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if data, _ := os.ReadFile("cdn.yaml"); !strings.Contains(string(data), "RealtimeLogConfigArn: !GetAtt LogConfig.Arn") {
		t.Errorf("not written:\n%s", data)
	}
	// The same plan again: the file changed since.
	r = runFix(t, "", "fix", "iac", "--plan", "plan.json", "--write")
	if r.code != ExitIncomplete || !strings.Contains(r.stdout, "refused cdn.yaml: the file changed since the plan was made") {
		t.Errorf("stale plan: exit %d\n%s", r.code, r.stdout)
	}
	r = runFix(t, "", "fix", "iac", "cdn.yaml")
	if r.code != 0 || !strings.Contains(r.stdout, "No changes") {
		t.Errorf("second run: exit %d\n%s", r.code, r.stdout)
	}
	// A fix aws plan is not a fix iac plan.
	(&fixplan.Plan{Version: fixplan.Version, Kind: fixplan.KindAWS}).Save("aws.json")
	if r := runFix(t, "", "fix", "iac", "--plan", "aws.json"); r.code != 2 || !strings.Contains(r.stderr, "is a fix aws plan") {
		t.Errorf("aws plan: exit %d %q", r.code, r.stderr)
	}
}

// TestFixIaCSavedPlanInsidePaths: fix iac --plan FILE --write PATH writes
// only the files of the plan inside PATH, and only as planning them again
// gives; the others are refused and the exit code says so.
func TestFixIaCSavedPlanInsidePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tmpl := "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Cdn:\n    Type: AWS::CloudFront::Distribution\n" +
		"    Properties:\n      DistributionConfig:\n        Enabled: true\n        DefaultCacheBehavior:\n          TargetOriginId: web\n"
	for _, f := range []string{"a/cdn.yaml", "b/cdn.yaml"} {
		os.MkdirAll(filepath.Dir(f), 0o755)
		os.WriteFile(f, []byte(tmpl), 0o644)
	}
	if r := runFix(t, "", "fix", "iac", "--plan-out", "plan.json", "a", "b"); r.code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runFix(t, "", "fix", "iac", "--plan", "plan.json", "--write", "a")
	if r.code != ExitIncomplete || !strings.Contains(r.stdout, "wrote "+filepath.Join("a", "cdn.yaml")) ||
		!strings.Contains(r.stdout, "refused "+filepath.Join("b", "cdn.yaml")+": it resolves to") {
		t.Errorf("exit %d, want %d, a written and b refused:\n%s%s", r.code, ExitIncomplete, r.stdout, r.stderr)
	}
	if data, _ := os.ReadFile(filepath.Join("b", "cdn.yaml")); string(data) != tmpl {
		t.Errorf("b/cdn.yaml was written:\n%s", data)
	}
}

// TestFixIaCUnparsablePlanJSON: a Terraform plan JSON that cannot be parsed
// is reported by name and the exit code is 2, as for scan iac.
func TestFixIaCUnparsablePlanJSON(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("tfplan.json", []byte(`{"format_version": "1.2", "resource_changes": [`), 0o644)
	for _, args := range [][]string{{"fix", "iac"}, {"scan", "iac"}} {
		r := runFix(t, "", args...)
		if r.code != 2 || !strings.Contains(r.stdout, "tfplan.json") {
			t.Errorf("%v: exit %d, want 2 naming tfplan.json:\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	r := runFix(t, "", "fix", "iac")
	if !strings.Contains(r.stdout, "cannot parse") {
		t.Errorf("fix iac does not say it cannot parse the plan:\n%s", r.stdout)
	}
}
