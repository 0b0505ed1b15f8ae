package fixaws

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/cloudassure/cloudassure/internal/awserr"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// setComment changes a distribution's comment the way another tool would:
// read, change, write with If-Match, and start over on PreconditionFailed.
func setComment(ctx context.Context, cf *cloudfront.Client, id, comment string) error {
	for {
		out, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
		if err != nil {
			return err
		}
		c := out.DistributionConfig
		c.Comment = aws.String(comment)
		_, err = cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: out.ETag, DistributionConfig: c})
		if awserr.Code(err) == "PreconditionFailed" {
			continue
		}
		return err
	}
}

// foreignTrigger serves the emulator to the fix and, whenever the fix reads
// a targeted distribution, has another client change that distribution's
// comment at the same time (Get + Update with If-Match, retried on
// PreconditionFailed), so the two race for the same ETag.
type foreignTrigger struct {
	emu     http.Handler
	foreign *cloudfront.Client
	targets map[string]string // distribution ID → comment
	wg      sync.WaitGroup
	mu      sync.Mutex
	started map[string]bool
	errs    []error
}

func (h *foreignTrigger) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/config") {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2020-05-31/distribution/"), "/config")
		h.mu.Lock()
		comment, ok := h.targets[id]
		first := ok && !h.started[id]
		h.started[id] = true
		h.mu.Unlock()
		if first {
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				if err := setComment(context.Background(), h.foreign, id, comment); err != nil {
					h.mu.Lock()
					h.errs = append(h.errs, err)
					h.mu.Unlock()
				}
			}()
		}
	}
	h.emu.ServeHTTP(w, r)
}

// TestConcurrentForeignUpdates fixes 200 distributions, at 20 ms per
// request, while another client changes the comments of 80 of them at the
// moment the fix reads them: every foreign change survives, and every
// distribution ends with real-time logs on every behavior.
func TestConcurrentForeignUpdates(t *testing.T) {
	emu, rawURL := testEmulator(t, emulator.Options{})
	ids := seedMany(t, rawURL, 200, "busy")
	h := &foreignTrigger{emu: emu, foreign: cloudfront.NewFromConfig(live.EndpointConfig(rawURL, nil)), targets: map[string]string{}, started: map[string]bool{}}
	r := rand.New(rand.NewSource(42))
	for _, i := range r.Perm(len(ids))[:80] {
		h.targets[ids[i]] = fmt.Sprintf("changed by another tool %d", i)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	cfg := live.EndpointConfig(srv.URL, nil)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	emu.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond})
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	h.wg.Wait()
	emu.SetFaults(emulator.Faults{})
	for _, err := range h.errs {
		t.Error(err)
	}
	if err != nil || !rep.Complete() || rep.Summary.Fixed != 200 {
		t.Fatalf("%+v %v", rep.Summary, err)
	}
	cf := cloudfront.NewFromConfig(cfg)
	retried := 0
	for _, id := range ids {
		c, _ := getConfig(t, cf, id)
		if !allLogging(c, defaultConfigARN) {
			t.Errorf("%s: not every behavior logs", id)
		}
		if want, ok := h.targets[id]; ok && aws.ToString(c.Comment) != want {
			t.Errorf("%s: comment %q, want %q: a foreign change was lost", id, aws.ToString(c.Comment), want)
		}
		if resultOf(t, rep, id).Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Error("no update of the fix met a foreign change; the test does not race")
	}
	t.Logf("%d of 80 raced distributions were fixed again from a fresh read after PreconditionFailed", retried)
}

// interferer serves the emulator to the fix, but before passing on an
// UpdateDistribution of a chosen distribution it changes that distribution
// through another client, so the fix's If-Match is stale.
type interferer struct {
	emu     http.Handler
	foreign *cloudfront.Client
	id      string
	times   atomic.Int64 // how many updates to spoil; -1 for all
	spoiled atomic.Int64
}

