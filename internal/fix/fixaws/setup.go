package fixaws

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/cloudassure/cloudassure/internal/awserr"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// Setting up the destination: the stream, the role and the config a plan
// creates or changes, in plan order.
//
// Every call has the SDK's attempts and, when those run out on throttling,
// a server error or a broken connection, is made again after a pause
// (SetupRounds in all, the pauses ending with the context). A create made
// again may find what an attempt whose response was lost created:
// ResourceInUseException, EntityAlreadyExists and
// RealtimeLogConfigAlreadyExists are answered by reading the resource and
// using it when it is the one planned, or reporting a conflict (and leaving
// it alone) when it is not. The stream is waited for until ACTIVE, for at
// most StreamWaitTimeout. When a step still fails, the later steps are not
// started, no distribution is changed, and the report's Setup says what
// failed and what of the destination exists.

// setupCallTimeout bounds one set-up call with all of its SDK attempts.
const setupCallTimeout = 2 * time.Minute

// stepError is a set-up step that failed: why, and what of its resource
// exists now.
type stepError struct {
	err error
	// what is the resource ("stream", "role", "config"); left says what of
	// it exists ("was not created", "exists, not encrypted"); exists is set
	// when this run created or changed it, or may have.
	what, left string
	exists     bool
}

func (e *stepError) Error() string {
	msg := e.err.Error()
	var ie *interruptedError
	var re *roundsError
	switch {
	case errors.As(e.err, &ie):
		msg += "; interrupted before it was made again"
	case errors.As(e.err, &re):
		msg += fmt.Sprintf(" (%d rounds, each with the SDK's retries)", re.rounds)
	}
	if e.left != "" {
		msg += "; the " + e.what + " " + e.left
	}
	return msg
}

func (e *stepError) Unwrap() error { return e.err }

// conflict is a resource of the planned name that is not the one planned.
func conflict(kind, what, name, flag string, diffs []string) error {
	return &stepError{what: what, err: fmt.Errorf("conflict: %s %s already exists and is not the one planned (%s); it was left as it is: "+
		"make a new plan (it shows what it would do with it), or choose another %s", kind, name, strings.Join(diffs, "; "), flag)}
}

// notCreated says whether a create that failed may have happened.
func notCreated(err error) (string, bool) {
	if mayHaveWritten(err) {
		return "may have been created (a server error or a timeout): the next plan finds it if it was", true
	}
	return "was not created", false
}

// setupRetryable reports whether a set-up call may pass when made again:
// the SDK's attempts ran out (retryableRead), or the call's own time limit
// ended while the apply goes on.
func setupRetryable(ctx context.Context, err error) bool {
	return retryableRead(err) || (errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil)
}

// interruptedError is a set-up call not made again because ctx ended.
type interruptedError struct{ last error }

func (e *interruptedError) Error() string { return e.last.Error() }

func (e *interruptedError) Unwrap() error { return e.last }

// roundsError is a set-up call that still failed after its rounds.
type roundsError struct {
	last   error
	rounds int
}

func (e *roundsError) Error() string { return e.last.Error() }

func (e *roundsError) Unwrap() error { return e.last }

// call makes one set-up call up to SetupRounds times while it fails in a
// way that may pass. Each attempt is detached from ctx, so that a write is
// never cut in half; the pauses between rounds end with ctx.
func (a *applier) call(ctx context.Context, do func(context.Context) error) error {
	for round := 0; ; round++ {
		wctx, cancel := detached(ctx, setupCallTimeout)
		err := do(wctx)
		cancel()
		if err == nil || !setupRetryable(ctx, err) {
			return err
		}
		if round+1 >= SetupRounds {
			return &roundsError{last: err, rounds: SetupRounds}
		}
		if ctx.Err() != nil || !pauseRead(ctx, a.o.readBackoff, round) {
			return &interruptedError{last: err}
		}
	}
}

