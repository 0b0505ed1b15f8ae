// Package live reads a running AWS account into the model: every CloudFront
// distribution and behavior, the real-time log configs, and the Kinesis
// streams and IAM roles those configs deliver through.
package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/arn"
	"github.com/cloudassure/cloudassure/internal/awserr"
	"github.com/cloudassure/cloudassure/internal/iampolicy"
	"github.com/cloudassure/cloudassure/internal/model"
)

// Options configure a read of one account.
type Options struct {
	// Config is the SDK configuration (credentials, region, endpoint, retryer).
	Config aws.Config
	// Concurrency bounds the look-ups in flight per service (streams, and
	// roles, are each looked up Concurrency at a time); default 8.
	Concurrency int
	// PageSize is MaxItems for list calls; default (and CloudFront's maximum) 100.
	PageSize int32
	// Progress, when set, is told what the reader is doing; it is called
	// from several goroutines at once (streams and roles are read together).
	Progress func(Progress)
	// DistributionsOnly reads the account and its distributions and stops
	// there: no real-time log configs, streams or roles (CF-001 needs none).
	DistributionsOnly bool
	// Needs, when set, limits the read to what the rules to be run read
	// (rules.NeedsOf); nil reads everything. Without Needs.Account the
	// account is taken from the distribution ARNs, with no STS call.
	Needs *model.Needs
}

// Progress reports how far a read has come.
type Progress struct {
	Stage string // "distributions", "configs", "streams", "roles"
	Done  int
	Total int // -1 when not known yet
}

// Read reads the account that opts.Config's credentials belong to. It returns
// the inventory read so far together with an error when the read could not
// be completed (no distributions could be listed, or ctx was cancelled).
// Problems with single resources are recorded in the inventory instead.
func Read(ctx context.Context, opts Options) (*model.Inventory, error) {
	r := &reader{
		opts: opts,
		cf:   cloudfront.NewFromConfig(opts.Config),
		iam:  iam.NewFromConfig(opts.Config),
		kin:  map[string]*kinesis.Client{},
		inv: &model.Inventory{
			Source:  "aws",
			Live:    true,
			Configs: map[string]*model.RealtimeLogConfig{},
			Streams: map[string]*model.Stream{},
			Roles:   map[string]*model.Role{},
		},
	}
	if r.opts.Concurrency <= 0 {
		r.opts.Concurrency = 8
	}
	if r.opts.PageSize <= 0 || r.opts.PageSize > 100 {
		r.opts.PageSize = 100
	}
	return r.inv, r.read(ctx)
}

type reader struct {
	opts Options
	cf   *cloudfront.Client
	iam  *iam.Client

	mu  sync.Mutex // guards kin, inv.Errors, inv.Streams, inv.Roles, policyDocs
	kin map[string]*kinesis.Client
	inv *model.Inventory
	// policyDocs caches managed policy documents by ARN across roles.
	policyDocs map[string]string
}

// read reads what the scope needs. Calls that do not depend on each other
// run at once: the identity with the distributions, the streams (Kinesis)
// with the roles (IAM), each service with up to Concurrency calls in flight.
func (r *reader) read(ctx context.Context) error {
	defer r.fillAccount()
	needs := r.scope()
	var wg sync.WaitGroup
	if needs.Account {
		wg.Go(func() { r.identify(ctx) })
	}
	err := r.listDistributions(ctx)
	wg.Wait()
	if err != nil {
		return err
	}
	attached := r.attachedConfigARNs()
	if len(attached) == 0 || !(needs.Configs || needs.Delivery) {
		return ctx.Err()
	}
	r.listConfigs(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	if !needs.Delivery {
		return nil
	}
	streams, roles := r.endpoints(attached)
	wg.Go(func() { _ = r.lookupStreams(ctx, streams) })
	wg.Go(func() { _ = r.lookupRoles(ctx, roles) })
	wg.Wait()
	return ctx.Err()
}

// scope is what this read needs.
func (r *reader) scope() model.Needs {
	switch {
	case r.opts.DistributionsOnly:
		return model.Needs{Account: true}
	case r.opts.Needs != nil:
		return *r.opts.Needs
	}
	return model.AllNeeds()
}

func (r *reader) progress(stage string, done, total int) {
	if r.opts.Progress != nil {
		r.opts.Progress(Progress{Stage: stage, Done: done, Total: total})
	}
}

func (r *reader) recordErr(e *model.ReadError) {
	r.mu.Lock()
	r.inv.Errors = append(r.inv.Errors, e)
	r.mu.Unlock()
}

// identify learns the account ID; a failure is recorded, not fatal.
func (r *reader) identify(ctx context.Context) {
	out, err := sts.NewFromConfig(r.opts.Config).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		r.recordErr(readError("sts:GetCallerIdentity", "", err))
		return
	}
	r.inv.Account = aws.ToString(out.Account)
	if p := strings.SplitN(aws.ToString(out.Arn), ":", 3); len(p) == 3 && p[1] != "" {
		r.inv.Partition = p[1]
	}
}

