package rules

import (
	"fmt"
	"strings"

	"github.com/cloudassure/cloudassure/internal/arn"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/iampolicy"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

const cloudFrontPrincipal = realtimelog.ServicePrincipal

func cf002() *Rule {
	r := &Rule{
		ID:     "CF-002",
		Name:   "cloudfront-realtime-logging-delivers",
		Title:  "Real-time log configs in use can actually deliver to their Kinesis stream",
		Risk:   RiskMedium,
		Pillar: "Operational excellence",
		Rationale: "An attached real-time log config is only a promise. CloudFront delivers records by assuming " +
			"the config's IAM role and writing to its Kinesis data stream; if the config was deleted, the stream " +
			"is gone or not ACTIVE, the role does not trust CloudFront, or the role may not write to the stream " +
			"(or use its KMS key), the records are silently dropped and the behavior looks compliant while " +
			"nothing is logged. This rule follows every attached config to its stream and role and proves each link.",
		Remediation: Remediation{
			Summary: "Make every attached config point at an existing ACTIVE Kinesis stream, through a role that trusts cloudfront.amazonaws.com and may describe and write to that stream.",
			Console: "Kinesis console: check the stream exists and is Active. IAM console > Roles > the config's role: " +
				"Trust relationships must allow the service principal cloudfront.amazonaws.com to sts:AssumeRole; " +
				"Permissions must allow kinesis:DescribeStreamSummary, kinesis:DescribeStream, kinesis:PutRecord and " +
				"kinesis:PutRecords on the stream ARN (and kms:GenerateDataKey on the stream's customer managed key).",
			CLI: "aws cloudfront get-realtime-log-config --arn CONFIG_ARN\n" +
				"aws kinesis describe-stream-summary --stream-arn STREAM_ARN\n" +
				"aws iam get-role --role-name ROLE --query Role.AssumeRolePolicyDocument\n" +
				"aws iam put-role-policy --role-name ROLE --policy-name cloudfront-realtime-logs --policy-document file://policy.json",
			CloudFormation: "Role:\n  Type: AWS::IAM::Role\n  Properties:\n    AssumeRolePolicyDocument:\n      Statement:\n" +
				"        - Effect: Allow\n          Principal: {Service: cloudfront.amazonaws.com}\n          Action: sts:AssumeRole\n" +
				"    Policies:\n      - PolicyName: deliver\n        PolicyDocument:\n          Statement:\n            - Effect: Allow\n" +
				"              Action: [kinesis:DescribeStreamSummary, kinesis:DescribeStream, kinesis:PutRecord, kinesis:PutRecords]\n" +
				"              Resource: !GetAtt Stream.Arn",
			Terraform: "data \"aws_iam_policy_document\" \"assume\" {\n  statement {\n    actions = [\"sts:AssumeRole\"]\n" +
				"    principals {\n      type        = \"Service\"\n      identifiers = [\"cloudfront.amazonaws.com\"]\n    }\n  }\n}\n" +
				"data \"aws_iam_policy_document\" \"deliver\" {\n  statement {\n    actions   = [\"kinesis:DescribeStreamSummary\", \"kinesis:DescribeStream\", \"kinesis:PutRecord\", \"kinesis:PutRecords\"]\n" +
				"    resources = [aws_kinesis_stream.logs.arn]\n  }\n}",
		},
		Links: []string{
			"https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html#understand-real-time-log-config-iam-role",
		},
		LiveOnly: true,
		// The account for trust-policy conditions; configs, streams and roles to prove delivery.
		Needs:    model.Needs{Account: true, Configs: true, Delivery: true},
		Examples: cf002Examples(),
	}
	r.Judge = func(inv *model.Inventory, opts Options) []Verdict {
		cache := map[string]delivery{} // by config and distribution ARN
		out := make([]Verdict, 0, len(inv.Distributions))
		for _, d := range inv.Distributions {
			out = append(out, Verdict{Distribution: d, Finding: checkCF002(r, inv, d, opts, cache)})
		}
		return out
	}
	return r
}

// delivery is what was found about one config's path to its stream.
type delivery struct {
	problems   []string // definite reasons records cannot be delivered
	unreadable []string // what could not be read to decide
	related    []finding.Resource
	summary    string // one line for a passing config
}

func checkCF002(r *Rule, inv *model.Inventory, d *model.Distribution, opts Options, cache map[string]delivery) finding.Finding {
	if f, ok := skipDisabled(r, d, opts); ok {
		return f
	}
	keys, uses := attachedConfigs(d)
	if len(keys) == 0 {
		return r.newFinding(d, finding.Skip, "no real-time log config is attached, so there is no delivery to prove (CF-001 reports the gap)")
	}
	if inv.ConfigsErr != nil {
		f := r.newFinding(d, finding.Error, "cannot prove delivery: real-time log configs could not be read: "+inv.ConfigsErr.Error())
		if inv.ConfigsErr.Action != "" {
			f.Problems = []string{"the scan needs the IAM permission " + inv.ConfigsErr.Action}
		}
		return f
	}
	var problems, unreadable, summaries []string
	var failing []*model.Behavior
	var related []finding.Resource
	for _, key := range keys {
		// The role's trust is judged with the distribution's ARN in the
		// request context, so a verdict is shared only by the same pair.
		ck := key + "\x00" + d.ARN
		res, ok := cache[ck]
		if !ok {
			res = evalDelivery(inv, key, d)
			cache[ck] = res
		}
		related = append(related, res.related...)
		problems = append(problems, res.problems...)
		unreadable = append(unreadable, res.unreadable...)
		if len(res.problems) > 0 || len(res.unreadable) > 0 {
			failing = append(failing, uses[key]...)
		} else {
			summaries = append(summaries, res.summary)
		}
	}
	var f finding.Finding
	switch {
	case len(problems) > 0:
		msg := "real-time logs cannot be delivered: " + problems[0]
		if n := len(problems) + len(unreadable) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more)", n)
		}
		f = r.newFinding(d, finding.Fail, msg)
	case len(unreadable) > 0:
		f = r.newFinding(d, finding.Error, "cannot prove delivery: "+unreadable[0])
	default:
		f = r.newFinding(d, finding.Pass, "real-time logs can be delivered: "+strings.Join(summaries, "; "))
	}
	f.Problems = append(problems, unreadable...)
	f.Related = related
	if len(failing) > 0 {
		f.Behaviors = behaviorsOf(d, failing)
	}
	return f
}

