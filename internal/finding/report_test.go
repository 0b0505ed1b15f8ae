package finding

import "testing"

// TestSummarizeResources: summary.resources counts distributions, not
// distinct IDs: one for every rule judging the same one, two for two files
// or two root modules with the same ID.
func TestSummarizeResources(t *testing.T) {
	f := func(rule, root, id, file string) Finding {
		return Finding{RuleID: rule, Status: Pass, Resource: Resource{Type: "T", ID: id, Root: root}, Location: &Location{File: file}}
	}
	for _, tc := range []struct {
		name string
		fs   []Finding
		want int
	}{
		{"two rules, one resource", []Finding{f("CF-001", "", "A", "a.yaml"), f("CF-003", "", "A", "a.yaml")}, 1},
		{"same logical ID in two files", []Finding{f("CF-001", "", "A", "a.yaml"), f("CF-001", "", "A", "b.yaml")}, 2},
		{"same address in two root modules", []Finding{f("CF-001", "x", "m.d", "m.tf"), f("CF-001", "y", "m.d", "m.tf")}, 2},
		{"live, no location", []Finding{{Resource: Resource{Type: "T", ID: "E1"}}, {Resource: Resource{Type: "T", ID: "E2"}}}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Report{Findings: tc.fs}
			r.Summarize()
			if r.Summary.Resources != tc.want {
				t.Errorf("resources = %d, want %d", r.Summary.Resources, tc.want)
			}
		})
	}
}
