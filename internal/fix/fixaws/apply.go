package fixaws

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
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

// ApplyOptions configure Apply.
type ApplyOptions struct {
	Config aws.Config
	// Concurrency bounds the distributions updated at once; default 4.
	Concurrency int
	// BackupRoot is where backups go, under <account>/; default
	// DefaultBackupRoot (~/.cloudassure/backups).
	BackupRoot string
	// Wait waits, after the updates, until every fixed distribution is
	// Deployed again, for at most WaitTimeout (default 30 minutes).
	Wait        bool
	WaitTimeout time.Duration
	// WaitMinDelay and WaitMaxDelay tune the Deployed waiter's polling
	// (defaults: the SDK's, 60 s to 35 min).
	WaitMinDelay, WaitMaxDelay time.Duration
	// StreamWaitTimeout bounds the wait for a new stream to become ACTIVE
	// (default 5 minutes); StreamWaitMinDelay and StreamWaitMaxDelay tune
	// its polling (defaults 2 s and 20 s).
	StreamWaitTimeout                      time.Duration
	StreamWaitMinDelay, StreamWaitMaxDelay time.Duration
	// RolePropagation is how long CreateRealtimeLogConfig is retried while
	// CloudFront cannot yet assume a role that was just created or changed
	// (IAM is eventually consistent); default 60 s, polled every 5 s.
	RolePropagation time.Duration
	// UpdateTimeout bounds the work on one distribution once it started;
	// default 5 minutes. Cancelling ctx does not cut it short.
	UpdateTimeout time.Duration
	Progress      func(Progress)
	Now           func() time.Time

	// readBackoff replaces the pause before a throttled read or refused
	// update is tried again (tests); nil means readBackoff.
	readBackoff func(attempt int) time.Duration
}

func (o *ApplyOptions) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = 30 * time.Minute
	}
	if o.StreamWaitTimeout <= 0 {
		o.StreamWaitTimeout = 5 * time.Minute
	}
	if o.StreamWaitMinDelay <= 0 {
		o.StreamWaitMinDelay = 2 * time.Second
	}
	if o.StreamWaitMaxDelay < o.StreamWaitMinDelay {
		o.StreamWaitMaxDelay = max(20*time.Second, o.StreamWaitMinDelay)
	}
	if o.RolePropagation <= 0 {
		o.RolePropagation = 60 * time.Second
	}
	if o.UpdateTimeout <= 0 {
		o.UpdateTimeout = 5 * time.Minute
	}
	o.Now = nowFunc(o.Now)
}

// Apply carries out a plan made by MakePlan (now or earlier, perhaps
// loaded from a file): it creates or updates the stream, role and config
// the plan names, then changes each planned distribution, re-reading it
// first so that only the planned behaviors that still lack a config get
// one. Every config is backed up before it is changed. One distribution
// failing does not stop the others. When ctx is cancelled, updates in
// flight are finished and no new one is started.
//
// The error is for a plan that cannot be applied at all (wrong kind or
// account); everything else is in the report.
func Apply(ctx context.Context, p *fixplan.Plan, o ApplyOptions) (*Result, error) {
	o.defaults()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := CheckPlan(p); err != nil {
		return nil, fmt.Errorf("refusing the plan: %w; make a new plan", err)
	}
	id, err := callerIdentity(ctx, o.Config, o.readBackoff)
	if err != nil {
		return nil, err
	}
	if p.Account != id.account {
		return nil, fmt.Errorf("the plan is for account %s, but the credentials are of account %s", p.Account, id.account)
	}
	a := &applier{o: o, id: id, cf: cloudfront.NewFromConfig(o.Config), iam: iam.NewFromConfig(o.Config), kin: map[string]*kinesis.Client{}}
	rep := &Result{Kind: fixplan.KindAWS, Account: id.account, StartedAt: o.Now().UTC(), Resources: []ResourceResult{}, Distributions: []DistributionResult{}}
	destErr := a.destination(ctx, p, rep)
	a.distributions(ctx, p, rep, destErr)
	if o.Wait {
		a.wait(ctx, rep)
	}
	rep.Interrupted = ctx.Err() != nil
	rep.FinishedAt = o.Now().UTC()
	rep.Summarize()
	return rep, nil
}