// evalDelivery proves or disproves that the config under key can deliver.
func evalDelivery(inv *model.Inventory, key string, d *model.Distribution) delivery {
	var res delivery
	cfg, ok := inv.Configs[key]
	if !ok {
		res.problems = append(res.problems, fmt.Sprintf("real-time log config %s does not exist", key))
		res.related = append(res.related, finding.Resource{Type: "AWS::CloudFront::RealtimeLogConfig", ID: configName(key), ARN: key})
		return res
	}
	name := cfg.Name
	res.related = append(res.related, finding.Resource{Type: "AWS::CloudFront::RealtimeLogConfig", ID: cfg.Name, ARN: cfg.ARN})
	if len(cfg.Endpoints) == 0 {
		res.problems = append(res.problems, fmt.Sprintf("config %s has no endpoint", name))
		return res
	}
	var parts []string
	for _, ep := range cfg.Endpoints {
		if ep.StreamType.State == model.Known && ep.StreamType.V != "Kinesis" {
			res.problems = append(res.problems, fmt.Sprintf("config %s has an endpoint of type %q; only Kinesis delivers", name, ep.StreamType.V))
			continue
		}
		if ep.StreamARN.State != model.Known || ep.RoleARN.State != model.Known {
			continue // set from a value we cannot resolve here
		}
		streamARN, roleARN := ep.StreamARN.V, ep.RoleARN.V
		before := len(res.problems) + len(res.unreadable)
		st, sc := checkStream(&res, inv, name, streamARN)
		rc := checkRole(&res, inv, name, roleARN, streamARN, st, d)
		res.related = append(res.related,
			finding.Resource{Type: "AWS::Kinesis::Stream", ID: lastSegment(streamARN), ARN: streamARN, Stream: sc},
			finding.Resource{Type: "AWS::IAM::Role", ID: lastSegment(roleARN), ARN: roleARN, Role: rc})
		if len(res.problems)+len(res.unreadable) == before {
			parts = append(parts, fmt.Sprintf("config %s → stream %s (ACTIVE) via role %s", name, lastSegment(streamARN), lastSegment(roleARN)))
		}
	}
	res.summary = strings.Join(parts, ", ")
	if res.summary == "" {
		res.summary = "config " + name + " (endpoint resolved at deploy time)"
	}
	return res
}

