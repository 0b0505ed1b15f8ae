package fixaws

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// always makes readFault fail an operation on every call.
const always = -1

// readFault answers the named operations with a throttling error: each the
// given number of times, then passes them on (always: every time). It
// names a request's operation as the emulator does: the Kinesis target, the
// IAM/STS Action, the CloudFront path.
type readFault struct {
	next http.Handler
	mu   sync.Mutex
	fail map[string]int
	seen map[string]int
}

func newReadFault(next http.Handler, fail map[string]int) *readFault {
	return &readFault{next: next, fail: fail, seen: map[string]int{}}
}

func operation(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	p := r.URL.Path
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/distribution"):
		return "ListDistributions"
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/config"):
		return "GetDistributionConfig"
	case r.Method == http.MethodPut && strings.HasSuffix(p, "/config"):
		return "UpdateDistribution"
	case strings.HasSuffix(p, "/get-realtime-log-config"):
		return "GetRealtimeLogConfig"
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/realtime-log-config"):
		return "CreateRealtimeLogConfig"
	case r.Method == http.MethodPost && (p == "/" || p == ""):
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		return form.Get("Action")
	}
	return ""
}

func (f *readFault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := operation(r)
	f.mu.Lock()
	f.seen[op]++
	n, ok := f.fail[op]
	if ok && n > 0 {
		f.fail[op] = n - 1
	}
	f.mu.Unlock()
	if !ok || n == 0 {
		f.next.ServeHTTP(w, r)
		return
	}
	if r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"LimitExceededException","message":"injected"}`))
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte(`<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>injected</Message></Error><RequestId>r3</RequestId></ErrorResponse>`))
}

func (f *readFault) calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[op]
}

// noPause keeps the planner's rounds of a read back to back in tests.
func noPause(int) time.Duration { return 0 }

// TestPlanReadFaults: an account-wide read that runs out of the SDK's
// attempts is made again by the planner; one that keeps failing never aborts
// the plan: the distribution list reports what it could not read, and the
// distributions that need an unread destination are reported failed with
// the reason, while nothing of that destination is created or changed.
func TestPlanReadFaults(t *testing.T) {
	for _, tc := range []struct {
		op       string
		roleSeed bool // the role exists, so its policies are read
		times    int
		fixed    bool   // the plan is made as without faults
		reason   string // else each distribution fails with this in its reason
	}{
		{op: "ListDistributions", times: ReadRounds - 1, fixed: true},
		{op: "ListDistributions", times: always, reason: "listing CloudFront distributions"},
		{op: "GetRealtimeLogConfig", times: ReadRounds - 1, fixed: true},
		{op: "GetRealtimeLogConfig", times: always, reason: "cloudfront:GetRealtimeLogConfig"},
		{op: "DescribeStreamSummary", times: ReadRounds - 1, fixed: true},
		{op: "DescribeStreamSummary", times: always, reason: "kinesis:DescribeStreamSummary"},
		{op: "GetRole", times: ReadRounds - 1, fixed: true},
		{op: "GetRole", times: always, reason: "iam:GetRole"},
		{op: "GetRolePolicy", roleSeed: true, times: ReadRounds - 1, fixed: true},
		{op: "GetRolePolicy", roleSeed: true, times: always, reason: "iam:GetRolePolicy"},
		{op: "ListRolePolicies", roleSeed: true, times: always, reason: "iam:ListRolePolicies"},
		{op: "ListAttachedRolePolicies", roleSeed: true, times: ReadRounds - 1, fixed: true},
		{op: "ListAttachedRolePolicies", roleSeed: true, times: always, reason: "iam:ListAttachedRolePolicies"},
	} {
		name := tc.op + map[bool]string{true: "-recovers", false: "-fails"}[tc.fixed]
		t.Run(name, func(t *testing.T) {
			emu, u := testEmulator(t, emulator.Options{})
			ids := seedMany(t, u, 3, "faulty")
			clean := retryingConfig(t, u, nil, 1)
			if tc.roleSeed {
				_, err := iam.NewFromConfig(clean).CreateRole(context.Background(), &iam.CreateRoleInput{
					RoleName: aws.String(DefaultRoleName), Path: aws.String(RolePath), AssumeRolePolicyDocument: aws.String(TrustPolicy(emu.AccountID())),
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			f := newReadFault(emu, map[string]int{tc.op: tc.times})
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			cfg := retryingConfig(t, srv.URL, nil, 2)
			p, err := MakePlan(context.Background(), PlanOptions{Config: cfg, readBackoff: noPause})
			if err != nil {
				t.Fatalf("planning aborted: %v", err)
			}
			if f.calls(tc.op) == 0 {
				t.Fatalf("%s was never called", tc.op)
			}
			if tc.times == always && f.calls(tc.op) != 2*ReadRounds {
				t.Errorf("%s called %d times, want %d (2 SDK attempts × %d rounds)", tc.op, f.calls(tc.op), 2*ReadRounds, ReadRounds)
			}
			rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			if tc.fixed {
				if n := len(updates(p)); n != len(ids) || rep.Summary.Fixed != len(ids) || !rep.Complete() {
					t.Errorf("%d updates planned, summary %+v", n, rep.Summary)
				}
				return
			}
			if len(updates(p)) != 0 || rep.Summary.Fixed != 0 || rep.Complete() || rep.Summary.Failed == 0 {
				t.Errorf("plan %v, summary %+v", p.Counts(), rep.Summary)
			}
			for _, d := range rep.Distributions {
				if d.Status != StatusFailed || !strings.Contains(d.Reason, tc.reason) {
					t.Errorf("%s: %s (%s), want failed naming %s", d.ID, d.Status, d.Reason, tc.reason)
				}
			}
			// Nothing that depends on the unread piece was created.
			for _, c := range p.Changes {
				if c.Distribution == nil && c.Action != fixplan.Reuse {
					t.Errorf("destination change planned: %s %s", c.Action, c.Resource)
				}
			}
			_, serr := kinesis.NewFromConfig(clean).DescribeStreamSummary(context.Background(),
				&kinesis.DescribeStreamSummaryInput{StreamName: aws.String(DefaultStreamName)})
			if serr == nil {
				t.Error("the stream was created although the destination could not be read")
			}
		})
	}
}

// TestPlanReadRetryStopsOnCancel: the planner's rounds end with the context.
func TestPlanReadRetryStopsOnCancel(t *testing.T) {
	emu, u := testEmulator(t, emulator.Options{})
	seedMany(t, u, 1, "cancel")
	f := newReadFault(emu, map[string]int{"ListDistributions": always})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	cfg := retryingConfig(t, srv.URL, nil, 1)
	_, err := MakePlan(ctx, PlanOptions{Config: cfg, readBackoff: func(int) time.Duration { cancel(); return time.Hour }})
	if err == nil || ctx.Err() == nil {
		t.Fatalf("err %v after cancel", err)
	}
	if n := f.calls("ListDistributions"); n != 1 {
		t.Errorf("ListDistributions called %d times after the context ended, want 1", n)
	}
}

// updates are the distribution changes of p that update.
func updates(p *fixplan.Plan) []fixplan.Change {
	var out []fixplan.Change
	for _, c := range changesOf(p, fixplan.TypeDistribution) {
		if c.Action == fixplan.Update {
			out = append(out, c)
		}
	}
	return out
}

// TestApplyRetriesThrottledCalls: a throttled GetCallerIdentity,
// GetDistributionConfig or UpdateDistribution (refused, so not written) that
// runs out of the SDK's attempts is made again by the apply: the
// distributions are fixed, each once, and no backup of a refused update is
// left behind.
func TestApplyRetriesThrottledCalls(t *testing.T) {
	for _, tc := range []struct {
		op    string
		times int
		fixed bool
	}{
		{"GetCallerIdentity", 2 * (ReadRounds - 1), true},
		{"GetDistributionConfig", 2 * (MaxAttempts - 1), true},
		{"UpdateDistribution", 2 * (MaxAttempts - 1), true},
		{"UpdateDistribution", always, false},
	} {
		t.Run(fmt.Sprintf("%s-%d", tc.op, tc.times), func(t *testing.T) {
			emu, u := testEmulator(t, emulator.Options{})
			id := seedMany(t, u, 1, "throttled")[0]
			p, err := MakePlan(context.Background(), PlanOptions{Config: retryingConfig(t, u, nil, 2)})
			if err != nil {
				t.Fatal(err)
			}
			f := newReadFault(emu, map[string]int{tc.op: tc.times})
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			cfg := retryingConfig(t, srv.URL, nil, 2)
			o := testApplyOptions(cfg, t.TempDir())
			o.readBackoff = noPause
			rep, err := Apply(context.Background(), p, o)
			if err != nil {
				t.Fatalf("apply aborted: %v", err)
			}
			r := resultOf(t, rep, id)
			files, _ := filepath.Glob(filepath.Join(o.BackupRoot, "*", id+"-*.json"))
			if tc.fixed {
				if r.Status != StatusFixed || len(files) != 1 {
					t.Errorf("%s (%s), backups %v", r.Status, r.Reason, files)
				}
				return
			}
			if r.Status != StatusFailed || !strings.Contains(r.Reason, "Throttling") || !strings.Contains(r.Reason, "not changed") || len(files) != 0 {
				t.Errorf("%s (%s), backups %v", r.Status, r.Reason, files)
			}
			if n := f.calls(tc.op); n != 2*MaxAttempts {
				t.Errorf("%s called %d times, want %d", tc.op, n, 2*MaxAttempts)
			}
		})
	}
}