type applier struct {
	o   ApplyOptions
	id  identity
	cf  *cloudfront.Client
	iam *iam.Client

	mu  sync.Mutex
	kin map[string]*kinesis.Client
	// roleChanged is set when this apply created or changed the role, so
	// that a config creation waits for IAM to propagate it.
	roleChanged bool
}

func (a *applier) progress(stage string, done, total int) {
	if a.o.Progress != nil {
		a.o.Progress(Progress{Stage: stage, Done: done, Total: total})
	}
}

func (a *applier) kinesis(region string) *kinesis.Client {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.kin[region]
	if !ok {
		c = kinesis.NewFromConfig(a.o.Config, func(ko *kinesis.Options) { ko.Region = region })
		a.kin[region] = c
	}
	return c
}

// detached returns a context for work that must not be cut short when ctx
// is cancelled (a write already started): it ignores ctx's cancellation
// and ends after timeout.
func detached(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}

// destination creates or updates the stream, role and config of the plan,
// in plan order. It returns the first failure; the steps after it are
// reported as not started.
func (a *applier) destination(ctx context.Context, p *fixplan.Plan, rep *Result) error {
	var failed error
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
			if err != nil {
				res.Status, res.Detail, failed = ResourceFailed, err.Error(), err
			}
		}
		rep.Resources = append(rep.Resources, res)
	}
	return failed
}

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
	wctx, cancel := detached(ctx, time.Minute)
	_, err := kin.CreateStream(wctx, in)
	cancel()
	res.Status, res.Detail = ResourceCreated, describeStream(st)
	if err != nil {
		if awserr.Code(err) != "ResourceInUseException" {
			return callErr("kinesis:CreateStream", err)
		}
		// Created since the plan was made (by an earlier, interrupted apply):
		// found and used, never duplicated.
		res.Status, res.Detail = ResourceReused, "already existed; used as it is"
		return nil
	}
	if st.Encryption != "KMS" {
		return nil
	}
	if err := a.waitStream(ctx, st.Region, st.Name); err != nil {
		return err
	}
	wctx, cancel = detached(ctx, time.Minute)
	defer cancel()
	if _, err := kin.StartStreamEncryption(wctx, &kinesis.StartStreamEncryptionInput{
		StreamName: aws.String(st.Name), EncryptionType: kintypes.EncryptionTypeKms, KeyId: aws.String(st.KeyID),
	}); err != nil {
		return fmt.Errorf("%w (the stream was created unencrypted)", callErr("kinesis:StartStreamEncryption", err))
	}
	return nil
}

// waitStream waits until the stream is ACTIVE.
func (a *applier) waitStream(ctx context.Context, region, name string) error {
	w := kinesis.NewStreamExistsWaiter(a.kinesis(region), func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = a.o.StreamWaitMinDelay, a.o.StreamWaitMaxDelay
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, a.o.StreamWaitTimeout); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("waiting for stream %s to become ACTIVE: interrupted", name)
		}
		return fmt.Errorf("waiting for stream %s to become ACTIVE (at most %s): %w", name, a.o.StreamWaitTimeout, err)
	}
	return nil
}

