package rules

import (
	"testing"

	"github.com/cloudassure/cloudassure/internal/model"
)

// strip removes from inv what n does not need, as a live source that reads
// only n leaves it out.
func strip(inv *model.Inventory, n model.Needs) {
	if !n.Account {
		inv.Account = ""
	}
	if !n.Configs && !n.Delivery {
		inv.Configs = map[string]*model.RealtimeLogConfig{}
		inv.ConfigsErr = nil
	}
	if !n.Delivery {
		inv.Streams = map[string]*model.Stream{}
		inv.Roles = map[string]*model.Role{}
	}
}

// TestRuleNeeds checks every rule's Needs: judging each of its examples with
// only what it declares gives the same verdicts as with everything.
func TestRuleNeeds(t *testing.T) {
	for _, r := range All() {
		for _, ex := range r.Examples {
			t.Run(r.ID+"/"+ex.Name, func(t *testing.T) {
				full := r.Judge(ex.Inventory(), Options{Policy: DefaultPolicy()})
				inv := ex.Inventory()
				strip(inv, r.Needs)
				part := r.Judge(inv, Options{Policy: DefaultPolicy()})
				for i := range full {
					if full[i].Finding.Status != part[i].Finding.Status || full[i].Finding.Message != part[i].Finding.Message {
						t.Errorf("with only %+v: %s %q, with everything %s %q", r.Needs,
							part[i].Finding.Status, part[i].Finding.Message, full[i].Finding.Status, full[i].Finding.Message)
					}
				}
			})
		}
	}
}

func TestNeedsOf(t *testing.T) {
	find := func(id string) *Rule {
		r, ok := Find(id)
		if !ok {
			t.Fatalf("no rule %s", id)
		}
		return r
	}
	for _, tt := range []struct {
		ids  []string
		want model.Needs
	}{
		{[]string{"CF-001"}, model.Needs{}},
		{[]string{"CF-003"}, model.Needs{Configs: true}},
		{[]string{"CF-001", "CF-003"}, model.Needs{Configs: true}},
		{[]string{"CF-002"}, model.AllNeeds()},
		{[]string{"CF-001", "CF-002", "CF-003"}, model.AllNeeds()},
	} {
		var rs []*Rule
		for _, id := range tt.ids {
			rs = append(rs, find(id))
		}
		if got := NeedsOf(rs); got != tt.want {
			t.Errorf("NeedsOf(%v) = %+v, want %+v", tt.ids, got, tt.want)
		}
	}
	if got := NeedsOf(All()); got != model.AllNeeds() {
		t.Errorf("NeedsOf(All()) = %+v", got)
	}
}
