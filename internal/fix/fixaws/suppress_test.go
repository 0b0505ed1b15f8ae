package fixaws

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// TestPlanHonoursSuppressions: a distribution whose CF-001 finding the team
// ignores in .cloudassure.yaml is planned as nothing to do, as scan aws
// reports it SKIP; the others are planned as before.
func TestPlanHonoursSuppressions(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := caseIDs(seedDemo(t, emu, url))
	ignored := ids["missing everywhere"]
	cfg, err := settings.Parse(".cloudassure.yaml", []byte(fmt.Sprintf(
		"ignore:\n  - rule: CF-001\n    resource: %s\n    reason: retired next week\n", ignored)))
	if err != nil {
		t.Fatal(err)
	}
	p, err := MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(url, nil), Settings: cfg})
	if err != nil {
		t.Fatal(err)
	}
	updates := 0
	for _, c := range changesOf(p, fixplan.TypeDistribution) {
		if c.Resource.ID == ignored {
			if c.Action != fixplan.None || c.Distribution.Skip != fixplan.SkipSuppressed || !strings.Contains(c.Summary, "retired next week") {
				t.Errorf("ignored distribution planned %s (%s): %s", c.Action, c.Distribution.Skip, c.Summary)
			}
			continue
		}
		if c.Action == fixplan.Update {
			updates++
		}
	}
	if updates != 3 {
		t.Errorf("%d other distributions updated, want 3", updates)
	}
	// Ignoring CF-001 everywhere leaves nothing to create or change.
	all, err := settings.Parse(".cloudassure.yaml", []byte("ignore:\n  - rule: CF-001\n    reason: accepted\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err = MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(url, nil), Settings: all})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasChanges() {
		t.Errorf("with CF-001 ignored everywhere the plan has changes: %v", p.Counts())
	}
}