// fillAccount takes the account from the ARNs read when
// sts:GetCallerIdentity did not give it.
func (r *reader) fillAccount() {
	if r.inv.Account == "" {
		r.inv.Account = accountFromARNs(r.inv)
	}
	if r.inv.Partition == "" && r.inv.Account != "" && len(r.inv.Distributions) > 0 {
		if p := strings.SplitN(r.inv.Distributions[0].ARN, ":", 3); len(p) == 3 && p[1] != "" {
			r.inv.Partition = p[1]
		}
	}
}

// accountFromARNs returns the account ID that every distribution ARN (or,
// without distributions, every real-time log config ARN) of inv names, or ""
// when they name none, several, or something that is not an account ID.
func accountFromARNs(inv *model.Inventory) string {
	var arns []string
	for _, d := range inv.Distributions {
		arns = append(arns, d.ARN)
	}
	if len(arns) == 0 {
		for _, c := range inv.Configs {
			arns = append(arns, c.ARN)
		}
	}
	account := ""
	for _, arn := range arns {
		p := strings.SplitN(arn, ":", 6)
		if len(p) < 6 || p[0] != "arn" || !isAccountID(p[4]) || (account != "" && p[4] != account) {
			return ""
		}
		account = p[4]
	}
	return account
}

// isAccountID reports whether s is a 12-digit AWS account ID.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// listDistributions reads every distribution from the list summaries, which
// carry every behavior's RealtimeLogConfigArn: one call per 100 distributions.
func (r *reader) listDistributions(ctx context.Context) error {
	var marker *string
	r.progress("distributions", 0, -1)
	for {
		out, err := r.cf.ListDistributions(ctx, &cloudfront.ListDistributionsInput{
			Marker:   marker,
			MaxItems: aws.Int32(r.opts.PageSize),
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // the caller reports the interruption
			}
			e := readError("cloudfront:ListDistributions", "", err)
			r.recordErr(e)
			return &recordedError{msg: "listing CloudFront distributions: " + e.Message, rec: e}
		}
		list := out.DistributionList
		if list == nil {
			return errors.New("listing CloudFront distributions: the response has no DistributionList")
		}
		for i := range list.Items {
			r.inv.Distributions = append(r.inv.Distributions, distribution(&list.Items[i]))
		}
		r.progress("distributions", len(r.inv.Distributions), -1)
		if !aws.ToBool(list.IsTruncated) || aws.ToString(list.NextMarker) == "" {
			return nil
		}
		marker = list.NextMarker
	}
}

func distribution(s *cftypes.DistributionSummary) *model.Distribution {
	arn := aws.ToString(s.ARN)
	o := model.Origin{ARN: arn}
	d := &model.Distribution{
		ID:      aws.ToString(s.Id),
		ARN:     arn,
		Type:    "AWS::CloudFront::Distribution",
		Domain:  aws.ToString(s.DomainName),
		Comment: aws.ToString(s.Comment),
		ETag:    aws.ToString(s.ETag),
		Enabled: boolValue(s.Enabled, o),
		Staging: boolValue(s.Staging, o),
	}
	if dcb := s.DefaultCacheBehavior; dcb != nil {
		d.Behaviors = append(d.Behaviors, behavior(model.DefaultPathPattern, true, dcb.RealtimeLogConfigArn, o))
	} else {
		d.Behaviors = append(d.Behaviors, behavior(model.DefaultPathPattern, true, nil, o))
	}
	if cbs := s.CacheBehaviors; cbs != nil {
		for _, cb := range cbs.Items {
			d.Behaviors = append(d.Behaviors, behavior(aws.ToString(cb.PathPattern), false, cb.RealtimeLogConfigArn, o))
		}
	}
	return d
}

