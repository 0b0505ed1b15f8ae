package fixaws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/cloudassure/cloudassure/internal/awserr"
	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/realtimelog"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// PlanOptions say what a plan is to achieve.
type PlanOptions struct {
	// Config is the SDK configuration; its region is the stream's region.
	Config aws.Config

	// ConfigARN names an existing real-time log config to attach. When it
	// is empty, the config called ConfigName is reused if it exists, and
	// created together with its stream and role if it does not.
	ConfigARN  string
	ConfigName string // default DefaultConfigName
	StreamName string // default DefaultStreamName
	// Shards makes a provisioned stream with that many shards; 0 is on-demand.
	Shards int
	// NoEncryption creates the stream without server-side encryption
	// (default: the AWS managed key alias/aws/kinesis).
	NoEncryption bool
	RoleName     string // default DefaultRoleName
	// SamplingRate and Fields of a created config; defaults from Policy.
	SamplingRate int
	Fields       []string
	// Settings are the team's .cloudassure.yaml: the policy (CF-003) the
	// defaults come from, and the ignore list: a distribution whose CF-001
	// finding is suppressed is left alone. Nil uses the defaults.
	Settings *settings.File

	// Distributions limits the plan to these distribution IDs; empty means
	// every distribution that fails CF-001.
	Distributions []string
	// ReplaceExisting also replaces a different config already attached to
	// a behavior; by default such behaviors are left as they are.
	ReplaceExisting bool
	// IncludeDisabled fixes disabled distributions too.
	IncludeDisabled bool

	Progress func(Progress)
	// Now stamps the plan; nil means time.Now.
	Now func() time.Time

	// readBackoff replaces the pause between rounds of an account-wide
	// read (tests); nil means readBackoff.
	readBackoff func(attempt int) time.Duration
}

// MakePlan reads the account through the engine's live source, judges it
// with CF-001 and the team's settings, and plans the fix from the verdicts.
// It makes no change.
//
// Planning is not all-or-nothing: an account-wide read whose retries ran
// out is made again (ReadRounds in all). When the distribution list still
// breaks off, what was listed is planned and the rest is reported failed;
// when the destination (config, stream or role) still cannot be read, every
// distribution that needs it is reported failed with the reason and nothing
// of the destination is planned.
func MakePlan(ctx context.Context, o PlanOptions) (*fixplan.Plan, error) {
	p := &planner{o: o, cf: cloudfront.NewFromConfig(o.Config), iam: iam.NewFromConfig(o.Config)}
	p.defaults()
	if err := p.validate(); err != nil {
		return nil, err
	}
	verdicts, id, err := p.judge(ctx)
	if err != nil {
		return nil, err
	}
	p.id = id
	region := o.Config.Region
	if region == "" {
		region = "us-east-1"
	}
	p.region = region
	p.kin = kinesis.NewFromConfig(o.Config, func(ko *kinesis.Options) { ko.Region = region })
	out := &fixplan.Plan{
		Version: fixplan.Version, Kind: fixplan.KindAWS, Account: id.account, Region: region,
		CreatedAt: nowFunc(o.Now)().UTC().Truncate(time.Second),
	}
	configARN, dest, destErr := p.destination(ctx)
	if destErr != nil {
		var read *awserr.Error
		if !errors.As(destErr, &read) || ctx.Err() != nil {
			return nil, destErr
		}
		// A read of the destination failed: plan against the config's
		// ARN to tell which distributions need it, then change none.
		configARN, dest = p.expectedConfigARN(), nil
	}
	dists, err := p.distributions(verdicts, configARN)
	if err != nil {
		return nil, err
	}
	if destErr != nil {
		for i := range dists {
			if dists[i].Action == fixplan.Update {
				dists[i] = destinationUnread(dists[i], destErr)
			}
		}
	}
	// Without a distribution to attach it to, nothing is created or changed
	// for the destination either.
	needed := false
	for _, c := range dists {
		needed = needed || c.Action == fixplan.Update
	}
	for _, c := range dest {
		if needed || c.Action == fixplan.Reuse {
			out.Changes = append(out.Changes, c)
		}
	}
	out.Changes = append(out.Changes, dists...)
	return out, nil
}

