package main

import (
	"encoding/json"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestVersion checks `cloudassure version` on the built binary: the module,
// the Go version and the commit it was built from, in text and JSON.
func TestVersion(t *testing.T) {
	r := run(t, nil, "version", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var v struct {
		Version, Module, Revision string
		GoVersion                 string `json:"go_version"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if v.Module != "github.com/cloudassure/cloudassure" || v.GoVersion != runtime.Version() || v.Version == "" {
		t.Errorf("version %+v", v)
	}
	// go build stamps the commit when it can (a clone, not a git worktree,
	// and -buildvcs not false); a stamped revision must be this checkout's.
	if v.Revision != "" {
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err != nil {
			t.Fatalf("git rev-parse HEAD: %v", err)
		}
		if want := strings.TrimSpace(string(head)); v.Revision != want {
			t.Errorf("revision %q, want HEAD %q", v.Revision, want)
		}
	} else {
		t.Log("the test binary carries no VCS stamp (-buildvcs=false or a git worktree); TestVersionCommand covers the stamp")
	}
	text := run(t, nil, "version")
	if text.code != 0 || !strings.HasPrefix(text.stdout, "cloudassure "+v.Version) || (v.Revision != "" && !strings.Contains(text.stdout, v.Revision[:12])) {
		t.Errorf("text: exit %d, %q", text.code, text.stdout)
	}
}
