package fixaws

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cloudassure/cloudassure/internal/arn"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

// CheckPlan refuses a fix aws plan whose actions MakePlan could not have
// made: a plan file is data anyone may have edited. The role's trust policy
// must be exactly CloudFront's service principal with the account
// condition, its inline policy exactly the delivery actions on the plan's one
// stream (and the KMS grant that stream's key needs), a created stream
// on-demand or provisioned and encrypted with the AWS managed key or not at
// all, a created config wired to the plan's stream and role, and every
// distribution update given the plan's config.
func CheckPlan(p *fixplan.Plan) error {
	if p.Kind != fixplan.KindAWS {
		return fmt.Errorf("this is a fix %s plan, not a fix aws plan", p.Kind)
	}
	if err := checkAccountID(p.Account); err != nil {
		return err
	}
	var stream *fixplan.Stream
	var role *fixplan.Role
	var config *fixplan.RealtimeLogConfig
	for i, c := range p.Changes {
		var err error
		switch {
		case c.Stream != nil:
			if stream != nil {
				return errors.New("the plan has more than one stream")
			}
			stream, err = c.Stream, checkStream(p, c)
		case c.Role != nil:
			if role != nil {
				return errors.New("the plan has more than one role")
			}
			role, err = c.Role, checkRole(p, c, stream)
		case c.Config != nil:
			if config != nil {
				return errors.New("the plan has more than one real-time log config")
			}
			config, err = c.Config, checkConfig(p, c, stream, role)
		case c.Distribution != nil:
			err = checkDistributionChange(c, config)
		default:
			err = fmt.Errorf("change %d is about nothing fix aws changes", i+1)
		}
		if err != nil {
			return fmt.Errorf("change %d (%s %s): %w", i+1, c.Action, c.Resource.Type, err)
		}
	}
	return nil
}

func checkStream(p *fixplan.Plan, c fixplan.Change) error {
	st := c.Stream
	if c.Action == fixplan.Reuse {
		return nil // used as it is: apply sends nothing about it
	}
	if c.Action != fixplan.Create {
		return fmt.Errorf("a stream is only created or reused, not %s", c.Action)
	}
	a, err := arn.Parse(st.ARN)
	if err != nil || a.Service != "kinesis" || a.Account != p.Account || a.Region != st.Region || a.Resource != "stream/"+st.Name || st.Region != p.Region {
		return fmt.Errorf("stream ARN %q is not stream %s of account %s in %s", st.ARN, st.Name, p.Account, p.Region)
	}
	switch {
	case st.Mode == "ON_DEMAND" && st.Shards == 0:
	case st.Mode == "PROVISIONED" && st.Shards > 0:
	default:
		return fmt.Errorf("stream mode %q with %d shards is not one fix aws creates", st.Mode, st.Shards)
	}
	switch {
	case st.Encryption == "KMS" && st.KeyID == realtimelog.AWSManagedKey:
	case st.Encryption == "NONE" && st.KeyID == "":
	default:
		return fmt.Errorf("stream encryption %q with key %q is not as fix aws plans it (the AWS managed key %s, or none)", st.Encryption, st.KeyID, realtimelog.AWSManagedKey)
	}
	return nil
}

func checkRole(p *fixplan.Plan, c fixplan.Change, st *fixplan.Stream) error {
	r := c.Role
	if c.Action == fixplan.Reuse {
		return nil
	}
	if c.Action != fixplan.Create && c.Action != fixplan.Update {
		return fmt.Errorf("a role is only created, updated or reused, not %s", c.Action)
	}
	a, err := arn.Parse(r.ARN)
	if err != nil || a.Service != "iam" || a.Account != p.Account || !strings.HasPrefix(a.Resource, "role/") || arn.Name(r.ARN) != r.Name {
		return fmt.Errorf("role ARN %q is not role %s of account %s", r.ARN, r.Name, p.Account)
	}
	if c.Action == fixplan.Create && r.Path != RolePath {
		return fmt.Errorf("role path %q is not %s", r.Path, RolePath)
	}
	if !samePolicy(r.TrustPolicy, TrustPolicy(p.Account)) {
		return fmt.Errorf("the trust policy is not exactly %s for account %s", realtimelog.ServicePrincipal, p.Account)
	}
	if st == nil {
		return errors.New("the role's stream is not in the plan")
	}
	if r.PolicyName != RolePolicyName {
		return fmt.Errorf("the inline policy is named %q, not %s", r.PolicyName, RolePolicyName)
	}
	if !samePolicy(r.Policy, DeliveryPolicy(a.Partition, p.Account, st.ARN, st.KeyID)) {
		return fmt.Errorf("the inline policy is not exactly %s on stream %s", strings.Join(realtimelog.DeliveryActions(), ", "), st.ARN)
	}
	return nil
}