type planner struct {
	o      PlanOptions
	id     identity
	region string
	cf     *cloudfront.Client
	iam    *iam.Client
	kin    *kinesis.Client
	// listErr is set when the list of distributions broke off: those read
	// are planned, the rest are reported as not read.
	listErr error
}

func (p *planner) defaults() {
	o := &p.o
	if o.ConfigName == "" {
		o.ConfigName = DefaultConfigName
	}
	if o.StreamName == "" {
		o.StreamName = DefaultStreamName
	}
	if o.RoleName == "" {
		o.RoleName = DefaultRoleName
	}
	if o.Settings == nil {
		o.Settings = settings.Default()
	}
	if o.SamplingRate == 0 {
		o.SamplingRate = o.Settings.Policy.MinSamplingRate
	}
	if len(o.Fields) == 0 {
		o.Fields = o.Settings.Policy.RequiredFields
	}
}

// validate checks the options before any call is made.
func (p *planner) validate() error {
	o := p.o
	if err := realtimelog.CheckConfig(o.SamplingRate, o.Fields); err != nil {
		return err
	}
	if o.Shards < 0 {
		return fmt.Errorf("--shards must be 0 (on-demand) or more, got %d", o.Shards)
	}
	return nil
}

func (p *planner) progress(stage string, done, total int) {
	if p.o.Progress != nil {
		p.o.Progress(Progress{Stage: stage, Done: done, Total: total})
	}
}

func (p *planner) configARN(name string) string {
	return fmt.Sprintf("arn:%s:cloudfront::%s:realtime-log-config/%s", p.id.partition, p.id.account, name)
}

// expectedConfigARN is the ARN of the config the behaviors get: the one
// given, or the one called ConfigName (found or created).
func (p *planner) expectedConfigARN() string {
	if p.o.ConfigARN != "" {
		return p.o.ConfigARN
	}
	return p.configARN(p.o.ConfigName)
}

// destinationUnread turns a planned update into a distribution left alone
// because the destination it needs could not be read; an apply reports it
// failed with the reason.
func destinationUnread(ch fixplan.Change, err error) fixplan.Change {
	reason := fmt.Sprintf("not changed: the real-time log destination it needs could not be read: %v", err)
	d := ch.Distribution
	ch.Action, ch.Diff, ch.Error = fixplan.None, "", reason
	ch.Summary = "not planned: " + reason
	ch.Distribution = &fixplan.Distribution{ID: d.ID, ETag: d.ETag, Enabled: d.Enabled, Staging: d.Staging, Skip: fixplan.SkipDestination}
	return ch
}

func (p *planner) streamARN() string {
	return fmt.Sprintf("arn:%s:kinesis:%s:%s:stream/%s", p.id.partition, p.region, p.id.account, p.o.StreamName)
}