func (h *interferer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/distribution/"+h.id+"/config") && h.times.Load() != 0 {
		h.times.Add(-1)
		n := h.spoiled.Add(1)
		if err := setComment(r.Context(), h.foreign, h.id, fmt.Sprintf("foreign %d", n)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	h.emu.ServeHTTP(w, r)
}

// TestPreconditionFailedRetries: a distribution changed between the fix's
// read and its update is read again and fixed; the other change is kept.
// One that keeps changing fails after MaxAttempts, and the others go on.
func TestPreconditionFailedRetries(t *testing.T) {
	emu, rawURL := testEmulator(t, emulator.Options{})
	ids := seedMany(t, rawURL, 3, "race")
	h := &interferer{emu: emu, foreign: cloudfront.NewFromConfig(live.EndpointConfig(rawURL, nil)), id: ids[1]}
	h.times.Store(2)
	srv := httptest.NewServer(h)
	defer srv.Close()
	cfg := live.EndpointConfig(srv.URL, nil)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() {
		t.Fatalf("%+v %v", rep, err)
	}
	r := resultOf(t, rep, ids[1])
	if r.Status != StatusFixed || r.Attempts != 3 || !r.ChangedSincePlan {
		t.Errorf("result %+v", r)
	}
	c, _ := getConfig(t, cloudfront.NewFromConfig(cfg), ids[1])
	if aws.ToString(c.Comment) != "foreign 2" || !allLogging(c, defaultConfigARN) {
		t.Errorf("comment %q, logging %v", aws.ToString(c.Comment), allLogging(c, defaultConfigARN))
	}
	// The backup holds the config the successful update was made from.
	b, err := LoadBackup(r.Backup)
	if err != nil || aws.ToString(b.DistributionConfig.Comment) != "foreign 2" || b.ETag != r.ETagBefore {
		t.Errorf("backup %+v %v", b, err)
	}

	// Always changing: the fix gives up on it after MaxAttempts, the others are fixed.
	more := seedMany(t, rawURL, 3, "race-more")
	h.id, h.spoiled = more[0], atomic.Int64{}
	h.times.Store(-1)
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || rep.Complete() || rep.Summary.Failed != 1 || rep.Summary.Fixed != 2 {
		t.Fatalf("%+v %v", rep.Summary, err)
	}
	if r := resultOf(t, rep, more[0]); r.Attempts != MaxAttempts || !strings.Contains(r.Reason, "kept changing") {
		t.Errorf("result %+v", r)
	}
}

// TestFaults runs the fix against an emulator that throttles and fails
// requests. Without the SDK's retries and with most requests failing, the
// apply's own rounds (MaxAttempts per distribution) do not get through to
// every distribution: each is either fixed or reported as not done; a second
// run, with the adaptive retries the CLI uses, finishes the rest.
func TestFaults(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{Seed: 11})
	ids := seedMany(t, url, 30, "faulty")
	// The destination is set up first, without faults, with one distribution.
	cfg0 := live.EndpointConfig(url, nil)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg0, Distributions: ids[:1]})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := Apply(context.Background(), p, testApplyOptions(cfg0, t.TempDir())); err != nil || !rep.Complete() {
		t.Fatal(rep, err)
	}
	// A distribution's round (a read and an update) gets through with
	// probability 0.37², so about 40 % of them fail all MaxAttempts rounds.
	faults := emulator.Faults{ThrottleRate: 0.03, ServerErrorRate: 0.6}
	emu.SetFaults(faults)
	p, err = MakePlan(context.Background(), PlanOptions{Config: retryingConfig(t, url, nil, 20)})
	if err != nil {
		t.Fatal(err)
	}
	var rep *Result
	o := testApplyOptions(retryingConfig(t, url, nil, 1), t.TempDir())
	o.readBackoff = noPause
	for range 5 { // sts:GetCallerIdentity itself may fail without retries
		if rep, err = Apply(context.Background(), p, o); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	emu.SetFaults(emulator.Faults{})
	cf := cloudfront.NewFromConfig(cfg0)
	notDone := 0
	for _, id := range ids[1:] {
		r := resultOf(t, rep, id)
		c, _ := getConfig(t, cf, id)
		logs := allLogging(c, defaultConfigARN)
		switch r.Status {
		case StatusFixed:
			if !logs {
				t.Errorf("%s reported fixed but is not", id)
			}
		case StatusFailed:
			notDone++
			if logs || r.Reason == "" {
				t.Errorf("%s reported %s (%s) but logs %v", id, r.Status, r.Reason, logs)
			}
		default:
			t.Errorf("%s: status %s", id, r.Status)
		}
	}
	t.Logf("first run: %d fixed, %d failed", rep.Summary.Fixed, rep.Summary.Failed)
	if notDone == 0 || rep.Complete() {
		t.Errorf("no distribution failed without retries (complete %v); the faults did not bite", rep.Complete())
	}

	// The second run, with more faults, retries and finishes the rest.
	emu.SetFaults(emulator.Faults{ThrottleRate: 0.03, ServerErrorRate: 0.3})
	counter := live.NewCallCounter()
	cfg := retryingConfig(t, url, counter, 20)
	before := emu.Requests()
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Counts()[fixplan.Update]; n != notDone {
		t.Errorf("second plan updates %d distributions, want the %d not done", n, notDone)
	}
	rep, err = Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() || rep.Summary.Fixed != notDone {
		t.Fatalf("second run: %+v %v", rep.Summary, err)
	}
	if emu.Requests()-before <= int64(counter.Total()) {
		t.Errorf("no request was retried: %d requests for %d calls", emu.Requests()-before, counter.Total())
	}
	emu.SetFaults(emulator.Faults{})
	for _, id := range ids {
		if c, _ := getConfig(t, cf, id); !allLogging(c, defaultConfigARN) {
			t.Errorf("%s not fixed after the second run", id)
		}
	}
}

