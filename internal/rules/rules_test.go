package rules

import (
	"regexp"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// TestRuleMetadata checks that every rule can be listed and explained.
func TestRuleMetadata(t *testing.T) {
	ids := map[string]bool{}
	names := map[string]bool{}
	idForm := regexp.MustCompile(`^CF-\d{3}$`)
	for _, r := range All() {
		if !idForm.MatchString(r.ID) {
			t.Errorf("rule ID %q does not look like CF-NNN", r.ID)
		}
		if ids[r.ID] || names[r.Name] {
			t.Errorf("rule %s (%s) is not unique", r.ID, r.Name)
		}
		ids[r.ID], names[r.Name] = true, true
		for field, v := range map[string]string{
			"Title": r.Title, "Risk": r.Risk, "Pillar": r.Pillar, "Rationale": r.Rationale,
			"Remediation.Summary": r.Remediation.Summary, "Remediation.Console": r.Remediation.Console,
			"Remediation.CLI": r.Remediation.CLI, "Remediation.CloudFormation": r.Remediation.CloudFormation,
			"Remediation.Terraform": r.Remediation.Terraform,
		} {
			if v == "" {
				t.Errorf("rule %s has no %s", r.ID, field)
			}
		}
		switch r.Risk {
		case RiskHigh, RiskMedium, RiskLow:
		default:
			t.Errorf("rule %s has unknown risk %q", r.ID, r.Risk)
		}
		if r.Judge == nil || len(r.Links) == 0 {
			t.Errorf("rule %s lacks Judge or Links", r.ID)
		}
		if got, ok := Find(r.ID); !ok || got.ID != r.ID {
			t.Errorf("Find(%q) = %v, %v", r.ID, got, ok)
		}
	}
}

// TestRuleExamples runs every rule against its own good and bad examples.
func TestRuleExamples(t *testing.T) {
	for _, r := range All() {
		var good, bad int
		for _, ex := range r.Examples {
			t.Run(r.ID+"/"+ex.Name, func(t *testing.T) {
				inv := ex.Inventory()
				vs := r.Judge(inv, Options{Policy: DefaultPolicy()})
				if len(vs) != len(inv.Distributions) {
					t.Fatalf("%d verdicts for %d distributions", len(vs), len(inv.Distributions))
				}
				for _, v := range vs {
					f := v.Finding
					if v.Distribution == nil || v.Distribution.ID != f.Resource.ID {
						t.Errorf("verdict on %s pairs distribution %+v", f.Resource.ID, v.Distribution)
					}
					if f.RuleID != r.ID || f.Fingerprint == "" || f.Message == "" || f.Resource.ID == "" {
						t.Errorf("incomplete finding %+v", f)
					}
					if f.Status != ex.Want {
						t.Errorf("status %s, want %s: %s", f.Status, ex.Want, f.Message)
					}
					if f.Status == finding.Fail && len(f.Problems) == 0 {
						t.Errorf("FAIL without problems: %s", f.Message)
					}
				}
			})
			switch ex.Want {
			case finding.Pass:
				good++
			case finding.Fail:
				bad++
			}
		}
		if good == 0 || bad == 0 {
			t.Errorf("rule %s needs at least one good and one bad example (has %d good, %d bad)", r.ID, good, bad)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		ok   bool
	}{
		{"default", DefaultPolicy(), true},
		{"rate 0", Policy{MinSamplingRate: 0}, false},
		{"rate 101", Policy{MinSamplingRate: 101}, false},
		{"unknown field", Policy{MinSamplingRate: 50, RequiredFields: []string{"timestamp", "c-ipp"}}, false},
		{"newer field", Policy{MinSamplingRate: 1, RequiredFields: []string{"asn", "cmcd-session-id"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
