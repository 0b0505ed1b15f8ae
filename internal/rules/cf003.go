package rules

import (
	"fmt"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

func cf003() *Rule {
	r := &Rule{
		ID:     "CF-003",
		Name:   "cloudfront-realtime-logging-policy",
		Title:  "Real-time log configs in use meet the team's sampling and field policy",
		Risk:   RiskLow,
		Pillar: "Operational excellence",
		Rationale: "A real-time log config can sample as few as 1% of requests and record any subset of fields. " +
			"Logs that skip most requests, or lack the status code, method or request ID, cannot answer the questions " +
			"an incident raises. The team states its minimum sampling rate and required fields in .cloudassure.yaml " +
			"(by default: every request, and timestamp, c-ip, sc-status, cs-method, cs-uri-stem, x-edge-request-id, " +
			"x-edge-location) and this rule holds every attached config to it.",
		Remediation: Remediation{
			Summary: "Raise the config's sampling rate to the policy's minimum and add the required fields.",
			Console: "CloudFront console > Telemetry > Logs > Real-time configurations > the config > Edit: set Sampling rate and add the missing fields.",
			CLI: "aws cloudfront get-realtime-log-config --name NAME\n" +
				"aws cloudfront update-realtime-log-config --name NAME --sampling-rate 100 \\\n" +
				"  --fields timestamp c-ip sc-status cs-method cs-uri-stem x-edge-request-id x-edge-location \\\n" +
				"  --end-points StreamType=Kinesis,KinesisStreamConfig={RoleARN=ROLE_ARN,StreamARN=STREAM_ARN}",
			CloudFormation: "RealtimeLogConfig:\n  Type: AWS::CloudFront::RealtimeLogConfig\n  Properties:\n    SamplingRate: 100\n" +
				"    Fields: [timestamp, c-ip, sc-status, cs-method, cs-uri-stem, x-edge-request-id, x-edge-location]",
			Terraform: "resource \"aws_cloudfront_realtime_log_config\" \"this\" {\n  sampling_rate = 100\n" +
				"  fields        = [\"timestamp\", \"c-ip\", \"sc-status\", \"cs-method\", \"cs-uri-stem\", \"x-edge-request-id\", \"x-edge-location\"]\n}",
		},
		Links: []string{
			"https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html#understand-real-time-log-config-fields",
		},
		Needs:    model.Needs{Configs: true}, // the attached configs' sampling rate and fields
		Examples: cf003Examples(),
	}
	r.Judge = func(inv *model.Inventory, opts Options) []Verdict {
		out := make([]Verdict, 0, len(inv.Distributions))
		for _, d := range inv.Distributions {
			out = append(out, Verdict{Distribution: d, Finding: checkCF003(r, inv, d, opts)})
		}
		return out
	}
	return r
}

func checkCF003(r *Rule, inv *model.Inventory, d *model.Distribution, opts Options) finding.Finding {
	if f, ok := skipDisabled(r, d, opts); ok {
		return f
	}
	keys, uses := attachedConfigs(d)
	if len(keys) == 0 {
		for _, b := range d.Behaviors {
			if model.IsSet(b.RealtimeLogConfigARN) && b.DanglingRef == "" {
				return r.newFinding(d, finding.Skip, "the attached real-time log config comes from outside the scanned code (a parameter, import or variable), so its settings cannot be checked here")
			}
		}
		return r.newFinding(d, finding.Skip, "no real-time log config is attached (CF-001 reports the gap)")
	}
	if inv.ConfigsErr != nil {
		return r.newFinding(d, finding.Error, "real-time log configs could not be read: "+inv.ConfigsErr.Error())
	}
	var problems, checked []string
	var failing []*model.Behavior
	for _, key := range keys {
		cfg, ok := inv.Configs[key]
		if !ok {
			continue // a missing config is CF-002's (live) or CF-001's (IaC) finding
		}
		checked = append(checked, cfg.Name)
		if p := policyProblems(cfg, opts.Policy); len(p) > 0 {
			problems = append(problems, p...)
			failing = append(failing, uses[key]...)
		}
	}
	if len(checked) == 0 {
		if !inv.Live {
			return r.newFinding(d, finding.Skip, "the attached real-time log config is not defined in the scanned code")
		}
		return r.newFinding(d, finding.Skip, "none of the attached real-time log configs exists (CF-002 reports this)")
	}
	if len(problems) > 0 {
		f := r.newFinding(d, finding.Fail, problems[0])
		if len(problems) > 1 {
			f.Message += fmt.Sprintf(" (and %d more)", len(problems)-1)
		}
		f.Problems = problems
		f.Behaviors = behaviorsOf(d, failing)
		return f
	}
	return r.newFinding(d, finding.Pass, fmt.Sprintf("config %s meets the policy (sampling ≥ %d%%, %d required fields)",
		strings.Join(checked, ", "), opts.Policy.MinSamplingRate, len(opts.Policy.RequiredFields)))
}

// policyProblems lists how cfg falls short of p. Values resolved only at
// deploy time are given the benefit of the doubt.
func policyProblems(cfg *model.RealtimeLogConfig, p Policy) []string {
	var out []string
	if cfg.SamplingRate.State == model.Known {
		switch rate := cfg.SamplingRate.V; {
		case rate < 1 || rate > 100:
			out = append(out, fmt.Sprintf("config %s has sampling rate %d, which CloudFront does not accept (1-100)", cfg.Name, rate))
		case rate < p.MinSamplingRate:
			out = append(out, fmt.Sprintf("config %s samples %d%% of requests; the policy asks for at least %d%%", cfg.Name, rate, p.MinSamplingRate))
		}
	}
	if cfg.Fields.State == model.Known {
		have := map[string]bool{}
		var unknown []string
		for _, f := range cfg.Fields.V {
			have[f] = true
			if !realtimelog.IsField(f) {
				unknown = append(unknown, f)
			}
		}
		var missing []string
		for _, f := range p.RequiredFields {
			if !have[f] {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			out = append(out, fmt.Sprintf("config %s does not record the required fields %s", cfg.Name, strings.Join(missing, ", ")))
		}
		if len(unknown) > 0 {
			out = append(out, fmt.Sprintf("config %s lists fields CloudFront does not know: %s", cfg.Name, strings.Join(unknown, ", ")))
		}
	}
	if len(cfg.Endpoints) == 0 {
		out = append(out, fmt.Sprintf("config %s has no Kinesis endpoint", cfg.Name))
	}
	for _, ep := range cfg.Endpoints {
		if ep.StreamType.State == model.Known && ep.StreamType.V != "Kinesis" {
			out = append(out, fmt.Sprintf("config %s has an endpoint of type %q; CloudFront delivers only to Kinesis", cfg.Name, ep.StreamType.V))
		}
		if !model.IsSet(ep.StreamARN) {
			out = append(out, fmt.Sprintf("config %s has an endpoint without a Kinesis stream ARN", cfg.Name))
		}
		if !model.IsSet(ep.RoleARN) {
			out = append(out, fmt.Sprintf("config %s has an endpoint without an IAM role ARN", cfg.Name))
		}
	}
	return out
}

func cf003Examples() []Example {
	required := DefaultPolicy().RequiredFields
	return []Example{
		{Name: "full sampling, every required field", Want: finding.Pass, Inventory: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal)
			inv.Configs[exampleConfigARN] = exampleConfig(100, append([]string{"time-taken"}, required...)...)
			return inv
		}},
		{Name: "sampling 5%", Want: finding.Fail, Inventory: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal)
			inv.Configs[exampleConfigARN] = exampleConfig(5, required...)
			return inv
		}},
		{Name: "required fields missing", Want: finding.Fail, Inventory: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal)
			inv.Configs[exampleConfigARN] = exampleConfig(100, "timestamp", "c-ip")
			return inv
		}},
	}
}