// destination creates or updates the stream, role and config of the plan,
// in plan order. It returns the first failure; the steps after it are
// reported as not started, and rep.Setup says what exists.
func (a *applier) destination(ctx context.Context, p *fixplan.Plan, rep *Result) error {
	var failed error
	var note *SetupNote
	exists := []string{}
	for _, ch := range p.Changes {
		if ch.Distribution != nil || (ch.Stream == nil && ch.Role == nil && ch.Config == nil) {
			continue
		}
		res := ResourceResult{Type: ch.Resource.Type, ID: ch.Resource.ID, ARN: ch.Resource.ARN, Planned: ch.Action}
		switch {
		case failed != nil:
			res.Status, res.Detail = ResourceNotStarted, "not started: an earlier step failed"
		case ctx.Err() != nil:
			res.Status, res.Detail = ResourceNotStarted, "not started: interrupted"
			failed = ctx.Err()
			note = &SetupNote{Failed: fmt.Sprintf("%s %s: not started: interrupted", resourceKind(res.Type), res.ID)}
		default:
			a.progress("destination", 0, -1)
			var err error
			switch {
			case ch.Stream != nil:
				err = a.stream(ctx, ch, &res)
			case ch.Role != nil:
				err = a.role(ctx, ch, &res)
			case ch.Config != nil:
				err = a.config(ctx, ch, &res)
			}
			var se *stepError
			switch {
			case err == nil && (res.Status == ResourceCreated || res.Status == ResourceUpdated || (res.Planned == fixplan.Create && res.Status == ResourceReused)):
				exists = append(exists, fmt.Sprintf("%s %s (%s)", resourceKind(res.Type), res.ID, res.Status))
			case err != nil:
				res.Status, res.Detail, failed = ResourceFailed, err.Error(), err
				note = &SetupNote{Failed: fmt.Sprintf("%s %s: %s", resourceKind(res.Type), res.ID, res.Detail)}
				if errors.As(err, &se) && se.exists {
					exists = append(exists, fmt.Sprintf("%s %s (%s)", resourceKind(res.Type), res.ID, se.left))
				}
			}
		}
		rep.Resources = append(rep.Resources, res)
	}
	if note != nil {
		note.Exists = exists
		rep.Setup = note
	}
	return failed
}

// resourceKind names a resource type for people.
func resourceKind(typ string) string {
	switch typ {
	case fixplan.TypeStream:
		return "Kinesis stream"
	case fixplan.TypeRole:
		return "IAM role"
	case fixplan.TypeConfig:
		return "real-time log config"
	}
	return typ
}

// foundNote says where a resource that a create found already there came from.
const foundNote = "already existed as planned (made by an attempt whose response was lost, or since the plan)"

