package rules

import (
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
)

func TestCF003(t *testing.T) {
	req := DefaultPolicy().RequiredFields
	tests := []struct {
		name   string
		cfg    *model.RealtimeLogConfig
		policy Policy
		want   finding.Status
		msg    string
	}{
		{"meets default", exampleConfig(100, req...), DefaultPolicy(), finding.Pass, "meets the policy"},
		{"sampling below", exampleConfig(5, req...), DefaultPolicy(), finding.Fail, "samples 5% of requests; the policy asks for at least 100%"},
		{"sampling meets lowered policy", exampleConfig(5, req...), Policy{MinSamplingRate: 5, RequiredFields: req}, finding.Pass, ""},
		{"missing fields", exampleConfig(100, "timestamp"), DefaultPolicy(), finding.Fail, "c-ip, sc-status"},
		{"unknown field", exampleConfig(100, append([]string{"bogus"}, req...)...), DefaultPolicy(), finding.Fail, "does not know: bogus"},
		{"unknown sampling rate passes", func() *model.RealtimeLogConfig {
			c := exampleConfig(0, req...)
			c.SamplingRate = model.UnknownValue[int](model.Origin{})
			return c
		}(), DefaultPolicy(), finding.Pass, ""},
		{"no endpoint", func() *model.RealtimeLogConfig {
			c := exampleConfig(100, req...)
			c.Endpoints = nil
			return c
		}(), DefaultPolicy(), finding.Fail, "no Kinesis endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal)
			inv.Configs[exampleConfigARN] = tt.cfg
			fs := cf003().Check(inv, Options{Policy: tt.policy})
			if fs[0].Status != tt.want || !strings.Contains(fs[0].Message, tt.msg) {
				t.Errorf("got %s %q, want %s containing %q", fs[0].Status, fs[0].Message, tt.want, tt.msg)
			}
		})
	}
}

func TestCF003NoConfig(t *testing.T) {
	fs := cf003().Check(exampleInventory(exampleDistribution("E1", true, "")), Options{Policy: DefaultPolicy()})
	if fs[0].Status != finding.Skip {
		t.Errorf("distribution without configs: %s, want SKIP", fs[0].Status)
	}
}

// TestCF003ResolvedReference checks that a config attached through a
// reference resolved only at deploy time (IaC) is still held to the policy.
func TestCF003ResolvedReference(t *testing.T) {
	inv := exampleInventory(exampleDistribution("Site", true, ""))
	inv.Live = false
	b := inv.Distributions[0].Behaviors[0]
	b.RealtimeLogConfigARN = model.UnknownValue[string](model.Origin{})
	b.ConfigRef = "template.yaml#Logs"
	inv.Configs["template.yaml#Logs"] = exampleConfig(5, DefaultPolicy().RequiredFields...)
	fs := cf003().Check(inv, Options{Policy: DefaultPolicy()})
	if fs[0].Status != finding.Fail {
		t.Errorf("got %s %q, want FAIL", fs[0].Status, fs[0].Message)
	}
}