func behavior(pattern string, def bool, arn *string, o model.Origin) *model.Behavior {
	b := &model.Behavior{PathPattern: pattern, Default: def}
	if arn == nil || *arn == "" {
		b.RealtimeLogConfigARN = model.AbsentValue[string](o)
		if arn != nil {
			b.RealtimeLogConfigARN = model.KnownValue("", o)
		}
		return b
	}
	b.RealtimeLogConfigARN = model.KnownValue(*arn, o)
	b.ConfigRef = *arn
	return b
}

func boolValue(v *bool, o model.Origin) model.Value[bool] {
	if v == nil {
		return model.AbsentValue[bool](o)
	}
	return model.KnownValue(*v, o)
}

// attachedConfigARNs returns the distinct config ARNs attached anywhere.
func (r *reader) attachedConfigARNs() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range r.inv.Distributions {
		for _, b := range d.Behaviors {
			if b.ConfigRef != "" && !seen[b.ConfigRef] {
				seen[b.ConfigRef] = true
				out = append(out, b.ConfigRef)
			}
		}
	}
	sort.Strings(out)
	return out
}

// listConfigs reads every real-time log config in one paginated pass.
func (r *reader) listConfigs(ctx context.Context) {
	var marker *string
	r.progress("configs", 0, -1)
	for {
		out, err := r.cf.ListRealtimeLogConfigs(ctx, &cloudfront.ListRealtimeLogConfigsInput{
			Marker:   marker,
			MaxItems: aws.Int32(r.opts.PageSize),
		})
		if err != nil {
			e := readError("cloudfront:ListRealtimeLogConfigs", "", err)
			r.inv.ConfigsErr = e
			r.recordErr(e)
			return
		}
		list := out.RealtimeLogConfigs
		if list == nil {
			return
		}
		for i := range list.Items {
			c := realtimeLogConfig(&list.Items[i])
			r.inv.Configs[c.ARN] = c
		}
		r.progress("configs", len(r.inv.Configs), -1)
		if !aws.ToBool(list.IsTruncated) || aws.ToString(list.NextMarker) == "" {
			return
		}
		marker = list.NextMarker
	}
}

func realtimeLogConfig(c *cftypes.RealtimeLogConfig) *model.RealtimeLogConfig {
	arn := aws.ToString(c.ARN)
	o := model.Origin{ARN: arn}
	out := &model.RealtimeLogConfig{
		ARN:    arn,
		Name:   aws.ToString(c.Name),
		Fields: model.KnownValue(append([]string(nil), c.Fields...), o),
	}
	if c.SamplingRate != nil {
		out.SamplingRate = model.KnownValue(int(*c.SamplingRate), o)
	} else {
		out.SamplingRate = model.AbsentValue[int](o)
	}
	for _, ep := range c.EndPoints {
		e := model.Endpoint{StreamType: stringValue(ep.StreamType, o)}
		if k := ep.KinesisStreamConfig; k != nil {
			e.StreamARN = stringValue(k.StreamARN, o)
			e.RoleARN = stringValue(k.RoleARN, o)
		}
		out.Endpoints = append(out.Endpoints, e)
	}
	return out
}

func stringValue(v *string, o model.Origin) model.Value[string] {
	if v == nil || *v == "" {
		return model.AbsentValue[string](o)
	}
	return model.KnownValue(*v, o)
}