func (a *applier) role(ctx context.Context, ch fixplan.Change, res *ResourceResult) error {
	r := ch.Role
	wctx, cancel := detached(ctx, 2*time.Minute)
	defer cancel()
	updateTrust, updatePolicy := r.UpdateTrust, r.UpdatePolicy
	switch ch.Action {
	case fixplan.Reuse:
		res.Status, res.Detail = ResourceReused, "exists with the least-privilege policies"
		return nil
	case fixplan.Create:
		_, err := a.iam.CreateRole(wctx, &iam.CreateRoleInput{
			RoleName: aws.String(r.Name), Path: aws.String(r.Path), AssumeRolePolicyDocument: aws.String(r.TrustPolicy),
			Description: aws.String("Lets CloudFront deliver real-time logs to Kinesis (created by cloudassure fix aws)"),
		})
		res.Status, updatePolicy = ResourceCreated, true
		if awserr.Code(err) == "EntityAlreadyExists" {
			// Created since the plan was made: check it as a plan would.
			res.Status = ResourceUpdated
			if updateTrust, updatePolicy, err = a.roleDrift(wctx, r); err != nil {
				return err
			}
			if !updateTrust && !updatePolicy {
				res.Status, res.Detail = ResourceReused, "already existed with the least-privilege policies"
				a.roleChanged = true // it may be only seconds old
				return nil
			}
		} else if err != nil {
			return callErr("iam:CreateRole", err)
		}
	default:
		res.Status = ResourceUpdated
	}
	a.roleChanged = true
	var did []string
	if updateTrust {
		if _, err := a.iam.UpdateAssumeRolePolicy(wctx, &iam.UpdateAssumeRolePolicyInput{
			RoleName: aws.String(r.Name), PolicyDocument: aws.String(r.TrustPolicy),
		}); err != nil {
			return callErr("iam:UpdateAssumeRolePolicy", err)
		}
		did = append(did, "trust policy set")
	}
	if updatePolicy {
		if _, err := a.iam.PutRolePolicy(wctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(r.Name), PolicyName: aws.String(r.PolicyName), PolicyDocument: aws.String(r.Policy),
		}); err != nil {
			return callErr("iam:PutRolePolicy", err)
		}
		did = append(did, "inline policy "+r.PolicyName+" set")
	}
	res.Detail = strings.Join(did, ", ")
	return nil
}

// roleDrift reads an existing role and tells which of its two documents
// differ from the planned ones.
func (a *applier) roleDrift(ctx context.Context, r *fixplan.Role) (trust, policy bool, err error) {
	out, err := a.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Name)})
	if err != nil {
		return false, false, callErr("iam:GetRole", err)
	}
	if arn := aws.ToString(out.Role.Arn); arn != r.ARN {
		return false, false, fmt.Errorf("role %s exists as %s, not %s as planned; make a new plan", r.Name, arn, r.ARN)
	}
	trust = !samePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument), r.TrustPolicy)
	pol, err := a.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(r.PolicyName)})
	switch {
	case awserr.Code(err) == "NoSuchEntity":
		policy = true
	case err != nil:
		return false, false, callErr("iam:GetRolePolicy", err)
	default:
		policy = !samePolicy(aws.ToString(pol.PolicyDocument), r.Policy)
	}
	return trust, policy, nil
}

func (a *applier) config(ctx context.Context, ch fixplan.Change, res *ResourceResult) error {
	c := ch.Config
	if ch.Action != fixplan.Create {
		res.Status, res.Detail = ResourceReused, "exists; used as it is"
		return nil
	}
	if err := a.waitStream(ctx, arnRegion(c.StreamARN), lastSegment(c.StreamARN)); err != nil {
		return err
	}
	in := &cloudfront.CreateRealtimeLogConfigInput{
		Name: aws.String(c.Name), SamplingRate: aws.Int64(int64(c.SamplingRate)), Fields: c.Fields,
		EndPoints: []cftypes.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &cftypes.KinesisStreamConfig{
			StreamARN: aws.String(c.StreamARN), RoleARN: aws.String(c.RoleARN),
		}}},
	}
	deadline := a.o.Now().Add(a.o.RolePropagation)
	for {
		wctx, cancel := detached(ctx, time.Minute)
		out, err := a.cf.CreateRealtimeLogConfig(wctx, in)
		cancel()
		switch {
		case err == nil:
			res.Status, res.ARN = ResourceCreated, aws.ToString(out.RealtimeLogConfig.ARN)
			res.Detail = fmt.Sprintf("sampling %d %%, %d fields", c.SamplingRate, len(c.Fields))
			return nil
		case awserr.Code(err) == "RealtimeLogConfigAlreadyExists":
			res.Status, res.Detail = ResourceReused, "already existed; used as it is"
			return nil
		case awserr.Code(err) == "InvalidArgument" && a.roleChanged && a.o.Now().Before(deadline) && ctx.Err() == nil:
			// CloudFront cannot assume the new role until IAM has propagated it.
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
		default:
			return callErr("cloudfront:CreateRealtimeLogConfig", err)
		}
	}
}

