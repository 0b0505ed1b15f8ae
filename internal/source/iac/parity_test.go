package iac

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/source/cloudformation"
	"github.com/cloudassure/cloudassure/internal/source/terraform"
	"github.com/cloudassure/cloudassure/internal/source/tfplan"
)

// shape is what must not depend on the format a distribution is written in.
type shape struct {
	Enabled   string
	Behaviors []behaviorShape
	Configs   []configShape
}

type behaviorShape struct {
	Pattern  string
	Default  bool
	State    string
	ConfigOK bool // the reference resolves to a config defined in the same code
	ARN      string
}

type configShape struct {
	SamplingRate string
	Fields       []string
	Endpoints    int
}

func shapeOf(t *testing.T, inv *model.Inventory) shape {
	t.Helper()
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	if len(inv.Distributions) != 1 {
		t.Fatalf("%d distributions, want 1", len(inv.Distributions))
	}
	d := inv.Distributions[0]
	s := shape{Enabled: fmt.Sprintf("%s %v", d.Enabled.State, d.Enabled.V)}
	for _, b := range d.Behaviors {
		_, ok := inv.Configs[b.ConfigRef]
		s.Behaviors = append(s.Behaviors, behaviorShape{
			Pattern: b.PathPattern, Default: b.Default, State: b.RealtimeLogConfigARN.State.String(),
			ConfigOK: b.ConfigRef != "" && ok, ARN: b.RealtimeLogConfigARN.V,
		})
	}
	for _, c := range inv.Configs {
		fields := append([]string(nil), c.Fields.V...)
		sort.Strings(fields) // Terraform keeps fields as a set
		s.Configs = append(s.Configs, configShape{
			SamplingRate: fmt.Sprintf("%s %d", c.SamplingRate.State, c.SamplingRate.V),
			Fields:       fields, Endpoints: len(c.Endpoints),
		})
	}
	return s
}

// TestParity reads the same distribution written as CloudFormation YAML,
// CloudFormation JSON, Terraform and Terraform plan JSON, and requires the
// same model from each. Each plan.json is what terraform show -json wrote for
// the main.tf beside it (TestPlanFixtures in internal/e2e/terraform makes it).
func TestParity(t *testing.T) {
	cases, err := filepath.Glob("testdata/parity/*")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no parity cases: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			read := func(file string, f func(string, []byte) (*model.Inventory, error)) *model.Inventory {
				data, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				inv, err := f(filepath.Join(dir, file), data)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				return inv
			}
			yamlInv := read("template.yaml", cloudformation.Read)
			jsonInv := read("template.json", cloudformation.Read)
			tfInv, err := terraform.ReadModule(".", dir)
			if err != nil {
				t.Fatal(err)
			}
			planInv := read("plan.json", func(name string, data []byte) (*model.Inventory, error) {
				return tfplan.Read(name, data, nil)
			})
			want := shapeOf(t, yamlInv)
			for name, inv := range map[string]*model.Inventory{"CloudFormation JSON": jsonInv, "Terraform": tfInv, "plan JSON": planInv} {
				if diff := cmp.Diff(want, shapeOf(t, inv)); diff != "" {
					t.Errorf("%s differs from CloudFormation YAML (-yaml +%s):\n%s", name, name, diff)
				}
			}
		})
	}
}