// checkStream judges the stream at arn: the stream when it was read (nil
// otherwise) and what was found, for the finding.
func checkStream(res *delivery, inv *model.Inventory, cfg, arn string) (*model.Stream, *finding.StreamCheck) {
	st := inv.Streams[arn]
	switch {
	case st == nil:
		res.unreadable = append(res.unreadable, fmt.Sprintf("Kinesis stream %s (config %s) was not looked up", arn, cfg))
		return nil, &finding.StreamCheck{Error: "not looked up"}
	case st.Err != nil:
		res.unreadable = append(res.unreadable, fmt.Sprintf("Kinesis stream %s (config %s) could not be read: %s", arn, cfg, st.Err.Error()))
		return nil, &finding.StreamCheck{Error: st.Err.Error()}
	case !st.Found:
		res.problems = append(res.problems, fmt.Sprintf("config %s streams to Kinesis stream %s, which does not exist", cfg, arn))
		return nil, &finding.StreamCheck{}
	case st.Status != "ACTIVE":
		res.problems = append(res.problems, fmt.Sprintf("Kinesis stream %s (config %s) is %s, not ACTIVE", lastSegment(arn), cfg, st.Status))
	}
	return st, &finding.StreamCheck{Found: true, Status: st.Status, Encryption: st.Encryption, KeyID: st.KeyID}
}

// checkRole judges the role at roleARN for delivering to streamARN (st when
// it was read) and returns what it judged, for the finding.
func checkRole(res *delivery, inv *model.Inventory, cfg, roleARN, streamARN string, st *model.Stream, d *model.Distribution) *finding.RoleCheck {
	role := inv.Roles[roleARN]
	switch {
	case role == nil:
		res.unreadable = append(res.unreadable, fmt.Sprintf("IAM role %s (config %s) was not looked up", roleARN, cfg))
		return &finding.RoleCheck{Error: "not looked up"}
	case role.Err != nil:
		res.unreadable = append(res.unreadable, fmt.Sprintf("IAM role %s (config %s) could not be read: %s", roleARN, cfg, role.Err.Error()))
		return &finding.RoleCheck{Error: role.Err.Error()}
	case !role.Found:
		res.problems = append(res.problems, fmt.Sprintf("config %s uses IAM role %s, which does not exist", cfg, roleARN))
		return &finding.RoleCheck{}
	}
	rc := &finding.RoleCheck{Found: true}
	name := role.Name
	trust, err := iampolicy.Parse(role.TrustPolicy)
	if err != nil {
		res.problems = append(res.problems, fmt.Sprintf("the trust policy of role %s cannot be read: %v", name, err))
		rc.Trust, rc.TrustDetail = finding.TrustInvalid, err.Error()
	} else {
		// CloudFront assumes the role with aws:SourceAccount and aws:SourceArn
		// set to the distribution's account and ARN. What is not known stays
		// out of the request context, so a condition on it is undecided
		// (conditional) instead of failing against an empty value.
		ctx := map[string][]string{}
		if inv.Account != "" {
			ctx["aws:SourceAccount"] = []string{inv.Account}
		}
		if d.ARN != "" {
			ctx["aws:SourceArn"] = []string{d.ARN}
		}
		dec := iampolicy.TrustsService(trust, cloudFrontPrincipal, ctx)
		rc.Trust, rc.TrustDetail = finding.TrustAllowed, dec.String()
		switch {
		case dec.Conditional && (inv.Account == "" || d.ARN == ""):
			missing := "the account is not known (sts:GetCallerIdentity failed and no ARN names it)"
			if d.ARN == "" {
				missing = "the distribution's ARN is not known"
			}
			res.unreadable = append(res.unreadable, fmt.Sprintf("whether role %s trusts %s depends on the distribution's account or ARN, and %s: %s",
				name, cloudFrontPrincipal, missing, dec))
			rc.Trust = finding.TrustUndecided
		case dec.Effect != iampolicy.Allowed:
			res.problems = append(res.problems, fmt.Sprintf("role %s does not trust %s to assume it (%s)", name, cloudFrontPrincipal, dec))
			rc.Trust = finding.TrustDenied
		}
	}
	if role.PoliciesErr != nil {
		res.unreadable = append(res.unreadable, fmt.Sprintf("the policies of role %s could not be read: %s", name, role.PoliciesErr.Error()))
		rc.PoliciesError = role.PoliciesErr.Error()
		return rc
	}
	docs := make([]*iampolicy.Document, 0, len(role.Policies))
	for _, p := range role.Policies {
		doc, err := iampolicy.Parse(p.Document)
		if err != nil {
			res.problems = append(res.problems, fmt.Sprintf("policy %s of role %s cannot be read: %v", p.Name, name, err))
			continue
		}
		doc.Name = p.Name
		docs = append(docs, doc)
	}
	var missing []string
	judge := func(action, resource string) iampolicy.Decision {
		dec := iampolicy.Evaluate(docs, iampolicy.Request{Action: action, Resource: resource})
		rc.Actions = append(rc.Actions, finding.ActionCheck{Action: action, Resource: resource, Allowed: dec.Effect == iampolicy.Allowed, Detail: dec.String()})
		return dec
	}
	for _, action := range realtimelog.DeliveryActions() {
		if dec := judge(action, streamARN); dec.Effect != iampolicy.Allowed {
			missing = append(missing, action+describeDenial(dec))
		}
	}
	if st != nil && st.Encryption == "KMS" {
		if key := realtimelog.KeyARN(st.KeyID, streamARN); key != "" {
			if dec := judge(realtimelog.KeyAction, key); dec.Effect != iampolicy.Allowed {
				missing = append(missing, realtimelog.KeyAction+" on key "+key+describeDenial(dec))
			}
		}
	}
	if len(missing) > 0 {
		res.problems = append(res.problems, fmt.Sprintf("role %s may not %s on stream %s", name, strings.Join(missing, ", "), lastSegment(streamARN)))
	}
	return rc
}