func (a *applier) stream(ctx context.Context, ch fixplan.Change, res *ResourceResult) error {
	st := ch.Stream
	if ch.Action != fixplan.Create {
		res.Status, res.Detail = ResourceReused, "exists; used as it is"
		return nil
	}
	kin := a.kinesis(st.Region)
	in := &kinesis.CreateStreamInput{
		StreamName:        aws.String(st.Name),
		StreamModeDetails: &kintypes.StreamModeDetails{StreamMode: kintypes.StreamMode(st.Mode)},
	}
	if st.Mode == string(kintypes.StreamModeProvisioned) {
		in.ShardCount = aws.Int32(int32(st.Shards))
	}
	err := a.call(ctx, func(c context.Context) error { _, err := kin.CreateStream(c, in); return err })
	found := false
	switch {
	case err == nil:
	case awserr.Code(err) == "ResourceInUseException":
		s, rerr := a.readStream(ctx, st)
		if rerr != nil {
			return &stepError{err: fmt.Errorf("a stream of that name exists, but %w", rerr), what: "stream", left: "was left as it is"}
		}
		if diffs := streamDifferences(st, s); len(diffs) > 0 {
			return conflict("Kinesis stream", "stream", st.Name, "--stream-name", diffs)
		}
		found = true
		if st.Encryption != "KMS" || encryptedAs(s, st) {
			res.Status, res.Detail = ResourceReused, foundNote+": "+describeStream(st)
			return nil
		}
	default:
		left, maybe := notCreated(err)
		return &stepError{err: callErr("kinesis:CreateStream", err), what: "stream", left: left, exists: maybe}
	}
	a.streamCreated = true
	res.Status, res.Detail = ResourceCreated, describeStream(st)
	if found {
		res.Detail = "found created, not yet encrypted (an attempt whose response was lost, or since the plan); then " + describeStream(st)
	}
	if st.Encryption != "KMS" {
		return nil
	}
	s, err := a.waitStream(ctx, st.Region, st.Name)
	if err != nil {
		return &stepError{err: err, what: "stream", left: "exists, not encrypted yet", exists: true}
	}
	if encryptedAs(s, st) {
		return nil
	}
	err = a.call(ctx, func(c context.Context) error {
		_, err := kin.StartStreamEncryption(c, &kinesis.StartStreamEncryptionInput{
			StreamName: aws.String(st.Name), EncryptionType: kintypes.EncryptionTypeKms, KeyId: aws.String(st.KeyID),
		})
		return err
	})
	if err != nil {
		// An attempt whose response was lost may have started it (the
		// next one then finds the stream UPDATING: ResourceInUseException).
		if s, rerr := a.readStream(ctx, st); rerr == nil && encryptedAs(s, st) {
			return nil
		}
		return &stepError{err: callErr("kinesis:StartStreamEncryption", err), what: "stream", left: "exists, not encrypted", exists: true}
	}
	return nil
}

// readStream reads the stream's summary, with the set-up's rounds.
func (a *applier) readStream(ctx context.Context, st *fixplan.Stream) (*kintypes.StreamDescriptionSummary, error) {
	var out *kinesis.DescribeStreamSummaryOutput
	err := a.call(ctx, func(c context.Context) error {
		var err error
		out, err = a.kinesis(st.Region).DescribeStreamSummary(c, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(st.Name)})
		return err
	})
	if err != nil {
		return nil, callErr("kinesis:DescribeStreamSummary", err)
	}
	return out.StreamDescriptionSummary, nil
}

// encryptedAs reports whether the stream is encrypted as planned.
func encryptedAs(s *kintypes.StreamDescriptionSummary, st *fixplan.Stream) bool {
	return s.EncryptionType == kintypes.EncryptionTypeKms && aws.ToString(s.KeyId) == st.KeyID
}

// streamDifferences lists how an existing stream differs from the planned
// one, in what a create would have set (not yet being encrypted is not a
// difference: the set-up encrypts it next).
func streamDifferences(st *fixplan.Stream, s *kintypes.StreamDescriptionSummary) []string {
	var out []string
	if s.StreamStatus == kintypes.StreamStatusDeleting {
		out = append(out, "it is being deleted")
	}
	if arn := aws.ToString(s.StreamARN); arn != "" && arn != st.ARN {
		out = append(out, "it is "+arn+", not "+st.ARN)
	}
	have := &fixplan.Stream{Mode: string(kintypes.StreamModeProvisioned), Shards: int(aws.ToInt32(s.OpenShardCount)), Encryption: string(s.EncryptionType), KeyID: aws.ToString(s.KeyId)}
	if s.StreamModeDetails != nil {
		have.Mode = string(s.StreamModeDetails.StreamMode)
	}
	shardsKnown := s.StreamStatus == kintypes.StreamStatusActive || have.Shards > 0
	if have.Mode != st.Mode || (st.Mode == string(kintypes.StreamModeProvisioned) && shardsKnown && have.Shards != st.Shards) {
		out = append(out, strings.SplitN(describeStream(have), ", ", 2)[0]+", not "+strings.SplitN(describeStream(st), ", ", 2)[0])
	}
	if have.Encryption == "KMS" && (st.Encryption != "KMS" || have.KeyID != st.KeyID) {
		want := "not encrypted"
		if st.Encryption == "KMS" {
			want = "encrypted with " + st.KeyID
		}
		out = append(out, "encrypted with "+have.KeyID+", not "+want)
	}
	return out
}