// destination plans the real-time log config the behaviors get, with its
// stream and role when the config has to be created.
func (p *planner) destination(ctx context.Context) (string, []fixplan.Change, error) {
	p.progress("destination", 0, -1)
	if p.o.ConfigARN != "" {
		c, err := p.getConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{ARN: aws.String(p.o.ConfigARN)})
		if err != nil {
			return "", nil, err
		}
		if c == nil {
			return "", nil, fmt.Errorf("real-time log config %s does not exist", p.o.ConfigARN)
		}
		return aws.ToString(c.ARN), []fixplan.Change{reuseConfig(c, "given with --config-arn; used as it is")}, nil
	}
	c, err := p.getConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{Name: aws.String(p.o.ConfigName)})
	if err != nil {
		return "", nil, err
	}
	if c != nil {
		note := "exists; reused as it is"
		if diffs := p.configDifferences(c); len(diffs) > 0 {
			note = "exists with other settings (" + strings.Join(diffs, "; ") + "); reused as it is"
		}
		return aws.ToString(c.ARN), []fixplan.Change{reuseConfig(c, note)}, nil
	}
	stream, err := p.planStream(ctx)
	if err != nil {
		return "", nil, err
	}
	role, err := p.planRole(ctx, stream.Stream)
	if err != nil {
		return "", nil, err
	}
	arn := p.configARN(p.o.ConfigName)
	cfg := &fixplan.RealtimeLogConfig{
		Name: p.o.ConfigName, ARN: arn, SamplingRate: p.o.SamplingRate, Fields: realtimelog.SortedFields(p.o.Fields),
		StreamARN: stream.Stream.ARN, RoleARN: role.Role.ARN,
	}
	create := fixplan.Change{
		Action:   fixplan.Create,
		Resource: fixplan.Resource{Type: fixplan.TypeConfig, ID: cfg.Name, ARN: arn},
		Summary: fmt.Sprintf("sampling %d %%, %d fields (%s), to stream %s through role %s",
			cfg.SamplingRate, len(cfg.Fields), strings.Join(cfg.Fields, ", "), stream.Stream.Name, role.Role.Name),
		Config: cfg,
	}
	return arn, []fixplan.Change{stream, role, create}, nil
}

// getConfig returns the config, or nil when it does not exist.
func (p *planner) getConfig(ctx context.Context, in *cloudfront.GetRealtimeLogConfigInput) (*cftypes.RealtimeLogConfig, error) {
	var out *cloudfront.GetRealtimeLogConfigOutput
	err := p.retry(ctx, func() error {
		var err error
		out, err = p.cf.GetRealtimeLogConfig(ctx, in)
		return err
	})
	if err != nil {
		if awserr.Code(err) == "NoSuchRealtimeLogConfig" {
			return nil, nil
		}
		return nil, callErr("cloudfront:GetRealtimeLogConfig", err)
	}
	return out.RealtimeLogConfig, nil
}

func reuseConfig(c *cftypes.RealtimeLogConfig, note string) fixplan.Change {
	rc := &fixplan.RealtimeLogConfig{
		Name: aws.ToString(c.Name), ARN: aws.ToString(c.ARN), SamplingRate: int(aws.ToInt64(c.SamplingRate)), Fields: c.Fields,
	}
	for _, ep := range c.EndPoints {
		if k := ep.KinesisStreamConfig; k != nil {
			rc.StreamARN, rc.RoleARN = aws.ToString(k.StreamARN), aws.ToString(k.RoleARN)
			break
		}
	}
	return fixplan.Change{
		Action:   fixplan.Reuse,
		Resource: fixplan.Resource{Type: fixplan.TypeConfig, ID: rc.Name, ARN: rc.ARN},
		Summary: fmt.Sprintf("%s: sampling %d %%, %d fields, to stream %s through role %s",
			note, rc.SamplingRate, len(rc.Fields), lastSegment(rc.StreamARN), lastSegment(rc.RoleARN)),
		Config: rc,
	}
}

