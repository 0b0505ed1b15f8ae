package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// startDemoOrg runs `cloudassure emulator --demo-org 6` and returns its URL.
func startDemoOrg(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, binary, "emulator", "--listen", "127.0.0.1:0", "--demo-org", "6")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("emulator did not stop cleanly on interrupt: %v", err)
		}
		cancel()
	})
	r := bufio.NewReader(stdout)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("emulator output ended before it listened: %v", err)
		}
		if fields := strings.Fields(line); len(fields) >= 5 && fields[2] == "listening" {
			go func() { _, _ = r.WriteTo(discard{}) }()
			return fields[4]
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func orgEnv(url string) []string {
	return []string{"AWS_ENDPOINT_URL=" + url, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1"}
}

// TestScanAWSOrg audits the demo organization with the built binary.
func TestScanAWSOrg(t *testing.T) {
	url := startDemoOrg(t)
	env := orgEnv(url)
	accounts := func(args ...string) (map[string]string, result) {
		t.Helper()
		r := run(t, env, append([]string{"scan", "aws", "--org", "--format", "json"}, args...)...)
		rep := decode(t, r.stdout)
		out := map[string]string{}
		for _, a := range rep.Accounts {
			out[a.ID] = a.Status
		}
		return out, r
	}

	got, r := accounts("--external-id", "cloudassure-demo-external-id")
	want := map[string]string{
		"111122223333": "scanned", "200000000001": "scanned", "200000000002": "scanned", "200000000003": "scanned",
		"200000000004": "scanned", "200000000005": "error", "200000000006": "skipped",
	}
	if diff := cmp.Diff(want, got); diff != "" || r.code != 2 {
		t.Errorf("scan aws --org: exit %d (want 2: one account cannot be read), accounts (-want +got):\n%s%s", r.code, diff, r.stderr)
	}
	rep := decode(t, r.stdout)
	if n := len(rep.Findings); n != 3*14+3 {
		t.Errorf("%d findings, want the demo's 42 spread over the accounts and 3 ERROR for the account without the role", n)
	}

	// Without the external ID, that member cannot be read either.
	got, _ = accounts()
	if got["200000000004"] != "error" {
		t.Errorf("member demanding an external ID, scanned without one: %s", got["200000000004"])
	}

	// Selection: a file, a list, excludes.
	file := filepath.Join(t.TempDir(), "accounts.txt")
	if err := os.WriteFile(file, []byte("# the web team\n200000000002\n200000000006\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, r = accounts("--accounts", "200000000001,200000000003", "--accounts-file", file, "--exclude-accounts", "200000000003")
	want = map[string]string{"200000000001": "scanned", "200000000002": "scanned", "200000000003": "skipped", "200000000006": "skipped"}
	if diff := cmp.Diff(want, got); diff != "" || r.code != 1 {
		t.Errorf("selected accounts: exit %d (want 1), accounts (-want +got):\n%s%s", r.code, diff, r.stderr)
	}

	// Bad input is refused with a message naming it.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "aws", "--role-name", "Audit"}, "--role-name needs --org"},
		{[]string{"scan", "aws", "--org", "--ou", "Production"}, `--ou: "Production" is not an organizational unit ID`},
		{[]string{"scan", "aws", "--org", "--ou", "ou-zzzz-zzzzzzzz"}, "--ou ou-zzzz-zzzzzzzz: no such organizational unit"},
		{[]string{"scan", "aws", "--org", "--accounts", "12"}, `--accounts: "12" is not an AWS account ID`},
	} {
		r := run(t, env, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tt.args, r.code, r.stderr, tt.want)
		}
	}

	// A member's credentials cannot list the organization.
	r = run(t, []string{"AWS_ENDPOINT_URL=" + url, "AWS_ACCESS_KEY_ID=AKIASEED200000000001", "AWS_SECRET_ACCESS_KEY=test"}, "scan", "aws", "--org")
	if r.code != 2 || !strings.Contains(r.stderr, "management account or a delegated administrator") {
		t.Errorf("--org from a member: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestFixAWSOrg fixes the demo organization with the built binary and the
// defaults a user has (the role OrganizationAccountAccessRole, which every
// demo member has as Organizations creates it): one plan per account saved
// together, applied account by account with backups under ACCOUNT/; then
// scan aws --org passes CF-001 on every enabled distribution; then a
// member's backup is undone through its role.
func TestFixAWSOrg(t *testing.T) {
	url := startDemoOrg(t)
	env := orgEnv(url)
	dir := t.TempDir()
	planFile, backups := filepath.Join(dir, "plan.json"), filepath.Join(dir, "backups")
	args := func(extra ...string) []string { return append([]string{"fix", "aws", "--org"}, extra...) }

	if r := run(t, env, "fix", "aws", "--org", "--config-arn", "arn:aws:cloudfront::111122223333:realtime-log-config/x"); r.code != 2 || !strings.Contains(r.stderr, "--config-arn cannot be used with --org") {
		t.Errorf("--config-arn with --org: exit %d %q", r.code, r.stderr)
	}

	// The plan: every account's, shown and saved together. Every active
	// member is reached through OrganizationAccountAccessRole, also the one
	// without the audit role and the one whose audit role wants an external ID.
	r := run(t, env, args("--plan-out", planFile)...)
	if r.code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"== Account 111122223333 (management): planned ==",
		"== Account 200000000001 (member-01): planned ==",
		"== Account 200000000004 (member-04-external-id): planned ==",
		"== Account 200000000005 (member-05-no-role): planned ==",
		"== Account 200000000006 (member-06-suspended): skipped ==",
		"arn:aws:cloudfront::200000000001:realtime-log-config/cloudassure-realtime-logs",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	var saved struct {
		Kind     string `json:"kind"`
		Accounts []struct {
			ID, Status string
			RoleARN    string                    `json:"role_arn"`
			Plan       *struct{ Account string } `json:"plan"`
		} `json:"accounts"`
	}
	b, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &saved); err != nil || saved.Kind != "aws-org" || len(saved.Accounts) != 7 {
		t.Fatalf("saved plan: %v kind %q, %d accounts", err, saved.Kind, len(saved.Accounts))
	}
	for _, a := range saved.Accounts {
		if a.ID != "111122223333" && a.Status == "planned" && a.RoleARN != "arn:aws:iam::"+a.ID+":role/OrganizationAccountAccessRole" {
			t.Errorf("account %s planned through %q", a.ID, a.RoleARN)
		}
	}

	// Apply the saved plan.
	r = run(t, env, args("--plan", planFile, "--apply", "--yes", "--backup-dir", backups, "--format", "json")...)
	var out struct {
		Report struct {
			Accounts []struct {
				ID, Status string
				Report     *struct {
					Summary map[string]any `json:"summary"`
				} `json:"report"`
			} `json:"accounts"`
		} `json:"report"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("apply output: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	fixed := 0
	for _, a := range out.Report.Accounts {
		switch a.ID {
		case "200000000006":
			if a.Status != "skipped" {
				t.Errorf("suspended account: %s", a.Status)
			}
		default:
			if a.Status != "applied" || a.Report == nil || a.Report.Summary["failed"] != 0.0 {
				t.Errorf("account %s: %s %+v", a.ID, a.Status, a.Report)
				continue
			}
			fixed += int(a.Report.Summary["fixed"].(float64))
		}
	}
	if r.code != 0 || fixed != 4 {
		t.Errorf("apply: exit %d, %d distributions fixed (want the demo's 4 failing CF-001, spread over the accounts)\n%s", r.code, fixed, r.stderr)
	}

	// Every scanned account now passes CF-001 on every enabled
	// distribution; the scan still assumes the audit role.
	scan := func() (map[string]finding.Status, map[string]string) {
		r := run(t, env, "scan", "aws", "--org", "--external-id", "cloudassure-demo-external-id", "--rule", "CF-001", "--format", "json")
		rep := decode(t, r.stdout)
		got := map[string]finding.Status{}
		for _, f := range rep.Findings {
			got[f.Account.ID+" "+f.Resource.Name] = f.Status
		}
		roles := map[string]string{}
		for _, a := range rep.Accounts {
			roles[a.ID] = a.RoleARN
		}
		return got, roles
	}
	after, roles := scan()
	passed := 0
	for k, st := range after {
		switch {
		case st == finding.Fail:
			t.Errorf("%s: CF-001 FAIL after the fix", k)
		case st == finding.Pass:
			passed++
		}
	}
	if passed == 0 || roles["200000000001"] != "arn:aws:iam::200000000001:role/CloudAssureAudit" {
		t.Errorf("%d CF-001 PASS after the fix; member-01 scanned through %q", passed, roles["200000000001"])
	}

	// Undo a member's backup through its role.
	files, _ := filepath.Glob(filepath.Join(backups, "200000000001", "*.json"))
	if len(files) == 0 {
		t.Fatalf("no backups under %s/200000000001", backups)
	}
	r = run(t, env, args("--undo", files[0], "--yes", "--backup-dir", backups)...)
	if r.code != 0 || !strings.Contains(r.stdout, "Restored distribution") {
		t.Fatalf("undo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	fails := 0
	undone, _ := scan()
	for k, st := range undone {
		if st == finding.Fail {
			fails++
			if !strings.HasPrefix(k, "200000000001 ") {
				t.Errorf("%s fails after undoing a backup of 200000000001", k)
			}
		}
	}
	if fails != 1 {
		t.Errorf("%d failing distributions after the undo, want 1", fails)
	}
}

func TestDemoOrg(t *testing.T) {
	r := run(t, nil, "demo", "--org", "4", "--format", "json")
	rep := decode(t, r.stdout)
	if r.code != 0 || len(rep.Accounts) != 5 || rep.Summary.Accounts == nil || rep.Summary.Accounts.Scanned != 3 || len(rep.Findings) != 3*14+3 {
		t.Errorf("demo --org 4: exit %d, accounts %+v, %d findings\n%s", r.code, rep.Summary.Accounts, len(rep.Findings), r.stderr)
	}
	if r := run(t, nil, "demo", "--org", "4", "--exit-code", "--format", "json"); r.code != 2 {
		t.Errorf("demo --org 4 --exit-code: exit %d, want 2 (one member has no audit role)", r.code)
	}
	if r := run(t, nil, "demo", "--org", "2"); r.code != 2 || !strings.Contains(r.stderr, "at least 4 members") {
		t.Errorf("demo --org 2: exit %d %q", r.code, r.stderr)
	}
}

// TestREADMEDemoOrgFix runs the README's demo organization walk-through as
// it is written, against `emulator --demo-org 6` on a free port: the scan
// before the fix exits 1 (CF-001 fails), every other command 0, and the
// last scan passes CF-001 in every account it reads.
func TestREADMEDemoOrgFix(t *testing.T) {
	const readmeURL = "http://127.0.0.1:4566"
	lines := readmeBlock(t, "### Try it on the demo organization")
	url := startDemoOrg(t)
	dir, work := t.TempDir(), t.TempDir()
	if err := os.Symlink(binary, filepath.Join(dir, "cloudassure")); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := []string{
		"PATH=" + dir + ":" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	var cmds []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"), strings.HasPrefix(l, "cloudassure emulator"):
			// the test started its own emulator
		case strings.HasPrefix(l, "export "):
			for _, kv := range strings.Fields(strings.TrimPrefix(l, "export ")) {
				env = append(env, strings.ReplaceAll(kv, readmeURL, url))
			}
		default:
			cmds = append(cmds, l)
		}
	}
	applied := false
	var last string
	for _, c := range cmds {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-c", c)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.Output()
		cancel()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		want := 0
		if strings.HasPrefix(c, "cloudassure scan") && !applied {
			want = 1
		}
		if code != want {
			t.Errorf("%s: exit %d, want %d\n%s", c, code, want, out)
		}
		applied = applied || strings.Contains(c, "--apply")
		last = string(out)
	}
	if !applied || !strings.Contains(last, "checks: 0 failed, 0 errors") {
		t.Errorf("the walk-through does not apply a fix, or its last scan does not pass:\n%s", last)
	}
}