// waitStream waits until the stream is ACTIVE, reading its summary from
// StreamWaitMinDelay apart, doubling up to StreamWaitMaxDelay, for at most
// StreamWaitTimeout. A read that fails in a way that may pass is made again
// at the next poll, and so is one that does not find a stream this run just
// created (Kinesis may not show it at once).
func (a *applier) waitStream(ctx context.Context, region, name string) (*kintypes.StreamDescriptionSummary, error) {
	kin := a.kinesis(region)
	wctx, cancel := context.WithTimeout(ctx, a.o.StreamWaitTimeout)
	defer cancel()
	delay := a.o.StreamWaitMinDelay
	last := "it was not read"
	for {
		out, err := kin.DescribeStreamSummary(wctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		switch {
		case err == nil:
			s := out.StreamDescriptionSummary
			switch s.StreamStatus {
			case kintypes.StreamStatusActive:
				return s, nil
			case kintypes.StreamStatusDeleting:
				return nil, fmt.Errorf("Kinesis stream %s is being deleted", name)
			}
			last = "it is " + string(s.StreamStatus)
		case wctx.Err() != nil:
		case awserr.Code(err) == "ResourceNotFoundException" && a.streamCreated:
			last = "it is not found yet"
		case retryableRead(err):
			last = "the last read failed: " + callErr("kinesis:DescribeStreamSummary", err).Error()
		default:
			return nil, callErr("kinesis:DescribeStreamSummary", err)
		}
		t := time.NewTimer(delay)
		select {
		case <-wctx.Done():
			t.Stop()
			if ctx.Err() != nil {
				return nil, fmt.Errorf("waiting for Kinesis stream %s to become ACTIVE: interrupted (%s)", name, last)
			}
			return nil, fmt.Errorf("Kinesis stream %s is not ACTIVE after %s: %s", name, a.o.StreamWaitTimeout, last)
		case <-t.C:
		}
		delay = min(2*delay, a.o.StreamWaitMaxDelay)
	}
}

func (a *applier) role(ctx context.Context, ch fixplan.Change, res *ResourceResult) error {
	r := ch.Role
	updateTrust, updatePolicy := r.UpdateTrust, r.UpdatePolicy
	var did []string
	switch ch.Action {
	case fixplan.Reuse:
		res.Status, res.Detail = ResourceReused, "exists with the least-privilege policies"
		return nil
	case fixplan.Create:
		err := a.call(ctx, func(c context.Context) error {
			_, err := a.iam.CreateRole(c, &iam.CreateRoleInput{
				RoleName: aws.String(r.Name), Path: aws.String(r.Path), AssumeRolePolicyDocument: aws.String(r.TrustPolicy),
				Description: aws.String("Lets CloudFront deliver real-time logs to Kinesis (created by cloudassure fix aws)"),
			})
			return err
		})
		switch {
		case err == nil:
		case awserr.Code(err) == "EntityAlreadyExists":
			policy, diffs, rerr := a.readRole(ctx, r)
			if rerr != nil {
				return &stepError{err: fmt.Errorf("a role of that name exists, but %w", rerr), what: "role", left: "was left as it is"}
			}
			if len(diffs) > 0 {
				return conflict("IAM role", "role", r.Name, "--role-name", diffs)
			}
			a.roleChanged = true // it may be only seconds old
			if policy {
				res.Status, res.Detail = ResourceReused, foundNote+", with its trust and inline policies"
				return nil
			}
			did = append(did, "found created with the planned trust policy (an attempt whose response was lost, or since the plan)")
		default:
			left, maybe := notCreated(err)
			return &stepError{err: callErr("iam:CreateRole", err), what: "role", left: left, exists: maybe}
		}
		res.Status, updatePolicy = ResourceCreated, true
	default:
		res.Status = ResourceUpdated
	}
	a.roleChanged = true
	if updateTrust {
		err := a.call(ctx, func(c context.Context) error {
			_, err := a.iam.UpdateAssumeRolePolicy(c, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(r.Name), PolicyDocument: aws.String(r.TrustPolicy)})
			return err
		})
		if err != nil {
			return &stepError{err: callErr("iam:UpdateAssumeRolePolicy", err), what: "role", left: "is as it was"}
		}
		did = append(did, "trust policy set")
	}
	if updatePolicy {
		err := a.call(ctx, func(c context.Context) error {
			_, err := a.iam.PutRolePolicy(c, &iam.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(r.PolicyName), PolicyDocument: aws.String(r.Policy)})
			return err
		})
		if err != nil {
			se := &stepError{err: callErr("iam:PutRolePolicy", err), what: "role", left: "exists without its inline policy " + r.PolicyName, exists: true}
			switch {
			case ch.Action != fixplan.Create && updateTrust:
				se.left = "has its trust policy set, its inline policy " + r.PolicyName + " as it was"
			case ch.Action != fixplan.Create:
				se.left, se.exists = "is as it was", false
			}
			return se
		}
		did = append(did, "inline policy "+r.PolicyName+" set")
	}
	res.Detail = strings.Join(did, ", ")
	return nil
}