// configDifferences lists how an existing config differs from the one
// fix would create.
func (p *planner) configDifferences(c *cftypes.RealtimeLogConfig) []string {
	var out []string
	if rate := int(aws.ToInt64(c.SamplingRate)); rate != p.o.SamplingRate {
		out = append(out, fmt.Sprintf("sampling rate %d, not %d", rate, p.o.SamplingRate))
	}
	have := map[string]bool{}
	for _, f := range c.Fields {
		have[f] = true
	}
	var missing []string
	for _, f := range p.o.Fields {
		if !have[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		out = append(out, "lacks fields "+strings.Join(missing, ", "))
	} else if len(c.Fields) != len(realtimelog.SortedFields(p.o.Fields)) {
		out = append(out, fmt.Sprintf("%d fields, not %d", len(c.Fields), len(p.o.Fields)))
	}
	for _, ep := range c.EndPoints {
		if k := ep.KinesisStreamConfig; k != nil && aws.ToString(k.StreamARN) != p.streamARN() {
			out = append(out, "stream "+lastSegment(aws.ToString(k.StreamARN)))
		}
	}
	return out
}

// planStream finds the stream or plans its creation.
func (p *planner) planStream(ctx context.Context) (fixplan.Change, error) {
	res := fixplan.Resource{Type: fixplan.TypeStream, ID: p.o.StreamName}
	var out *kinesis.DescribeStreamSummaryOutput
	err := p.retry(ctx, func() error {
		var err error
		out, err = p.kin.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(p.o.StreamName)})
		return err
	})
	if err == nil {
		s := out.StreamDescriptionSummary
		st := &fixplan.Stream{
			Name: p.o.StreamName, Region: p.region, ARN: aws.ToString(s.StreamARN),
			Encryption: string(s.EncryptionType), KeyID: aws.ToString(s.KeyId), Mode: string(types.StreamModeOnDemand),
		}
		if s.StreamModeDetails != nil {
			st.Mode = string(s.StreamModeDetails.StreamMode)
		}
		if st.Mode == string(types.StreamModeProvisioned) {
			st.Shards = int(aws.ToInt32(s.OpenShardCount))
		}
		if s.StreamStatus == types.StreamStatusDeleting {
			return fixplan.Change{}, fmt.Errorf("Kinesis stream %s is being deleted; wait until it is gone or choose another --stream-name", p.o.StreamName)
		}
		res.ARN = st.ARN
		note := fmt.Sprintf("exists (%s, %s); reused as it is", s.StreamStatus, describeStream(st))
		if p.o.NoEncryption == (st.Encryption == "KMS") {
			note += " (cloudassure does not change the encryption of an existing stream)"
		}
		return fixplan.Change{Action: fixplan.Reuse, Resource: res, Summary: note, Stream: st}, nil
	}
	if awserr.Code(err) != "ResourceNotFoundException" {
		return fixplan.Change{}, callErr("kinesis:DescribeStreamSummary", err)
	}
	st := &fixplan.Stream{Name: p.o.StreamName, Region: p.region, ARN: p.streamARN(), Mode: string(types.StreamModeOnDemand), Encryption: "NONE"}
	if p.o.Shards > 0 {
		st.Mode, st.Shards = string(types.StreamModeProvisioned), p.o.Shards
	}
	if !p.o.NoEncryption {
		st.Encryption, st.KeyID = "KMS", AWSManagedKinesisKey
	}
	res.ARN = st.ARN
	return fixplan.Change{Action: fixplan.Create, Resource: res, Summary: describeStream(st) + " in " + p.region, Stream: st}, nil
}

func describeStream(st *fixplan.Stream) string {
	mode := "on-demand"
	if st.Mode == string(types.StreamModeProvisioned) {
		mode = fmt.Sprintf("provisioned with %d shards", st.Shards)
	}
	enc := "not encrypted"
	if st.Encryption == "KMS" {
		enc = "encrypted with " + st.KeyID
	}
	return mode + ", " + enc
}

