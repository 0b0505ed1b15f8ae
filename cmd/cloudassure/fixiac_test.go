package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fixIaCTree copies inputs of the fixiac golden cases into one tree: a
// CloudFormation template in YAML and one in JSON, a Terraform module with
// a dynamic block, and a root module calling a local module.
func fixIaCTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	for from, to := range map[string]string{
		"yaml-short/input":     "cfn/shop",
		"json-4space/input":    "cfn/json",
		"tf-dynamic/input":     "tf/web",
		"tf-module-call/input": "tf/root",
		"tf-variables/input":   "tf/vars",
	} {
		src := filepath.Join("..", "..", "internal", "fix", "fixiac", "testdata", from)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out := filepath.Join(dst, to, rel)
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			return os.WriteFile(out, data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// snapshot reads every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = string(data)
		}
		return nil
	})
	return out
}

// TestFixIaC runs the built binary on a tree: the plan (a diff, no file
// changed), the write, a scan that finds CF-001 passing, and a second run
// that has nothing to do.
func TestFixIaC(t *testing.T) {
	dir := fixIaCTree(t)
	before := snapshot(t, dir)

	r := runIn(t, dir, nil, "fix", "iac")
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"--- a/cfn/shop/template.yaml\n+++ b/cfn/shop/template.yaml\n",
		"+            RealtimeLogConfigArn: !GetAtt LogConfig.Arn\n",
		"--- a/tf/root/modules/cdn/main.tf\n",
		"+    realtime_log_config_arn = var.log_arn\n",
		"~ update  File  tf/vars/variables.tf",
		"Plan: 0 to create, 6 to update, 0 to reuse, 0 left as they are.",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	if after := snapshot(t, dir); !equalTrees(before, after) {
		t.Fatal("the plan changed files")
	}

	// The printed diff is a patch: patch -p1 gives what --write writes.
	var patched map[string]string
	if bin, err := exec.LookPath("patch"); err == nil {
		pdir := fixIaCTree(t)
		cmd := exec.Command(bin, "-p1", "--quiet", "--no-backup-if-mismatch")
		cmd.Dir, cmd.Stdin = pdir, strings.NewReader(r.stdout)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("patch -p1 < output of fix iac: %v\n%s", err, out)
		}
		patched = snapshot(t, pdir)
	}

	backups := t.TempDir()
	r = runIn(t, dir, nil, "fix", "iac", "--write", "--backup-dir", backups, ".")
	if r.code != 0 || !strings.Contains(r.stdout, "6 files written, 0 left as they are, 0 not (fully) handled.") {
		t.Fatalf("write: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	written := snapshot(t, dir)
	if patched != nil && !equalTrees(patched, written) {
		t.Error("patch -p1 of the printed diff differs from what --write wrote")
	}
	if backed := snapshot(t, backups); len(backed) != 6 {
		t.Errorf("%d backups, want 6: %v", len(backed), backed)
	}
	for name, old := range before {
		if written[name] != old && !strings.Contains(strings.ToLower(written[name]), "realtime") {
			t.Errorf("%s changed but gained nothing", name)
		}
	}

	if r := runIn(t, dir, nil, "scan", "iac", "--rule", "CF-001"); r.code != 0 {
		t.Errorf("scan iac after the fix: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runIn(t, dir, nil, "fix", "iac")
	if r.code != 0 || !strings.Contains(r.stdout, "No changes") || strings.Contains(r.stdout, "--- a/") {
		t.Errorf("second run: exit %d\n%s", r.code, r.stdout)
	}
	if !equalTrees(written, snapshot(t, dir)) {
		t.Error("the second run changed files")
	}
}

// TestFixIaCBrokenFile: a file that does not parse is left as it is and
// reported with its line; the others are still patched; exit 2.
func TestFixIaCBrokenFile(t *testing.T) {
	dir := t.TempDir()
	broken := "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n\tCdn: {}\n"
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(broken), 0o644)
	os.WriteFile(filepath.Join(dir, "good.yaml"), []byte("Resources:\n  Cdn:\n    Type: AWS::CloudFront::Distribution\n"+
		"    Properties:\n      DistributionConfig:\n        Enabled: true\n        DefaultCacheBehavior: {TargetOriginId: web}\n"), 0o644)
	r := runIn(t, dir, nil, "fix", "iac", "--write")
	if r.code != 2 || !strings.Contains(r.stdout, "not-handled broken.yaml: cannot parse: yaml: line 3") || !strings.Contains(r.stdout, "wrote good.yaml") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "broken.yaml")); string(data) != broken {
		t.Error("the broken file was changed")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "good.yaml")); !bytes.Contains(data, []byte("{TargetOriginId: web, RealtimeLogConfigArn: !Ref RealtimeLogConfigArn}")) {
		t.Errorf("good.yaml:\n%s", data)
	}
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"fix", "iac", "--sampling-rate", "5"}, "only goes with --create-resources"},
		{[]string{"fix", "iac", "--plan", "p.json", "--fields", "timestamp"}, "only goes with --create-resources"},
		{[]string{"fix", "iac", "--format", "xml"}, "unknown format"},
	} {
		if r := runIn(t, dir, nil, tt.args...); r.code != 2 || !strings.Contains(r.stderr, tt.err) {
			t.Errorf("%v: exit %d, stderr %q", tt.args, r.code, r.stderr)
		}
	}
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