func checkConfig(p *fixplan.Plan, c fixplan.Change, st *fixplan.Stream, r *fixplan.Role) error {
	cfg := c.Config
	if c.Action == fixplan.Reuse {
		return nil
	}
	if c.Action != fixplan.Create {
		return fmt.Errorf("a real-time log config is only created or reused, not %s", c.Action)
	}
	if st == nil || r == nil || cfg.StreamARN != st.ARN || cfg.RoleARN != r.ARN {
		return errors.New("the config does not deliver to the plan's stream through the plan's role")
	}
	if a, err := arn.Parse(cfg.ARN); err != nil || a.Service != "cloudfront" || a.Account != p.Account || a.Resource != "realtime-log-config/"+cfg.Name {
		return fmt.Errorf("config ARN %q is not config %s of account %s", cfg.ARN, cfg.Name, p.Account)
	}
	return realtimelog.CheckConfig(cfg.SamplingRate, cfg.Fields)
}

func checkDistributionChange(c fixplan.Change, cfg *fixplan.RealtimeLogConfig) error {
	d := c.Distribution
	if d.Skip == fixplan.SkipUnread && c.Action == fixplan.None {
		if d.ID == "" {
			return nil // the rest of a list that broke off
		}
		return checkDistributionID(d.ID)
	}
	if err := checkDistributionID(d.ID); err != nil {
		return err
	}
	switch c.Action {
	case fixplan.None:
		return nil
	case fixplan.Update:
	default:
		return fmt.Errorf("a distribution is only updated or left alone, not %s", c.Action)
	}
	if cfg == nil || d.ConfigARN != cfg.ARN {
		return fmt.Errorf("distribution %s would get config %q, not the plan's config", d.ID, d.ConfigARN)
	}
	if len(d.Behaviors) == 0 {
		return fmt.Errorf("distribution %s is updated on no behavior", d.ID)
	}
	return nil
}

// Describe rewrites the summary and diff of every change of p from its
// actions, so that what a person reads before an apply is what the apply
// does, whatever the plan file's own texts say. Use it on a plan that passed
// CheckPlan.
func Describe(p *fixplan.Plan) {
	var streamName string
	for i := range p.Changes {
		c := &p.Changes[i]
		c.Diff = ""
		switch {
		case c.Stream != nil:
			streamName = c.Stream.Name
			c.Summary = describeStream(c.Stream) + " in " + c.Stream.Region
			if c.Action == fixplan.Reuse {
				c.Summary = "exists; reused as it is"
			}
		case c.Role != nil:
			r := c.Role
			switch c.Action {
			case fixplan.Create:
				c.Summary = fmt.Sprintf("path %s, assumable only by %s for account %s; inline policy %s allows %s on stream %s only",
					r.Path, realtimelog.ServicePrincipal, p.Account, r.PolicyName, strings.Join(realtimelog.DeliveryActions(), ", "), streamName)
			case fixplan.Update:
				c.Summary = "exists; updated to the least-privilege policies"
				var diff []string
				if r.UpdateTrust {
					diff = append(diff, "~ trust policy: only "+realtimelog.ServicePrincipal+", for account "+p.Account)
				}
				if r.UpdatePolicy {
					diff = append(diff, "~ inline policy "+r.PolicyName+": only "+strings.Join(realtimelog.DeliveryActions(), ", ")+" on stream "+streamName)
				}
				c.Diff = strings.Join(diff, "\n")
			default:
				c.Summary = "exists; reused as it is"
			}
		case c.Config != nil:
			cfg := c.Config
			c.Summary = fmt.Sprintf("sampling %d %%, %d fields (%s), to stream %s through role %s",
				cfg.SamplingRate, len(cfg.Fields), strings.Join(cfg.Fields, ", "), lastSegment(cfg.StreamARN), lastSegment(cfg.RoleARN))
			if c.Action == fixplan.Reuse {
				c.Summary = "exists; reused as it is: " + c.Summary
			}
		case c.Distribution != nil:
			d := c.Distribution
			switch {
			case c.Action == fixplan.Update:
				c.Summary = fmt.Sprintf("%d %s gain real-time logs", len(d.Behaviors), plural(len(d.Behaviors), "behavior", "behaviors"))
				c.Diff = behaviorDiff(d.Behaviors, d.ConfigARN)
			case d.Skip == fixplan.SkipCompliant:
				c.Summary = "every behavior already sends real-time logs"
			case d.Skip == fixplan.SkipDisabled:
				c.Summary = "skipped: disabled"
			case d.Skip == fixplan.SkipSuppressed:
				c.Summary = "skipped: the team accepts its CF-001 finding"
			case d.Skip == fixplan.SkipUnread:
				c.Summary = "not planned: it could not be read"
			case d.Skip == fixplan.SkipDestination:
				c.Summary = "not planned: the real-time log destination it needs could not be read"
			default:
				c.Summary = "left as it is"
			}
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