// TestInterrupt cancels an apply in the middle: updates in flight finish,
// no new one starts, and the report says which were not started.
func TestInterrupt(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := seedMany(t, url, 40, "stop")
	cfg := live.EndpointConfig(url, nil)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	emu.SetFaults(emulator.Faults{Latency: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := testApplyOptions(cfg, t.TempDir())
	o.Concurrency = 4
	o.Progress = func(pr Progress) {
		if pr.Stage == "updating" && pr.Done >= 5 {
			cancel()
		}
	}
	rep, err := Apply(ctx, p, o)
	if err != nil {
		t.Fatal(err)
	}
	emu.SetFaults(emulator.Faults{})
	s := rep.Summary
	if !rep.Interrupted || rep.Complete() || s.Failed != 0 || s.Fixed < 5 || s.NotStarted == 0 || s.Fixed+s.NotStarted != 40 {
		t.Fatalf("summary %+v interrupted %v", s, rep.Interrupted)
	}
	if s.Fixed > 5+o.Concurrency {
		t.Errorf("%d fixed: distributions were started after the cancel", s.Fixed)
	}
	cf := cloudfront.NewFromConfig(cfg)
	for _, id := range ids {
		r := resultOf(t, rep, id)
		c, _ := getConfig(t, cf, id)
		if logs := allLogging(c, defaultConfigARN); logs != (r.Status == StatusFixed) {
			t.Errorf("%s: %s but logging %v", id, r.Status, logs)
		}
	}
}

// TestRoleTrustUpdate: an existing role that CloudFront may not assume
// gets the trust policy that lets it (and only it) do so.
func TestRoleTrustUpdate(t *testing.T) {
	emu, _ := testEmulator(t, emulator.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	cfg := live.EndpointConfig(srv.URL, nil)
	lambdaTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := iam.NewFromConfig(cfg).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String(DefaultRoleName), AssumeRolePolicyDocument: aws.String(lambdaTrust)}); err != nil {
		t.Fatal(err)
	}
	seedMany(t, srv.URL, 1, "trust")
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	rc := changesOf(p, fixplan.TypeRole)[0]
	if rc.Action != fixplan.Update || !rc.Role.UpdateTrust || !rc.Role.UpdatePolicy || rc.Role.ARN != "arn:aws:iam::"+account+":role/"+DefaultRoleName ||
		!strings.Contains(rc.Diff, "~ trust policy") || !strings.Contains(rc.Diff, "+ inline policy") {
		t.Fatalf("role change %+v", rc)
	}
	if cc := changesOf(p, fixplan.TypeConfig)[0]; cc.Config.RoleARN != rc.Role.ARN {
		t.Errorf("config uses role %s, want the existing role's ARN %s", cc.Config.RoleARN, rc.Role.ARN)
	}
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() {
		t.Fatalf("%+v %v", rep, err)
	}
	role, err := iam.NewFromConfig(cfg).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(DefaultRoleName)})
	if err != nil {
		t.Fatal(err)
	}
	trust, err := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument))
	if err != nil || !samePolicy(trust, TrustPolicy(account)) {
		t.Errorf("trust policy after apply = %s (%v), want %s", trust, err, TrustPolicy(account))
	}
}