// endpoints returns the distinct stream and role ARNs of the attached configs.
func (r *reader) endpoints(attached []string) (streams, roles []string) {
	seenS, seenR := map[string]bool{}, map[string]bool{}
	for _, arn := range attached {
		c, ok := r.inv.Configs[arn]
		if !ok {
			continue
		}
		for _, ep := range c.Endpoints {
			if s := ep.StreamARN; s.State == model.Known && !seenS[s.V] {
				seenS[s.V] = true
				streams = append(streams, s.V)
			}
			if ro := ep.RoleARN; ro.State == model.Known && !seenR[ro.V] {
				seenR[ro.V] = true
				roles = append(roles, ro.V)
			}
		}
	}
	sort.Strings(streams)
	sort.Strings(roles)
	return streams, roles
}

// lookupStreams describes each stream once, in its own region.
func (r *reader) lookupStreams(ctx context.Context, arns []string) error {
	return r.each(ctx, "streams", arns, func(ctx context.Context, arn string) {
		st := r.describeStream(ctx, arn)
		r.mu.Lock()
		r.inv.Streams[arn] = st
		r.mu.Unlock()
	})
}

// each runs look up for every ARN, Concurrency at a time, reporting progress
// under stage. It returns ctx's error once all have finished.
func (r *reader) each(ctx context.Context, stage string, arns []string, lookup func(context.Context, string)) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.Concurrency)
	var mu sync.Mutex
	done := 0
	r.progress(stage, 0, len(arns))
	for _, arn := range arns {
		g.Go(func() error {
			lookup(gctx, arn)
			mu.Lock()
			done++
			n := done
			mu.Unlock()
			r.progress(stage, n, len(arns))
			return nil
		})
	}
	_ = g.Wait()
	return ctx.Err()
}

func (r *reader) describeStream(ctx context.Context, arn string) *model.Stream {
	st := &model.Stream{ARN: arn}
	region, err := arnRegion(arn)
	if err != nil {
		st.Err = &model.ReadError{Operation: "kinesis:DescribeStreamSummary", Resource: arn, Message: err.Error()}
		r.recordErr(st.Err)
		return st
	}
	out, err := r.kinesis(region).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String(arn)})
	if err != nil {
		var nf *kintypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return st
		}
		st.Err = readError("kinesis:DescribeStreamSummary", arn, err)
		r.recordErr(st.Err)
		return st
	}
	s := out.StreamDescriptionSummary
	st.Found = true
	st.Status = string(s.StreamStatus)
	st.Encryption = string(s.EncryptionType)
	st.KeyID = aws.ToString(s.KeyId)
	return st
}

// kinesis returns a client for region, made once.
func (r *reader) kinesis(region string) *kinesis.Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.kin[region]
	if !ok {
		c = kinesis.NewFromConfig(r.opts.Config, func(o *kinesis.Options) { o.Region = region })
		r.kin[region] = c
	}
	return c
}

// lookupRoles reads each role's trust policy and permission policies once.
func (r *reader) lookupRoles(ctx context.Context, arns []string) error {
	return r.each(ctx, "roles", arns, func(ctx context.Context, arn string) {
		role := r.readRole(ctx, arn)
		r.mu.Lock()
		r.inv.Roles[arn] = role
		r.mu.Unlock()
	})
}

func (r *reader) readRole(ctx context.Context, arn string) *model.Role {
	name := roleName(arn)
	role := &model.Role{ARN: arn, Name: name}
	out, err := r.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		var nf *iamtypes.NoSuchEntityException
		if errors.As(err, &nf) {
			return role
		}
		role.Err = readError("iam:GetRole", arn, err)
		r.recordErr(role.Err)
		return role
	}
	role.Found = true
	if out.Role != nil {
		role.TrustPolicy = decodePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument))
	}
	// Inline and managed policies are listed at once; inline ones come first.
	var (
		wg                sync.WaitGroup
		inline, managed   []model.Policy
		inlineErr, mgdErr *model.ReadError
	)
	wg.Go(func() { inline, inlineErr = r.inlinePolicies(ctx, role) })
	wg.Go(func() { managed, mgdErr = r.managedPolicies(ctx, role) })
	wg.Wait()
	role.Policies = append(inline, managed...)
	if err := cmp.Or(inlineErr, mgdErr); err != nil {
		role.PoliciesErr = err
		r.recordErr(err)
	}
	return role
}

