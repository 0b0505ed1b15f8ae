package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