// readRole reads an existing role of the planned name and tells whether it
// already has the planned inline policy, and how it differs from the role
// the plan would have created (a missing inline policy is no difference:
// the set-up puts it next).
func (a *applier) readRole(ctx context.Context, r *fixplan.Role) (policy bool, diffs []string, err error) {
	var out *iam.GetRoleOutput
	if err := a.call(ctx, func(c context.Context) error {
		var err error
		out, err = a.iam.GetRole(c, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
		return err
	}); err != nil {
		return false, nil, callErr("iam:GetRole", err)
	}
	if arn := aws.ToString(out.Role.Arn); arn != r.ARN {
		diffs = append(diffs, "it is "+arn+", not "+r.ARN)
	}
	if !samePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument), r.TrustPolicy) {
		diffs = append(diffs, "its trust policy is not the planned one (only cloudfront.amazonaws.com, for this account)")
	}
	var pol *iam.GetRolePolicyOutput
	err = a.call(ctx, func(c context.Context) error {
		var err error
		pol, err = a.iam.GetRolePolicy(c, &iam.GetRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(r.PolicyName)})
		return err
	})
	switch {
	case awserr.Code(err) == "NoSuchEntity":
	case err != nil:
		return false, nil, callErr("iam:GetRolePolicy", err)
	case samePolicy(aws.ToString(pol.PolicyDocument), r.Policy):
		policy = true
	default:
		diffs = append(diffs, "its inline policy "+r.PolicyName+" is not the planned one")
	}
	var others string
	if err := a.call(ctx, func(c context.Context) error {
		var err error
		others, err = otherPolicies(c, a.iam, r.Name)
		return err
	}); err != nil {
		return false, nil, err
	}
	if others != "" {
		diffs = append(diffs, "it also has "+others)
	}
	return policy, diffs, nil
}