func (r *reader) inlinePolicies(ctx context.Context, role *model.Role) ([]model.Policy, *model.ReadError) {
	var pols []model.Policy
	p := iam.NewListRolePoliciesPaginator(r.iam, &iam.ListRolePoliciesInput{RoleName: aws.String(role.Name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, readError("iam:ListRolePolicies", role.ARN, err)
		}
		for _, name := range page.PolicyNames {
			got, err := r.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role.Name), PolicyName: aws.String(name)})
			if err != nil {
				return nil, readError("iam:GetRolePolicy", role.ARN+" policy "+name, err)
			}
			pols = append(pols, model.Policy{Name: name, Document: decodePolicy(aws.ToString(got.PolicyDocument))})
		}
	}
	return pols, nil
}

func (r *reader) managedPolicies(ctx context.Context, role *model.Role) ([]model.Policy, *model.ReadError) {
	var pols []model.Policy
	p := iam.NewListAttachedRolePoliciesPaginator(r.iam, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role.Name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, readError("iam:ListAttachedRolePolicies", role.ARN, err)
		}
		for _, ap := range page.AttachedPolicies {
			arn := aws.ToString(ap.PolicyArn)
			doc, rerr := r.managedPolicy(ctx, arn)
			if rerr != nil {
				return nil, rerr
			}
			pols = append(pols, model.Policy{Name: aws.ToString(ap.PolicyName), ARN: arn, Document: doc})
		}
	}
	return pols, nil
}

// managedPolicy returns the default version's document of a managed policy,
// reading it once per scan.
func (r *reader) managedPolicy(ctx context.Context, arn string) (string, *model.ReadError) {
	r.mu.Lock()
	doc, ok := r.policyDocs[arn]
	r.mu.Unlock()
	if ok {
		return doc, nil
	}
	pol, err := r.iam.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return "", readError("iam:GetPolicy", arn, err)
	}
	ver, err := r.iam.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: pol.Policy.DefaultVersionId})
	if err != nil {
		return "", readError("iam:GetPolicyVersion", arn, err)
	}
	doc = decodePolicy(aws.ToString(ver.PolicyVersion.Document))
	r.mu.Lock()
	if r.policyDocs == nil {
		r.policyDocs = map[string]string{}
	}
	r.policyDocs[arn] = doc
	r.mu.Unlock()
	return doc, nil
}

// decodePolicy undoes the URL encoding IAM applies to policy documents.
func decodePolicy(doc string) string { return iampolicy.Decode(doc) }

// roleName returns the role name at the end of a role ARN (after any path).
func roleName(s string) string { return arn.Name(s) }

// arnRegion returns the region field of an ARN.
func arnRegion(s string) (string, error) {
	a, err := arn.Parse(s)
	if err == nil && a.Region == "" {
		err = fmt.Errorf("%q is not a regional ARN", s)
	}
	return a.Region, err
}

// readError turns an SDK error into a ReadError that names the call, the
// IAM action it needs when access was denied, and the service's own message.
func readError(op, resource string, err error) *model.ReadError {
	e := &model.ReadError{Operation: op, Resource: resource, Message: err.Error(), Err: err}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code = ae.ErrorCode()
		if msg := ae.ErrorMessage(); msg != "" {
			e.Message = e.Code + ": " + msg
		} else {
			e.Message = e.Code
		}
		if isAccessDenied(e.Code) {
			e.Action = op
			e.Message += " (the scan needs the IAM permission " + op + ")"
		}
	}
	if errors.Is(err, context.Canceled) {
		e.Code = "Canceled"
		e.Message = "cancelled"
	}
	return e
}

func isAccessDenied(code string) bool { return awserr.IsAccessDeniedCode(code) }

// recordedError is an error Read returns that the reader also recorded in
// the inventory's Errors (rec): a report lists it once, as rec.
type recordedError struct {
	msg string
	rec *model.ReadError
}

func (e *recordedError) Error() string { return e.msg }
func (e *recordedError) Unwrap() error { return e.rec }