// distributions fixes every planned distribution, Concurrency at a time.
func (a *applier) distributions(ctx context.Context, p *fixplan.Plan, rep *Result, destErr error) {
	var todo []int // indexes into results and changes
	results := make([]DistributionResult, 0, len(p.Changes))
	var changes []fixplan.Change
	for _, ch := range p.Changes {
		d := ch.Distribution
		if d == nil {
			continue
		}
		r := DistributionResult{ID: d.ID, Name: ch.Resource.Name}
		switch {
		case ch.Action != fixplan.Update && (d.Skip == fixplan.SkipUnread || d.Skip == fixplan.SkipDestination):
			r.Status, r.Reason = StatusFailed, ch.Error
		case ch.Action != fixplan.Update:
			r.Status, r.Reason = StatusSkipped, ch.Summary
			if d.Skip == fixplan.SkipCompliant {
				r.Status = StatusUnchanged
			}
		case destErr != nil:
			r.Status, r.Reason = StatusNotStarted, "not attempted: the real-time log config could not be set up (see above)"
			if ctx.Err() == nil {
				r.Status = StatusFailed
			}
		default:
			todo = append(todo, len(results))
		}
		results = append(results, r)
		changes = append(changes, ch)
	}
	if len(todo) > 0 && destErr == nil {
		dir, err := backupDir(a.o.BackupRoot, a.id.account)
		run := stamp(a.o.Now())
		var next, done atomic.Int64
		var wg sync.WaitGroup
		a.progress("updating", 0, len(todo))
		for range min(a.o.Concurrency, len(todo)) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil { // never start a distribution after a cancel
					i := int(next.Add(1) - 1)
					if i >= len(todo) {
						return
					}
					k := todo[i]
					ch := changes[k]
					path, perr := backupPath(dir, ch.Distribution.ID, run)
					switch {
					case err != nil:
						results[k].Status, results[k].Reason = StatusFailed, err.Error()
					case perr != nil:
						results[k].Status, results[k].Reason = StatusFailed, perr.Error()+"; the distribution was not changed"
					default:
						results[k] = a.fixOne(ctx, ch, path)
					}
					a.progress("updating", int(done.Add(1)), len(todo))
				}
			}()
		}
		wg.Wait()
		for _, k := range todo {
			if results[k].Status == "" {
				results[k].Status, results[k].Reason = StatusNotStarted, "not started: interrupted"
			}
		}
	}
	rep.Distributions = results
}