// planRole finds the role and checks its policies, or plans its creation.
func (p *planner) planRole(ctx context.Context, st *fixplan.Stream) (fixplan.Change, error) {
	r := &fixplan.Role{
		Name: p.o.RoleName, Path: RolePath,
		ARN:         fmt.Sprintf("arn:%s:iam::%s:role%s%s", p.id.partition, p.id.account, RolePath, p.o.RoleName),
		TrustPolicy: TrustPolicy(p.id.account),
		PolicyName:  RolePolicyName,
		Policy:      DeliveryPolicy(p.id.partition, p.id.account, st.ARN, st.KeyID),
	}
	res := fixplan.Resource{Type: fixplan.TypeRole, ID: r.Name}
	var out *iam.GetRoleOutput
	err := p.retry(ctx, func() error {
		var err error
		out, err = p.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
		return err
	})
	if err != nil {
		if awserr.Code(err) != "NoSuchEntity" {
			return fixplan.Change{}, callErr("iam:GetRole", err)
		}
		res.ARN = r.ARN
		return fixplan.Change{Action: fixplan.Create, Resource: res, Role: r,
			Summary: fmt.Sprintf("path %s, assumable only by cloudfront.amazonaws.com for account %s; inline policy %s allows %s on stream %s only",
				RolePath, p.id.account, RolePolicyName, strings.Join(realtimelog.DeliveryActions(), ", "), st.Name)}, nil
	}
	r.ARN, r.Path = aws.ToString(out.Role.Arn), aws.ToString(out.Role.Path)
	res.ARN = r.ARN
	var diff []string
	if !samePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument), r.TrustPolicy) {
		r.UpdateTrust = true
		diff = append(diff, "~ trust policy: only cloudfront.amazonaws.com, for account "+p.id.account)
	}
	var pol *iam.GetRolePolicyOutput
	err = p.retry(ctx, func() error {
		var err error
		pol, err = p.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(RolePolicyName)})
		return err
	})
	switch {
	case err != nil && awserr.Code(err) == "NoSuchEntity":
		r.UpdatePolicy = true
		diff = append(diff, "+ inline policy "+RolePolicyName+": "+strings.Join(realtimelog.DeliveryActions(), ", ")+" on "+st.ARN)
	case err != nil:
		return fixplan.Change{}, callErr("iam:GetRolePolicy", err)
	case !samePolicy(aws.ToString(pol.PolicyDocument), r.Policy):
		r.UpdatePolicy = true
		diff = append(diff, "~ inline policy "+RolePolicyName+": only "+strings.Join(realtimelog.DeliveryActions(), ", ")+" on "+st.ARN)
	}
	var others string
	err = p.retry(ctx, func() error {
		var err error
		others, err = otherPolicies(ctx, p.iam, r.Name)
		return err
	})
	if err != nil {
		return fixplan.Change{}, err
	}
	note := "exists"
	if others != "" {
		note += "; also has " + others + ", left as they are"
	}
	if len(diff) == 0 {
		return fixplan.Change{Action: fixplan.Reuse, Resource: res, Role: r, Summary: note + "; its trust and delivery policies are already least privilege"}, nil
	}
	return fixplan.Change{Action: fixplan.Update, Resource: res, Role: r, Summary: note + "; updated to the least-privilege policies", Diff: strings.Join(diff, "\n")}, nil
}

// otherPolicies names the role's policies other than fix's own.
func otherPolicies(ctx context.Context, c *iam.Client, role string) (string, error) {
	var inline, managed []string
	ip := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	for ip.HasMorePages() {
		page, err := ip.NextPage(ctx)
		if err != nil {
			return "", callErr("iam:ListRolePolicies", err)
		}
		for _, n := range page.PolicyNames {
			if n != RolePolicyName {
				inline = append(inline, n)
			}
		}
	}
	mp := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for mp.HasMorePages() {
		page, err := mp.NextPage(ctx)
		if err != nil {
			return "", callErr("iam:ListAttachedRolePolicies", err)
		}
		for _, ap := range page.AttachedPolicies {
			managed = append(managed, aws.ToString(ap.PolicyName))
		}
	}
	var parts []string
	if len(inline) > 0 {
		parts = append(parts, "inline policies "+strings.Join(inline, ", "))
	}
	if len(managed) > 0 {
		parts = append(parts, "managed policies "+strings.Join(managed, ", "))
	}
	return strings.Join(parts, " and "), nil
}

// judge reads the account through the engine's live source and returns the
// CF-001 verdicts with the caller's identity. A read whose list of
// distributions broke off, or that found no account, is made again
// (ReadRounds in all); then what was listed is planned and the rest is
// reported as not read. Only an account that stays unknown fails the plan.
func (p *planner) judge(ctx context.Context) ([]rules.Verdict, identity, error) {
	cf001 := rules.CF001()
	var res *engine.Result
	for attempt := 0; ; attempt++ {
		res = p.read(ctx, cf001)
		if !retryableJudge(res) || attempt+1 >= ReadRounds || ctx.Err() != nil || !p.pause(ctx, attempt) {
			break
		}
	}
	inv := res.Inventory
	if ctx.Err() != nil {
		return nil, identity{}, fmt.Errorf("reading the account: %w", ctx.Err())
	}
	if inv.Account == "" {
		for _, e := range inv.Errors {
			if e.Operation == "sts:GetCallerIdentity" {
				return nil, identity{}, fmt.Errorf("finding the account (sts:GetCallerIdentity): %w", e)
			}
		}
		if res.ReadErr != nil {
			return nil, identity{}, res.ReadErr
		}
		return nil, identity{}, errors.New("finding the account (sts:GetCallerIdentity): no account in the response")
	}
	if res.ReadErr != nil {
		p.listErr = res.ReadErr // plan what was read; say what was not
	}
	id := identity{account: inv.Account, partition: inv.Partition}
	if id.partition == "" {
		id.partition = "aws"
	}
	return res.Verdicts, id, nil
}

