package rules

import (
	"fmt"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
)

func cf001() *Rule {
	r := &Rule{
		ID:     "CF-001",
		Name:   "cloudfront-realtime-logging-enabled",
		Title:  "Every cache behavior of an enabled CloudFront distribution sends real-time logs",
		Risk:   RiskMedium,
		Pillar: "Operational excellence",
		Rationale: "Real-time logs reach a Kinesis data stream seconds after CloudFront serves a request, " +
			"so a team can watch errors, latency and abuse while they happen instead of hours later. " +
			"CloudFront attaches a real-time log config per cache behavior, not per distribution: a " +
			"distribution whose default behavior logs but whose /api/* behavior does not is blind on " +
			"exactly the paths that often matter most. This rule therefore looks at the default behavior " +
			"and every ordered behavior. (A check that reads only CacheBehaviors misses the default " +
			"behavior, and one that only looks for an empty list of ARNs passes a distribution where " +
			"a single ordered behavior logs and the others do not.)",
		Remediation: Remediation{
			Summary: "Attach a real-time log config (RealtimeLogConfigArn) to the default behavior and to every ordered cache behavior.",
			Console: "CloudFront console > Distributions > the distribution > Behaviors. For each behavior: Edit > " +
				"Additional settings > Enable real-time logs: Yes, pick the real-time log config, Save. Create the " +
				"config first under Telemetry > Logs > Real-time configurations if there is none.",
			CLI: "aws cloudfront get-distribution-config --id ID > dist.json\n" +
				"# in .DistributionConfig set RealtimeLogConfigArn on DefaultCacheBehavior and on every\n" +
				"# CacheBehaviors.Items[] entry, keep the ETag aside\n" +
				"aws cloudfront update-distribution --id ID --if-match ETAG --distribution-config file://config.json\n" +
				"# or let cloudassure do it: cloudassure fix aws (plan) then cloudassure fix aws --apply",
			CloudFormation: "DistributionConfig:\n  DefaultCacheBehavior:\n    RealtimeLogConfigArn: !GetAtt RealtimeLogConfig.Arn\n" +
				"  CacheBehaviors:\n    - PathPattern: /api/*\n      RealtimeLogConfigArn: !GetAtt RealtimeLogConfig.Arn",
			Terraform: "default_cache_behavior {\n  realtime_log_config_arn = aws_cloudfront_realtime_log_config.this.arn\n}\n" +
				"ordered_cache_behavior {\n  path_pattern            = \"/api/*\"\n  realtime_log_config_arn = aws_cloudfront_realtime_log_config.this.arn\n}",
		},
		Links: []string{
			"https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html",
		},
		Needs:    model.Needs{}, // the distributions' behaviors only
		Examples: cf001Examples(),
	}
	r.Judge = func(inv *model.Inventory, opts Options) []Verdict {
		out := make([]Verdict, 0, len(inv.Distributions))
		for _, d := range inv.Distributions {
			out = append(out, Verdict{Distribution: d, Finding: checkCF001(r, d, opts)})
		}
		return out
	}
	return r
}

func checkCF001(r *Rule, d *model.Distribution, opts Options) finding.Finding {
	if f, ok := skipDisabled(r, d, opts); ok {
		return f
	}
	var failing, passing []*model.Behavior
	var problems []string
	unknown := 0
	behaviors := d.Behaviors
	if !hasDefault(behaviors) {
		// Every distribution has a default behavior; one the source did not
		// find has no config. This also makes a PASS over no behaviors impossible.
		missing := &model.Behavior{Default: true, PathPattern: model.DefaultPathPattern, Range: d.Range,
			RealtimeLogConfigARN: model.AbsentValue[string](model.Origin{Range: d.Range})}
		behaviors = append([]*model.Behavior{missing}, behaviors...)
		failing = append(failing, missing)
		problems = append(problems, "the default behavior (*) is not defined, so it has no real-time log config")
	}
	for _, b := range d.Behaviors {
		switch {
		case b.DanglingRef != "":
			failing = append(failing, b)
			problems = append(problems, fmt.Sprintf("%s refers to real-time log config %q, which is not defined in the scanned code", behaviorName(b), b.DanglingRef))
		case !model.IsSet(b.RealtimeLogConfigARN):
			failing = append(failing, b)
			how := "has no real-time log config"
			if b.RealtimeLogConfigARN.State == model.Known {
				how = "has an empty RealtimeLogConfigArn"
			}
			if b.Condition != "" {
				how += " when condition " + b.Condition
			}
			problems = append(problems, behaviorName(b)+" "+how)
		case b.RealtimeLogConfigARN.State == model.Unknown:
			unknown++
			passing = append(passing, b)
		default:
			passing = append(passing, b)
		}
	}
	total := len(behaviors)
	if len(failing) == 0 {
		msg := fmt.Sprintf("all %d cache behaviors send real-time logs", total)
		if total == 1 {
			msg = "its only cache behavior (the default) sends real-time logs"
		}
		if unknown > 0 {
			msg += fmt.Sprintf(" (%d set from a value resolved at deploy time)", unknown)
		}
		f := r.newFinding(d, finding.Pass, msg)
		f.Behaviors = behaviorsOf(d, behaviors)
		return f
	}
	names := make([]string, len(failing))
	for i, b := range failing {
		names[i] = b.PathPattern
		if b.Default {
			names[i] = "* (default)"
		}
	}
	msg := fmt.Sprintf("%d of %d cache behaviors send no real-time logs: %s", len(failing), total, strings.Join(names, ", "))
	f := r.newFinding(d, finding.Fail, msg)
	f.Behaviors = behaviorsOf(d, failing)
	if len(passing) > 0 {
		f.OtherBehaviors = behaviorsOf(d, passing)
	}
	f.Problems = problems
	return f
}

// hasDefault reports whether bs hold the default behavior.
func hasDefault(bs []*model.Behavior) bool {
	for _, b := range bs {
		if b.Default {
			return true
		}
	}
	return false
}

func cf001Examples() []Example {
	const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/main"
	return []Example{
		{Name: "every behavior logs", Want: finding.Pass, Inventory: func() *model.Inventory {
			return exampleInventory(exampleDistribution("E1GOOD", true, arn, "/api/*", arn, "/img/*", arn))
		}},
		{Name: "default only, logging", Want: finding.Pass, Inventory: func() *model.Inventory {
			return exampleInventory(exampleDistribution("E1DEFAULTONLY", true, arn))
		}},
		{Name: "ordered behavior missing", Want: finding.Fail, Inventory: func() *model.Inventory {
			return exampleInventory(exampleDistribution("E1ORDERED", true, arn, "/api/*", ""))
		}},
		{Name: "default behavior missing, ordered logging", Want: finding.Fail, Inventory: func() *model.Inventory {
			return exampleInventory(exampleDistribution("E1DEFAULT", true, "", "/api/*", arn))
		}},
		{Name: "no default behavior in the code", Want: finding.Fail, Inventory: func() *model.Inventory {
			d := exampleDistribution("E1NODEFAULT", true, arn, "/api/*", arn)
			d.Behaviors = d.Behaviors[1:]
			return exampleInventory(d)
		}},
		{Name: "disabled distribution is skipped", Want: finding.Skip, Inventory: func() *model.Inventory {
			return exampleInventory(exampleDistribution("E1DISABLED", false, ""))
		}},
	}
}