// fixOne gives the planned behaviors of one distribution the config. It
// fetches the config, sets the ARNs, checks that nothing else changes,
// writes the backup and sends the update with If-Match; when someone else
// changed the distribution in between (PreconditionFailed), it starts over
// from a fresh read, so their change is kept. An update whose response was
// lost (a 5xx or a timeout after CloudFront wrote it) is recognised by a
// re-read that shows the sent config; a backup of an update that did not
// happen is removed.
func (a *applier) fixOne(ctx context.Context, ch fixplan.Change, backupPath string) DistributionResult {
	d := ch.Distribution
	r := DistributionResult{ID: d.ID, Name: ch.Resource.Name, ConfigARN: d.ConfigARN}
	wctx, cancel := detached(ctx, a.o.UpdateTimeout)
	defer cancel()
	var sent *pendingUpdate // the last update sent whose outcome is not known
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		r.Attempts = attempt
		got, err := a.cf.GetDistributionConfig(wctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(d.ID)})
		if err != nil && sent == nil && retryableRead(err) && attempt < MaxAttempts && pauseRead(ctx, a.o.readBackoff, attempt-1) {
			continue // throttled past the SDK's attempts: read again after a pause
		}
		if err != nil {
			r.Status, r.Reason = StatusFailed, callErr("cloudfront:GetDistributionConfig", err).Error()
			if sent != nil {
				r.Reason += "; whether the update sent before was applied is not known: its backup is kept"
			}
			return r
		}
		etag := aws.ToString(got.ETag)
		if sent != nil {
			if sent.landed(got.DistributionConfig, etag) {
				return sent.applied(r, etag, "the update's response was lost; a re-read shows it applied")
			}
			sent.discard() // not applied (or undone since): the next attempt backs up what it reads
			sent, r.Backup = nil, ""
		}
		r.ETagBefore = etag
		if d.ETag != "" && etag != d.ETag {
			r.ChangedSincePlan = true
		}
		before := got.DistributionConfig
		after := CopyConfig(before)
		at := attach(after, d.Behaviors, d.ConfigARN)
		if len(at.gained) == 0 {
			r.Status, r.Reason = StatusUnchanged, unchangedReason(at, attempt > 1)
			return r
		}
		if err := CheckOnlyARNsAdded(before, after, d.ConfigARN, at.gained); err != nil {
			r.Status, r.Reason = StatusFailed, err.Error()
			return r
		}
		b := &Backup{
			Version: BackupVersion, Account: a.id.account, DistributionID: d.ID, TakenAt: a.o.Now().UTC(), Reason: "fix",
			ETag: etag, ConfigARN: d.ConfigARN, Behaviors: at.gained, DistributionConfig: before,
		}
		if err := b.Save(backupPath); err != nil {
			r.Status, r.Reason = StatusFailed, err.Error()+"; the distribution was not changed"
			return r
		}
		r.Backup = backupPath
		sent = &pendingUpdate{etag: etag, configARN: d.ConfigARN, backup: b, path: backupPath, gained: at.gained, note: fixedNote(at, r.ChangedSincePlan)}
		out, err := a.cf.UpdateDistribution(wctx, &cloudfront.UpdateDistributionInput{
			Id: aws.String(d.ID), IfMatch: aws.String(etag), DistributionConfig: after,
		})
		if awserr.Code(err) == "PreconditionFailed" {
			continue // the next read tells whether it was ours (a retried write) or someone else's
		}
		if err != nil {
			r.Status, r.Reason = StatusFailed, callErr("cloudfront:UpdateDistribution", err).Error()
			if !mayHaveWritten(err) {
				sent.discard()
				r.Backup = ""
				if retryableRead(err) && attempt < MaxAttempts && pauseRead(ctx, a.o.readBackoff, attempt-1) {
					// Throttled past the SDK's attempts, not written: read
					// the config and its ETag again and send it again.
					sent = nil
					continue
				}
				r.Reason += "; the distribution was not changed"
				return r
			}
			// A server error or a timeout: the write may have happened.
			again, rerr := a.cf.GetDistributionConfig(wctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(d.ID)})
			switch {
			case rerr != nil:
				r.Reason += "; whether it was applied is not known (the re-read failed: " + callErr("cloudfront:GetDistributionConfig", rerr).Error() + "): its backup is kept"
			case sent.landed(again.DistributionConfig, aws.ToString(again.ETag)):
				return sent.applied(r, aws.ToString(again.ETag), "the update's response was lost; a re-read shows it applied")
			case aws.ToString(again.ETag) == etag:
				sent.discard()
				r.Backup = ""
				r.Reason += "; a re-read shows the distribution was not changed"
			default:
				r.Reason += "; the distribution changed meanwhile without the planned ARNs: its backup is kept"
			}
			return r
		}
		return sent.applied(r, aws.ToString(out.ETag), "")
	}
	if sent != nil {
		sent.discard()
		r.Backup = ""
	}
	r.Status = StatusFailed
	r.Reason = fmt.Sprintf("the distribution kept changing while it was fixed: %d attempts got PreconditionFailed; run fix again", MaxAttempts)
	return r
}

// pendingUpdate is an update sent to CloudFront, with its backup.
type pendingUpdate struct {
	etag      string // the version the update was sent against
	configARN string
	backup    *Backup
	path      string
	gained    []fixplan.Behavior
	note      string
}

// applied reports the update done at etag and records etag in its backup.
func (u *pendingUpdate) applied(r DistributionResult, etag, how string) DistributionResult {
	r.Status, r.Behaviors, r.ETagAfter, r.Backup = StatusFixed, u.gained, etag, u.path
	r.Reason = strings.TrimPrefix(strings.Join([]string{how, u.note}, "; "), "; ")
	r.Reason = strings.TrimSuffix(r.Reason, "; ")
	u.backup.AppliedETag = etag
	if err := u.backup.Save(u.path); err != nil {
		r.Reason = strings.TrimPrefix(r.Reason+"; the backup could not record the new version: "+err.Error(), "; ")
	}
	return r
}

