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
	// streamCreated is set when this apply created the stream, so that
	// waiting for it bears with Kinesis not showing it at once.
	streamCreated bool
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
// re-read that shows the sent config; one that failed with a server error
// and that a re-read shows was not applied is sent again (within
// MaxAttempts rounds); a backup of an update that did not happen is removed.
func (a *applier) fixOne(ctx context.Context, ch fixplan.Change, backupPath string) DistributionResult {
	d := ch.Distribution
	r := DistributionResult{ID: d.ID, Name: ch.Resource.Name, ConfigARN: d.ConfigARN}
	wctx, cancel := detached(ctx, a.o.UpdateTimeout)
	defer cancel()
	var sent *pendingUpdate // the last update sent whose outcome is not known
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		r.Attempts = attempt
		var got *cloudfront.GetDistributionConfigOutput
		read := func() error {
			var err error
			got, err = a.cf.GetDistributionConfig(wctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(d.ID)})
			return err
		}
		var err error
		if sent != nil {
			// It tells whether the update sent before was applied: made
			// again when throttled, as the re-read after a server error is.
			err = retryRead(wctx, a.o.readBackoff, read)
		} else {
			err = read()
		}
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
			// A server error or a timeout: the write may have happened. The
			// re-read that tells is made again when throttled (ReadRounds in
			// all), within the update's own time, not cut short by ctx.
			var again *cloudfront.GetDistributionConfigOutput
			rerr := retryRead(wctx, a.o.readBackoff, func() error {
				var err error
				again, err = a.cf.GetDistributionConfig(wctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(d.ID)})
				return err
			})
			switch {
			case rerr != nil:
				r.Reason += "; whether it was applied is not known (the re-read failed: " + callErr("cloudfront:GetDistributionConfig", rerr).Error() + "): its backup is kept"
			case sent.landed(again.DistributionConfig, aws.ToString(again.ETag)):
				return sent.applied(r, aws.ToString(again.ETag), "the update's response was lost; a re-read shows it applied")
			case aws.ToString(again.ETag) == etag:
				sent.discard()
				r.Backup = ""
				if retryableRead(err) && attempt < MaxAttempts && pauseRead(ctx, a.o.readBackoff, attempt-1) {
					// Not applied: read the config and its ETag again and
					// send it again.
					sent = nil
					continue
				}
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
