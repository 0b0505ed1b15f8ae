package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// TestFixAWSHonoursIgnoreList is issue 10's bug: with an ignore list that
// covers CF-001, scan aws reports every CF-001 finding as SKIP and fix aws
// must plan nothing (it planned 4 updates and 3 new resources).
func TestFixAWSHonoursIgnoreList(t *testing.T) {
	fixAccount(t, nil)
	cfgPath := filepath.Join(t.TempDir(), ".cloudassure.yaml")
	if err := os.WriteFile(cfgPath, []byte("ignore:\n  - rule: CF-001\n    reason: real-time logs are rolled out next quarter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runFix(t, "", "scan", "aws", "--config", cfgPath, "--rule", "CF-001", "--format", "json")
	var rep finding.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("scan: exit %d, %v, stderr %q", r.code, err, r.stderr)
	}
	for _, f := range rep.Findings {
		if f.Status != finding.Skip {
			t.Errorf("scan: %s %s is %s, want SKIP", f.RuleID, f.Resource.ID, f.Status)
		}
	}
	r = runFix(t, "", "fix", "aws", "--config", cfgPath, "--format", "json")
	var p fixplan.Plan
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != 0 {
		t.Fatalf("fix aws: exit %d, %v, stderr %q", r.code, err, r.stderr)
	}
	if p.HasChanges() {
		t.Errorf("fix aws plans %v with CF-001 ignored everywhere", p.Counts())
	}
	suppressed := 0
	for _, c := range p.Changes {
		if c.Distribution != nil && c.Distribution.Skip == fixplan.SkipSuppressed {
			suppressed++
			if !strings.Contains(c.Summary, "rolled out next quarter") {
				t.Errorf("%s: summary %q lacks the reason", c.Resource.ID, c.Summary)
			}
		}
	}
	if suppressed != 4 {
		t.Errorf("%d distributions skipped as suppressed, want the 4 that fail CF-001", suppressed)
	}
}
