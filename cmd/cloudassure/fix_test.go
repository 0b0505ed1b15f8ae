package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// TestFixAWS runs the built binary against the demo account: the plan, the
// apply, a scan that finds CF-001 passing everywhere it applies, and the
// undo of one backup.
func TestFixAWS(t *testing.T) {
	_, url, cases := startDemo(t)
	env := []string{"AWS_ENDPOINT_URL=" + url, "AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=secret", "AWS_REGION=us-east-1"}
	backups := t.TempDir()
	byComment := map[string]string{}
	for _, c := range cases {
		byComment[c.Comment] = c.ID
	}

	// The plan: exit 0, the diff per behavior, nothing on stderr when piped.
	r := run(t, env, "fix", "aws")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("plan: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{
		"~ update  AWS::CloudFront::Distribution       " + byComment["missing everywhere"],
		`~ behavior "/static/*": RealtimeLogConfigArn "" → "arn:aws:cloudfront::111122223333:realtime-log-config/cloudassure-realtime-logs"`,
		"Plan: 3 to create, 4 to update",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}

	// Apply without --yes on a pipe: refused.
	if r := run(t, env, "fix", "aws", "--apply"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("--apply without --yes: exit %d %q", r.code, r.stderr)
	}

	// Apply.
	r = run(t, env, "fix", "aws", "--apply", "--yes", "--wait", "--backup-dir", backups, "--format", "json")
	if r.code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var out struct {
		Report struct {
			Summary       map[string]any `json:"summary"`
			Distributions []struct {
				ID, Status, Backup string
			} `json:"distributions"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("apply output: %v\n%s", err, r.stdout)
	}
	if out.Report.Summary["fixed"] != 4.0 || out.Report.Summary["failed"] != 0.0 {
		t.Errorf("summary %v", out.Report.Summary)
	}

	// A scan now finds every enabled distribution passing CF-001.
	scan := func() map[string]finding.Status {
		r := run(t, env, "scan", "aws", "--format", "json", "--rule", "CF-001")
		rep := decode(t, r.stdout)
		got := map[string]finding.Status{}
		for _, f := range rep.Findings {
			got[f.Resource.ID] = f.Status
		}
		return got
	}
	got := scan()
	for _, c := range cases {
		want := finding.Pass
		if c.Comment == "disabled" {
			want = finding.Skip
		}
		if got[c.ID] != want {
			t.Errorf("%s (%s): CF-001 %s after the fix, want %s", c.ID, c.Comment, got[c.ID], want)
		}
	}

	// A second apply has nothing to do.
	if r := run(t, env, "fix", "aws", "--apply", "--yes", "--backup-dir", backups); r.code != 0 || !strings.Contains(r.stdout, "No changes") || !strings.Contains(r.stdout, "0 fixed") {
		t.Errorf("second apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Undo one backup: that distribution fails CF-001 again, the others still pass.
	id := byComment["only the default behavior missing"]
	files, _ := filepath.Glob(filepath.Join(backups, "111122223333", id+"-*.json"))
	if len(files) != 1 {
		t.Fatalf("backups of %s: %v", id, files)
	}
	r = run(t, env, "fix", "aws", "--undo", files[0], "--yes", "--backup-dir", backups)
	if r.code != 0 || !strings.Contains(r.stdout, "Restored distribution "+id) {
		t.Fatalf("undo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	got = scan()
	if got[id] != finding.Fail || got[byComment["missing everywhere"]] != finding.Pass {
		t.Errorf("after undo: %s %s, missing everywhere %s", id, got[id], got[byComment["missing everywhere"]])
	}
}

// TestFixAWSInterrupt sends Ctrl-C while fix aws --apply runs: the updates
// in flight finish, no new one starts, and the report says what was not
// done, exit 2.
func TestFixAWSInterrupt(t *testing.T) {
	emu, url, _ := startDemo(t)
	cfg := live.EndpointConfig(url, nil)
	cf := cloudfront.NewFromConfig(cfg)
	for i := range 60 {
		dc := demo.DistributionConfig(fmt.Sprintf("stop-%d", i), "stop", true, "", []string{"/a/*"}, []string{""})
		if _, err := cf.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: dc}); err != nil {
			t.Fatal(err)
		}
	}
	emu.SetFaults(emulator.Faults{Latency: 100 * time.Millisecond})
	cmd := exec.Command(binary, "fix", "aws", "--apply", "--yes", "--format", "json", "--concurrency", "2", "--backup-dir", t.TempDir())
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID=AKID", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	before := emu.Requests()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once a few updates went out (plan and setup take about 12 requests).
	deadline := time.Now().Add(30 * time.Second)
	for emu.Requests()-before < 20 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("interrupted fix: %v, want exit 2\n%s", err, errb.String())
	}
	var res struct {
		Report struct {
			Interrupted bool           `json:"interrupted"`
			Summary     map[string]any `json:"summary"`
		} `json:"report"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
	s := res.Report.Summary
	if !res.Report.Interrupted || s["failed"] != 0.0 || s["not_started"].(float64) == 0 || s["fixed"].(float64) == 0 {
		t.Errorf("interrupted %v, summary %v", res.Report.Interrupted, s)
	}
}
