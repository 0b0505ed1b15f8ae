package fixaws

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// TestSavedPlanTampered: a plan file whose actions MakePlan could not have
// made is refused before anything is sent, whatever its summaries say.
func TestSavedPlanTampered(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	seedDemo(t, emu, url)
	cfg := live.EndpointConfig(url, nil)
	fresh, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPlan(fresh); err != nil {
		t.Fatalf("a fresh plan is refused: %v", err)
	}
	const attacker = "arn:aws:iam::999988887777:root"
	for _, tc := range []struct {
		name   string
		edit   func(p *fixplan.Plan)
		reason string
	}{
		{"trust policy lets another account in", func(p *fixplan.Plan) {
			r := role(p)
			r.TrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + attacker + `"},"Action":"sts:AssumeRole"}]}`
		}, "trust policy"},
		{"trust policy without the account condition", func(p *fixplan.Plan) {
			role(p).TrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		}, "trust policy"},
		{"role policy on every stream", func(p *fixplan.Plan) {
			r := role(p)
			r.Policy = strings.Replace(r.Policy, stream(p).ARN, "*", 1)
		}, "inline policy"},
		{"role policy with another action", func(p *fixplan.Plan) {
			r := role(p)
			r.Policy = strings.Replace(r.Policy, `"kinesis:PutRecords"`, `"kinesis:PutRecords","kinesis:DeleteStream"`, 1)
		}, "inline policy"},
		{"stream encrypted with someone else's key", func(p *fixplan.Plan) {
			stream(p).KeyID = "arn:aws:kms:us-east-1:999988887777:key/evil"
		}, "encryption"},
		{"stream not encrypted but with a key", func(p *fixplan.Plan) { stream(p).Encryption = "NONE" }, "encryption"},
		{"distribution gets another config", func(p *fixplan.Plan) {
			for i := range p.Changes {
				if d := p.Changes[i].Distribution; d != nil && p.Changes[i].Action == fixplan.Update {
					d.ConfigARN = "arn:aws:cloudfront::999988887777:realtime-log-config/theirs"
					return
				}
			}
		}, "not the plan's config"},
		{"path in a distribution ID", func(p *fixplan.Plan) {
			for i := range p.Changes {
				if d := p.Changes[i].Distribution; d != nil {
					d.ID = "E1/../../x"
					return
				}
			}
		}, "refusing distribution ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p fixplan.Plan
			data, _ := json.Marshal(fresh)
			if err := json.Unmarshal(data, &p); err != nil {
				t.Fatal(err)
			}
			tc.edit(&p)
			err := CheckPlan(&p)
			if err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("CheckPlan: %v, want an error about %s", err, tc.reason)
			}
			before := emu.Requests()
			if _, err := Apply(context.Background(), &p, testApplyOptions(cfg, t.TempDir())); err == nil || !strings.Contains(err.Error(), "refusing the plan") {
				t.Errorf("Apply: %v", err)
			}
			if n := emu.Requests() - before; n != 0 {
				t.Errorf("%d requests sent for a refused plan", n)
			}
		})
	}
}

// TestDescribeFromActions: the text shown for a saved plan comes from its
// actions, not from the summaries stored in the file.
func TestDescribeFromActions(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	seedDemo(t, emu, url)
	p, err := MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(url, nil)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Changes {
		p.Changes[i].Summary, p.Changes[i].Diff = "harmless: nothing happens", ""
	}
	Describe(p)
	var b bytes.Buffer
	if err := p.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"assumable only by cloudfront.amazonaws.com for account " + account,
		"on-demand, encrypted with alias/aws/kinesis in us-east-1",
		`~ behavior "/images/*": RealtimeLogConfigArn "" → "` + defaultConfigARN + `"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "harmless") {
		t.Errorf("the file's own summaries are shown:\n%s", text)
	}
}

func role(p *fixplan.Plan) *fixplan.Role {
	for _, c := range p.Changes {
		if c.Role != nil {
			return c.Role
		}
	}
	panic("no role in the plan")
}

func stream(p *fixplan.Plan) *fixplan.Stream {
	for _, c := range p.Changes {
		if c.Stream != nil {
			return c.Stream
		}
	}
	panic("no stream in the plan")
}