func describeDenial(dec iampolicy.Decision) string {
	if dec.Effect == iampolicy.ExplicitDeny {
		return " (" + dec.String() + ")"
	}
	return ""
}

// lastSegment returns the name at the end of an ARN (after the last / or :).
func lastSegment(s string) string { return arn.Name(s) }

func configName(arn string) string { return lastSegment(arn) }

func cf002Examples() []Example {
	all := realtimelog.DeliveryActions()
	return []Example{
		{Name: "active stream, trusted role with every action", Want: finding.Pass, Inventory: func() *model.Inventory {
			return exampleDelivery("ACTIVE", cloudFrontPrincipal, all...)
		}},
		{Name: "stream deleted", Want: finding.Fail, Inventory: func() *model.Inventory {
			return exampleDelivery("", cloudFrontPrincipal, all...)
		}},
		{Name: "stream still creating", Want: finding.Fail, Inventory: func() *model.Inventory {
			return exampleDelivery("CREATING", cloudFrontPrincipal, all...)
		}},
		{Name: "role trusts another service", Want: finding.Fail, Inventory: func() *model.Inventory {
			return exampleDelivery("ACTIVE", "lambda.amazonaws.com", all...)
		}},
		{Name: "role lacks PutRecords", Want: finding.Fail, Inventory: func() *model.Inventory {
			return exampleDelivery("ACTIVE", cloudFrontPrincipal, "kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:PutRecord")
		}},
		{Name: "config deleted", Want: finding.Fail, Inventory: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, all...)
			delete(inv.Configs, exampleConfigARN)
			return inv
		}},
		{Name: "configs unreadable", Want: finding.Error, Inventory: func() *model.Inventory {
			inv := exampleDelivery("ACTIVE", cloudFrontPrincipal, all...)
			inv.ConfigsErr = &model.ReadError{Operation: "cloudfront:ListRealtimeLogConfigs", Action: "cloudfront:ListRealtimeLogConfigs", Code: "AccessDenied", Message: "access denied"}
			return inv
		}},
	}
}
