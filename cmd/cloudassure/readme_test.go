package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeBlock returns the lines of the first ```sh block after heading in
// README.md.
func readmeBlock(t *testing.T, heading string) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	s = s[i:]
	start := strings.Index(s, "```sh\n")
	if start < 0 {
		t.Fatalf("README section %q has no sh block", heading)
	}
	s = s[start+len("```sh\n"):]
	end := strings.Index(s, "```")
	if end < 0 {
		t.Fatalf("README section %q: unterminated block", heading)
	}
	return strings.Split(strings.TrimSpace(s[:end]), "\n")
}

// TestREADMEEmulatorQuickStart runs the README's emulator quick-start
// against a demo emulator with the AWS CLI v2 that Debian ships (2.9), which
// ignores AWS_ENDPOINT_URL: every aws command must name --endpoint-url (one
// that does not would go to the real AWS, so it is refused before anything
// runs), and each must succeed against the emulator.
func TestREADMEEmulatorQuickStart(t *testing.T) {
	lines := readmeBlock(t, "## The AWS emulator")
	const readmeURL = "http://127.0.0.1:4566"
	var env []string
	var cmds []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "cloudassure emulator"):
			// the test starts its own emulator below
		case strings.HasPrefix(l, "export "):
			for _, kv := range strings.Fields(strings.TrimPrefix(l, "export ")) {
				if strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
					t.Errorf("the quick-start exports AWS_ENDPOINT_URL, which AWS CLI 2.9 ignores: %q", l)
				}
				env = append(env, kv)
			}
		default:
			if (strings.HasPrefix(l, "aws ") || strings.HasPrefix(l, "cloudassure ")) && !strings.Contains(l, "--endpoint-url "+readmeURL) {
				t.Errorf("README command without --endpoint-url %s: %q", readmeURL, l)
			}
			cmds = append(cmds, l)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if len(cmds) == 0 {
		t.Fatal("the quick-start has no commands")
	}
	bin := awsCLI(t)
	_, url, _ := startDemo(t)
	dir := t.TempDir()
	// aws and cloudassure on PATH as the README uses them.
	for name, target := range map[string]string{"aws": bin, "cloudassure": binary} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cmds {
		c = strings.ReplaceAll(c, readmeURL, url)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "-c", c)
		home := t.TempDir()
		cmd.Env = append([]string{
			"PATH=" + dir + ":" + os.Getenv("PATH"), "HOME=" + home, "AWS_PAGER=",
			"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
			"AWS_EC2_METADATA_DISABLED=true",
		}, env...)
		out, err := cmd.CombinedOutput()
		cancel()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		// scan exits 1 on the demo account, whose findings fail on purpose.
		if code != 0 && !(strings.HasPrefix(c, "cloudassure scan") && code == 1) {
			t.Errorf("%s: exit %d\n%s", c, code, out)
		}
	}
}

// TestREADMEInstall checks the README's install section: go install of the
// command's package at @latest, and the version command to check it.
func TestREADMEInstall(t *testing.T) {
	block := strings.Join(readmeBlock(t, "## Install"), "\n")
	for _, want := range []string{
		"go install github.com/cloudassure/cloudassure/cmd/cloudassure@latest",
		"cloudassure version",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("install section lacks %q:\n%s", want, block)
		}
	}
	// The package go install names is this command.
	if _, err := os.Stat("main.go"); err != nil {
		t.Fatal(err)
	}
}
