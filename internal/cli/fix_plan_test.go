package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// TestFixAWSSavedPlanShownFromActions: fix aws --plan FILE prints what the
// plan's actions do, not the file's summaries, and refuses a hand-edited
// trust policy before sending anything.
func TestFixAWSSavedPlanShownFromActions(t *testing.T) {
	emu, _, _ := fixAccount(t, nil)
	file := filepath.Join(t.TempDir(), "plan.json")
	if r := runFix(t, "", "fix", "aws", "--plan-out", file); r.code != 0 {
		t.Fatalf("plan: exit %d %s", r.code, r.stderr)
	}
	p, err := fixplan.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Changes {
		p.Changes[i].Summary = "harmless: nothing happens"
	}
	if err := p.Save(file); err != nil {
		t.Fatal(err)
	}
	r := runFix(t, "", "fix", "aws", "--plan", file)
	if r.code != 0 || strings.Contains(r.stdout, "harmless") || !strings.Contains(r.stdout, "assumable only by cloudfront.amazonaws.com") {
		t.Errorf("saved plan shown as: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for i := range p.Changes {
		if role := p.Changes[i].Role; role != nil {
			role.TrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`
		}
	}
	data, _ := json.Marshal(p)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	before := emu.Requests()
	r = runFix(t, "", "fix", "aws", "--plan", file, "--apply", "--yes")
	if r.code != 2 || !strings.Contains(r.stderr, "trust policy is not exactly cloudfront.amazonaws.com") {
		t.Errorf("tampered plan: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := emu.Requests() - before; n != 0 {
		t.Errorf("%d requests sent for a tampered plan", n)
	}
}