// landed reports whether cfg, read at etag, shows the update applied: a new
// version whose planned behaviors have the config.
func (u *pendingUpdate) landed(cfg *cftypes.DistributionConfig, etag string) bool {
	if etag == u.etag || cfg == nil {
		return false
	}
	for _, b := range u.gained {
		f := behaviorARN(cfg, b)
		if f == nil || aws.ToString(*f) != u.configARN {
			return false
		}
	}
	return true
}

// discard removes the backup of an update that did not happen.
func (u *pendingUpdate) discard() { os.Remove(u.path) }

// mayHaveWritten reports whether a failed UpdateDistribution may still have
// been applied: a server error, a timeout or a broken connection, but not a
// client error CloudFront answered before writing.
func mayHaveWritten(err error) bool {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() >= 400 && re.HTTPStatusCode() < 500 {
		return false
	}
	return !errors.Is(err, context.Canceled)
}

func unchangedReason(at attachment, retried bool) string {
	var parts []string
	switch {
	case retried && len(at.already) > 0:
		parts = append(parts, "someone else gave the behaviors the config while this run fixed it")
	case len(at.already) > 0:
		parts = append(parts, behaviorList(at.already)+" already had the config")
	}
	return strings.Join(append(parts, at.notes()...), "; ")
}

func fixedNote(at attachment, changed bool) string {
	var parts []string
	if changed {
		parts = append(parts, "changed since the plan; only the planned ARNs were added")
	}
	if len(at.already) > 0 {
		parts = append(parts, behaviorList(at.already)+" already had the config")
	}
	return strings.Join(append(parts, at.notes()...), "; ")
}

// notes say which planned behaviors were not changed, and which behaviors
// lacking a config the plan did not name.
func (at attachment) notes() []string {
	var out []string
	if len(at.gone) > 0 {
		out = append(out, "no longer has behaviors "+behaviorList(at.gone))
	}
	if len(at.taken) > 0 {
		out = append(out, behaviorList(at.taken)+" got another config since the plan")
	}
	if len(at.unplanned) > 0 {
		out = append(out, "behaviors not in the plan still lack a config: "+behaviorList(at.unplanned)+" (make a new plan)")
	}
	return out
}

func behaviorList(bs []fixplan.Behavior) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = b.String()
	}
	return strings.Join(s, ", ")
}

// wait waits until every fixed distribution is Deployed again.
func (a *applier) wait(ctx context.Context, rep *Result) {
	var idx []int
	for i, d := range rep.Distributions {
		if d.Status == StatusFixed {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return
	}
	w := cloudfront.NewDistributionDeployedWaiter(a.cf, func(o *cloudfront.DistributionDeployedWaiterOptions) {
		if a.o.WaitMinDelay > 0 {
			o.MinDelay = a.o.WaitMinDelay
		}
		if a.o.WaitMaxDelay > 0 {
			o.MaxDelay = a.o.WaitMaxDelay
		}
		if o.MaxDelay < o.MinDelay {
			o.MaxDelay = o.MinDelay
		}
	})
	sem := make(chan struct{}, a.o.Concurrency)
	var wg sync.WaitGroup
	var done atomic.Int64
	a.progress("waiting", 0, len(idx))
	for _, i := range idx {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			d := &rep.Distributions[i]
			ok := false
			if ctx.Err() != nil {
				d.WaitError = "interrupted"
			} else if err := w.Wait(ctx, &cloudfront.GetDistributionInput{Id: aws.String(d.ID)}, a.o.WaitTimeout); err != nil {
				d.WaitError = err.Error()
				if ctx.Err() != nil {
					d.WaitError = "interrupted"
				}
			} else {
				ok = true
			}
			d.Deployed = &ok
			a.progress("waiting", int(done.Add(1)), len(idx))
		}()
	}
	wg.Wait()
}