// read is one read of the account, judged with CF-001.
func (p *planner) read(ctx context.Context, cf001 *rules.Rule) *engine.Result {
	src := live.NewSource(live.Options{Config: p.o.Config, DistributionsOnly: true, Progress: func(pr live.Progress) {
		if pr.Stage == "distributions" {
			p.progress("distributions", pr.Done, -1)
		}
	}})
	p.progress("distributions", 0, -1)
	return engine.Run(ctx, src, engine.Options{
		Rules:    []*rules.Rule{cf001},
		Settings: engine.Settings{File: p.o.Settings, IncludeDisabled: p.o.IncludeDisabled},
	})
}

// retryableJudge reports whether a read of the account is worth making
// again: its list of distributions or its identity failed in a way that may
// pass.
func retryableJudge(res *engine.Result) bool {
	if res.ReadErr == nil && res.Inventory.Account != "" {
		return false
	}
	for _, e := range res.Inventory.Errors {
		if (e.Operation == "cloudfront:ListDistributions" || e.Operation == "sts:GetCallerIdentity") && retryableRead(e.Err) {
			return true
		}
	}
	return false
}

// distributions plans each distribution's change from its CF-001 verdict:
// every distribution of the account, or the ones named in the options, in
// the order they were listed.
func (p *planner) distributions(verdicts []rules.Verdict, configARN string) ([]fixplan.Change, error) {
	wanted := map[string]bool{}
	for _, id := range p.o.Distributions {
		wanted[id] = true
	}
	found := map[string]bool{}
	var out []fixplan.Change
	for _, v := range verdicts {
		d := v.Distribution
		if len(wanted) > 0 && !wanted[d.ID] {
			continue
		}
		found[d.ID] = true
		ch := p.planDistribution(viewOf(d), configARN)
		if s := v.Finding.Suppression; s != nil && ch.Action == fixplan.Update {
			ch.Action, ch.Diff = fixplan.None, ""
			ch.Distribution = &fixplan.Distribution{ID: d.ID, ETag: d.ETag, Enabled: ch.Distribution.Enabled, Staging: ch.Distribution.Staging, Skip: fixplan.SkipSuppressed}
			ch.Summary = fmt.Sprintf("skipped: the team accepts its CF-001 finding (%s): %s", s.Source, s.Reason)
		}
		out = append(out, ch)
	}
	var missing []string
	for id := range wanted {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	switch {
	case len(missing) > 0 && p.listErr != nil:
		for _, id := range missing {
			out = append(out, unreadChange(id, fmt.Sprintf("could not be read: %v", p.listErr)))
		}
	case len(missing) > 0:
		return nil, fmt.Errorf("no distribution with ID %s in account %s", strings.Join(missing, ", "), p.id.account)
	case p.listErr != nil && len(wanted) == 0 && len(verdicts) == 0:
		out = append(out, unreadChange("", fmt.Sprintf("the distributions could not be listed: %v", p.listErr)))
	case p.listErr != nil && len(wanted) == 0:
		out = append(out, unreadChange("", fmt.Sprintf("the distributions after the first %d could not be read: %v", len(verdicts), p.listErr)))
	}
	return out, nil
}

// unreadChange is a distribution (or, with no ID, the rest of the list)
// that could not be read: nothing is done to it, and the apply reports it
// failed with the reason.
func unreadChange(id, reason string) fixplan.Change {
	res := fixplan.Resource{Type: fixplan.TypeDistribution, ID: id}
	if id == "" {
		res.Name = "(the distributions not listed)"
	}
	return fixplan.Change{
		Action:       fixplan.None,
		Resource:     res,
		Summary:      "not planned: " + reason,
		Error:        reason,
		Distribution: &fixplan.Distribution{ID: id, Skip: fixplan.SkipUnread},
	}
}

// distView is what planning needs of a distribution.
type distView struct {
	id, arn, comment, etag string
	enabled, staging       bool
	behaviors              []fixplan.Behavior // the default first
	arns                   []string           // each behavior's RealtimeLogConfigArn
}

// viewOf is the planner's view of a distribution the live source read.
func viewOf(d *model.Distribution) distView {
	v := distView{
		id: d.ID, arn: d.ARN, comment: d.Comment, etag: d.ETag,
		enabled: d.Enabled.State == model.Known && d.Enabled.V, staging: d.Staging.State == model.Known && d.Staging.V,
	}
	for _, b := range d.Behaviors {
		v.behaviors = append(v.behaviors, fixplan.Behavior{PathPattern: b.PathPattern, Default: b.Default})
		v.arns = append(v.arns, b.RealtimeLogConfigARN.V)
	}
	return v
}

func (p *planner) planDistribution(v distView, configARN string) fixplan.Change {
	d := &fixplan.Distribution{ID: v.id, ETag: v.etag, Enabled: v.enabled, Staging: v.staging}
	ch := fixplan.Change{
		Action:       fixplan.None,
		Resource:     fixplan.Resource{Type: fixplan.TypeDistribution, ID: d.ID, Name: v.comment, ARN: v.arn},
		Distribution: d,
	}
	behaviors, arns := v.behaviors, v.arns
	var gain []fixplan.Behavior
	var others []string
	for i, b := range behaviors {
		switch arns[i] {
		case configARN:
		case "":
			gain = append(gain, b)
		default:
			if p.o.ReplaceExisting {
				b.From = arns[i]
				gain = append(gain, b)
			} else {
				others = append(others, b.String())
			}
		}
	}
	if len(gain) == 0 {
		d.Skip = fixplan.SkipCompliant
		ch.Summary = "every behavior already sends real-time logs"
		if len(others) > 0 {
			ch.Summary += fmt.Sprintf(" (%d of %d to another config)", len(others), len(behaviors))
		}
		return ch
	}
	if !d.Enabled && !p.o.IncludeDisabled {
		d.Skip = fixplan.SkipDisabled
		ch.Summary = fmt.Sprintf("skipped: disabled (%d of %d behaviors send no real-time logs; --include-disabled fixes disabled distributions too)",
			len(gain), len(behaviors))
		return ch
	}
	otherNote := ""
	if len(others) > 0 {
		verb := "log"
		if len(others) == 1 {
			verb = "logs"
		}
		otherNote = fmt.Sprintf("; %d already %s to another config, kept (--replace-existing replaces it): %s",
			len(others), verb, strings.Join(others, ", "))
	}
	ch.Action = fixplan.Update
	d.ConfigARN = configARN
	d.Behaviors = gain
	ch.Summary = fmt.Sprintf("%d of %d behaviors gain real-time logs%s", len(gain), len(behaviors), otherNote)
	if d.Staging {
		ch.Summary += " (staging distribution)"
	}
	if !d.Enabled {
		ch.Summary += " (disabled)"
	}
	ch.Diff = behaviorDiff(gain, configARN)
	return ch
}

// behaviorDiff is the human diff of behaviors gaining arn.
func behaviorDiff(bs []fixplan.Behavior, arn string) string {
	lines := make([]string, len(bs))
	for i, b := range bs {
		lines[i] = fmt.Sprintf("~ behavior %s: RealtimeLogConfigArn %q → %q", b, b.From, arn)
	}
	return strings.Join(lines, "\n")
}