func (a *applier) config(ctx context.Context, ch fixplan.Change, res *ResourceResult) error {
	c := ch.Config
	if ch.Action != fixplan.Create {
		res.Status, res.Detail = ResourceReused, "exists; used as it is"
		return nil
	}
	if _, err := a.waitStream(ctx, arnRegion(c.StreamARN), lastSegment(c.StreamARN)); err != nil {
		return &stepError{err: err, what: "config", left: "was not created"}
	}
	in := &cloudfront.CreateRealtimeLogConfigInput{
		Name: aws.String(c.Name), SamplingRate: aws.Int64(int64(c.SamplingRate)), Fields: c.Fields,
		EndPoints: []cftypes.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &cftypes.KinesisStreamConfig{
			StreamARN: aws.String(c.StreamARN), RoleARN: aws.String(c.RoleARN),
		}}},
	}
	deadline := a.o.Now().Add(a.o.RolePropagation)
	for {
		var out *cloudfront.CreateRealtimeLogConfigOutput
		err := a.call(ctx, func(cc context.Context) error {
			var err error
			out, err = a.cf.CreateRealtimeLogConfig(cc, in)
			return err
		})
		switch {
		case err == nil:
			res.Status, res.ARN = ResourceCreated, aws.ToString(out.RealtimeLogConfig.ARN)
			res.Detail = fmt.Sprintf("sampling %d %%, %d fields", c.SamplingRate, len(c.Fields))
			return nil
		case awserr.Code(err) == "RealtimeLogConfigAlreadyExists":
			got, rerr := a.readConfig(ctx, c.Name)
			if rerr != nil {
				return &stepError{err: fmt.Errorf("a config of that name exists, but %w", rerr), what: "config", left: "was left as it is"}
			}
			if diffs := configDifferences(c, got); len(diffs) > 0 {
				return conflict("real-time log config", "config", c.Name, "--config-name", diffs)
			}
			res.Status, res.ARN = ResourceReused, aws.ToString(got.ARN)
			res.Detail = fmt.Sprintf("%s: sampling %d %%, %d fields", foundNote, c.SamplingRate, len(c.Fields))
			return nil
		case awserr.Code(err) == "InvalidArgument" && a.roleChanged && a.o.Now().Before(deadline) && ctx.Err() == nil:
			// CloudFront cannot assume the new role until IAM has propagated it.
			t := time.NewTimer(5 * time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return &stepError{err: &interruptedError{last: callErr("cloudfront:CreateRealtimeLogConfig", err)}, what: "config", left: "was not created"}
			case <-t.C:
			}
		default:
			left, maybe := notCreated(err)
			return &stepError{err: callErr("cloudfront:CreateRealtimeLogConfig", err), what: "config", left: left, exists: maybe}
		}
	}
}

// readConfig reads a config by name, with the set-up's rounds.
func (a *applier) readConfig(ctx context.Context, name string) (*cftypes.RealtimeLogConfig, error) {
	var out *cloudfront.GetRealtimeLogConfigOutput
	err := a.call(ctx, func(c context.Context) error {
		var err error
		out, err = a.cf.GetRealtimeLogConfig(c, &cloudfront.GetRealtimeLogConfigInput{Name: aws.String(name)})
		return err
	})
	if err != nil {
		return nil, callErr("cloudfront:GetRealtimeLogConfig", err)
	}
	return out.RealtimeLogConfig, nil
}

// configDifferences lists how an existing config differs from the planned one.
func configDifferences(c *fixplan.RealtimeLogConfig, got *cftypes.RealtimeLogConfig) []string {
	var out []string
	if arn := aws.ToString(got.ARN); arn != c.ARN {
		out = append(out, "it is "+arn+", not "+c.ARN)
	}
	if rate := int(aws.ToInt64(got.SamplingRate)); rate != c.SamplingRate {
		out = append(out, fmt.Sprintf("sampling rate %d, not %d", rate, c.SamplingRate))
	}
	have, want := slices.Sorted(slices.Values(got.Fields)), slices.Sorted(slices.Values(c.Fields))
	if !slices.Equal(have, want) {
		var missing, extra []string
		for _, f := range want {
			if !slices.Contains(have, f) {
				missing = append(missing, f)
			}
		}
		for _, f := range have {
			if !slices.Contains(want, f) {
				extra = append(extra, f)
			}
		}
		d := "other fields"
		if len(missing) > 0 {
			d += ": lacks " + strings.Join(missing, ", ")
		}
		if len(extra) > 0 {
			d += ": also has " + strings.Join(extra, ", ")
		}
		out = append(out, d)
	}
	var stream, role string
	for _, ep := range got.EndPoints {
		if k := ep.KinesisStreamConfig; k != nil {
			stream, role = aws.ToString(k.StreamARN), aws.ToString(k.RoleARN)
			break
		}
	}
	if stream != c.StreamARN {
		out = append(out, "stream "+stream+", not "+c.StreamARN)
	}
	if role != c.RoleARN {
		out = append(out, "role "+role+", not "+c.RoleARN)
	}
	return out
}
