package fixaws

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// lostFault lets the emulator carry out the named operations and then
// answers them with a server error, the given number of times each: the
// write happened, its response was lost.
type lostFault struct {
	next http.Handler
	mu   sync.Mutex
	fail map[string]int
	seen map[string]int
}

func (f *lostFault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := operation(r)
	f.mu.Lock()
	f.seen[op]++
	n := f.fail[op]
	if n > 0 {
		f.fail[op] = n - 1
	}
	f.mu.Unlock()
	if n == 0 {
		f.next.ServeHTTP(w, r)
		return
	}
	f.next.ServeHTTP(httptest.NewRecorder(), r)
	if r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"__type":"InternalFailure","message":"injected after the write"}`))
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte(`<?xml version="1.0"?><ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>injected after the write</Message></Error><RequestId>r4</RequestId></ErrorResponse>`))
}

func (f *lostFault) calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[op]
}

// setupAccount is an account with distributions lacking logs and nothing
// of the destination, and its plan (made without faults), which creates
// the stream, the role and the config.
func setupAccount(t *testing.T, n int) (*emulator.Server, string, []string, *fixplan.Plan) {
	t.Helper()
	emu, u := testEmulator(t, emulator.Options{})
	ids := seedMany(t, u, n, "setup")
	p, err := MakePlan(context.Background(), PlanOptions{Config: retryingConfig(t, u, nil, 1)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Distribution == nil && c.Action != fixplan.Create {
			t.Fatalf("the plan does not create %s: %s", c.Resource, c.Action)
		}
	}
	return emu, u, ids, p
}

// wantDestination checks that the account has exactly one stream, role and
// config, as the plan wanted them: the stream ACTIVE and encrypted with the
// AWS managed key, the role with its trust and inline policy, the config
// delivering to them.
func wantDestination(t *testing.T, cfg aws.Config, p *fixplan.Plan) {
	t.Helper()
	ctx := context.Background()
	if s, r, c := resourceCounts(t, cfg); s != 1 || r != 1 || c != 1 {
		t.Errorf("%d streams, %d roles, %d configs; want one of each", s, r, c)
	}
	var st *fixplan.Stream
	var role *fixplan.Role
	var rc *fixplan.RealtimeLogConfig
	for _, c := range p.Changes {
		st, role, rc = cmpOr(st, c.Stream), cmpOr(role, c.Role), cmpOr(rc, c.Config)
	}
	s, err := kinesis.NewFromConfig(cfg).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(st.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if d := s.StreamDescriptionSummary; d.StreamStatus != kintypes.StreamStatusActive || d.EncryptionType != kintypes.EncryptionTypeKms || aws.ToString(d.KeyId) != AWSManagedKinesisKey {
		t.Errorf("stream %s, encryption %s with %q", d.StreamStatus, d.EncryptionType, aws.ToString(d.KeyId))
	}
	ic := iam.NewFromConfig(cfg)
	got, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if trust, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument)); !samePolicy(trust, role.TrustPolicy) || aws.ToString(got.Role.Arn) != role.ARN {
		t.Errorf("role %s trust %s", aws.ToString(got.Role.Arn), trust)
	}
	pol, err := ic.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role.Name), PolicyName: aws.String(role.PolicyName)})
	if err != nil {
		t.Fatalf("the role's inline policy: %v", err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(pol.PolicyDocument)); !samePolicy(doc, role.Policy) {
		t.Errorf("inline policy %s", doc)
	}
	c, err := cloudfront.NewFromConfig(cfg).GetRealtimeLogConfig(ctx, &cloudfront.GetRealtimeLogConfigInput{Name: aws.String(rc.Name)})
	if err != nil {
		t.Fatal(err)
	}
	k := c.RealtimeLogConfig.EndPoints[0].KinesisStreamConfig
	if aws.ToString(c.RealtimeLogConfig.ARN) != rc.ARN || aws.ToString(k.StreamARN) != st.ARN || aws.ToString(k.RoleARN) != role.ARN {
		t.Errorf("config %s to %s through %s", aws.ToString(c.RealtimeLogConfig.ARN), aws.ToString(k.StreamARN), aws.ToString(k.RoleARN))
	}
}

func cmpOr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

// setupOps are the calls an apply makes to set up a new destination.
var setupOps = []string{"CreateStream", "DescribeStreamSummary", "StartStreamEncryption", "CreateRole", "PutRolePolicy", "CreateRealtimeLogConfig"}

// TestSetupRetriesThrottledCalls: a destination call (a create, the
// encryption, the inline policy, or a read while waiting for the stream)
// that runs out of the SDK's attempts is made again, up to SetupRounds
// times: the destination is set up once and every distribution fixed.
func TestSetupRetriesThrottledCalls(t *testing.T) {
	for _, op := range setupOps {
		t.Run(op, func(t *testing.T) {
			emu, u, ids, p := setupAccount(t, 2)
			f := newReadFault(emu, map[string]int{op: 2 * (SetupRounds - 1)})
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			o := testApplyOptions(retryingConfig(t, srv.URL, nil, 2), t.TempDir())
			o.readBackoff = noPause
			rep, err := Apply(context.Background(), p, o)
			if err != nil {
				t.Fatalf("apply aborted: %v", err)
			}
			if !rep.Complete() || rep.Summary.Fixed != len(ids) {
				t.Fatalf("summary %+v, resources %+v", rep.Summary, rep.Resources)
			}
			if f.calls(op) < 2*(SetupRounds-1)+1 {
				t.Errorf("%s called %d times, want it made again after each throttled round", op, f.calls(op))
			}
			for _, r := range rep.Resources {
				if r.Status != ResourceCreated {
					t.Errorf("%s %s: %s (%s)", r.Type, r.ID, r.Status, r.Detail)
				}
			}
			wantDestination(t, retryingConfig(t, u, nil, 1), p)
		})
	}
}

// TestSetupGivesUp: a destination call that keeps failing is made
// SetupRounds times; then that resource is reported failed with the call and
// what of it exists, the later steps are not started, no distribution is
// changed, and the report says what exists now.
func TestSetupGivesUp(t *testing.T) {
	for _, tc := range []struct {
		op     string
		failed string // the resource type that fails
		left   string // what the failed resource's report says exists
		exists []string
	}{
		{"CreateStream", fixplan.TypeStream, "not created", nil},
		{"StartStreamEncryption", fixplan.TypeStream, "exists, not encrypted", []string{DefaultStreamName}},
		{"CreateRole", fixplan.TypeRole, "not created", []string{DefaultStreamName}},
		{"PutRolePolicy", fixplan.TypeRole, "exists without its inline policy", []string{DefaultStreamName, DefaultRoleName}},
		{"CreateRealtimeLogConfig", fixplan.TypeConfig, "not created", []string{DefaultStreamName, DefaultRoleName}},
	} {
		t.Run(tc.op, func(t *testing.T) {
			emu, u, ids, p := setupAccount(t, 2)
			f := newReadFault(emu, map[string]int{tc.op: always})
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			o := testApplyOptions(retryingConfig(t, srv.URL, nil, 2), t.TempDir())
			o.readBackoff = noPause
			rep, err := Apply(context.Background(), p, o)
			if err != nil {
				t.Fatalf("apply aborted: %v", err)
			}
			if n := f.calls(tc.op); n != 2*SetupRounds {
				t.Errorf("%s called %d times, want %d (2 SDK attempts × %d rounds)", tc.op, n, 2*SetupRounds, SetupRounds)
			}
			seen := false
			for _, r := range rep.Resources {
				switch {
				case r.Type == tc.failed:
					seen = true
					if r.Status != ResourceFailed || !strings.Contains(r.Detail, tc.op) || !strings.Contains(r.Detail, tc.left) ||
						!strings.Contains(r.Detail, fmt.Sprintf("%d rounds", SetupRounds)) {
						t.Errorf("%s %s: %s (%s), want failed naming %s and %q", r.Type, r.ID, r.Status, r.Detail, tc.op, tc.left)
					}
				case seen && r.Status != ResourceNotStarted:
					t.Errorf("%s after the failure: %s", r.Type, r.Status)
				case !seen && r.Status != ResourceCreated:
					t.Errorf("%s before the failure: %s (%s)", r.Type, r.Status, r.Detail)
				}
			}
			if rep.Complete() || rep.Summary.Fixed != 0 || rep.Summary.Failed != len(ids) {
				t.Errorf("summary %+v", rep.Summary)
			}
			for _, d := range rep.Distributions {
				if !strings.Contains(d.Reason, "not attempted") {
					t.Errorf("%s: %s (%s)", d.ID, d.Status, d.Reason)
				}
			}
			cf := cloudfront.NewFromConfig(retryingConfig(t, u, nil, 1))
			for _, id := range ids {
				if c, _ := getConfig(t, cf, id); allLogging(c, defaultConfigARN) {
					t.Errorf("%s was changed although its destination was not set up", id)
				}
			}
			note := rep.Setup
			if note == nil || !strings.HasPrefix(note.Failed, resourceKind(tc.failed)) || !strings.Contains(note.Failed, tc.op) {
				t.Fatalf("setup note %+v", note)
			}
			if len(note.Exists) != len(tc.exists) {
				t.Errorf("exists %q, want %q", note.Exists, tc.exists)
			}
			for i, name := range tc.exists {
				if i < len(note.Exists) && !strings.Contains(note.Exists[i], name) {
					t.Errorf("exists %q, want %q", note.Exists, tc.exists)
				}
			}
			var text strings.Builder
			rep.WriteText(&text)
			if !strings.Contains(text.String(), "not set up") || !strings.Contains(text.String(), "no distribution was changed") {
				t.Errorf("text report:\n%s", text.String())
			}
		})
	}
}

// TestSetupCreateResponseLost: a create (or the encryption, or the inline
// policy) that AWS carried out but whose response was lost is found by the
// next attempt (ResourceInUse, EntityAlreadyExists,
// RealtimeLogConfigAlreadyExists), re-read and accepted as the one planned;
// the set-up goes on from there, nothing is duplicated and the stream is
// still encrypted. With the SDK's own retries and without.
func TestSetupCreateResponseLost(t *testing.T) {
	for _, attempts := range []int{1, 3} {
		for _, op := range []string{"CreateStream", "StartStreamEncryption", "CreateRole", "PutRolePolicy", "CreateRealtimeLogConfig"} {
			t.Run(fmt.Sprintf("%s-%d", op, attempts), func(t *testing.T) {
				emu, u, ids, p := setupAccount(t, 2)
				f := &lostFault{next: emu, fail: map[string]int{op: 1}, seen: map[string]int{}}
				srv := httptest.NewServer(f)
				t.Cleanup(srv.Close)
				o := testApplyOptions(retryingConfig(t, srv.URL, nil, attempts), t.TempDir())
				o.readBackoff = noPause
				rep, err := Apply(context.Background(), p, o)
				if err != nil {
					t.Fatalf("apply aborted: %v", err)
				}
				if !rep.Complete() || rep.Summary.Fixed != len(ids) {
					t.Fatalf("summary %+v, resources %+v", rep.Summary, rep.Resources)
				}
				if f.calls(op) < 2 {
					t.Errorf("%s called %d times; the lost response was not followed by another attempt", op, f.calls(op))
				}
				for _, r := range rep.Resources {
					if r.Status == ResourceFailed || r.Status == ResourceNotStarted {
						t.Errorf("%s %s: %s (%s)", r.Type, r.ID, r.Status, r.Detail)
					}
					if r.Type == fixplan.TypeConfig && r.ARN != defaultConfigARN {
						t.Errorf("config ARN %q", r.ARN)
					}
				}
				wantDestination(t, retryingConfig(t, u, nil, 1), p)
			})
		}
	}
}

// TestSetupConflicts: a stream, role or config of the planned name that
// appeared since the plan and is not the one planned is not used or
// changed: that resource is reported as a conflict saying how it differs,
// nothing after it is done and no distribution is changed.
func TestSetupConflicts(t *testing.T) {
	lambdaTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	for _, tc := range []struct {
		name   string
		failed string
		differ string // in the conflict's message
		make   func(t *testing.T, cfg aws.Config)
		check  func(t *testing.T, cfg aws.Config) // the foreign resource is as it was
	}{
		{
			name: "stream", failed: fixplan.TypeStream, differ: "provisioned with 2 shards",
			make: func(t *testing.T, cfg aws.Config) {
				_, err := kinesis.NewFromConfig(cfg).CreateStream(context.Background(), &kinesis.CreateStreamInput{
					StreamName: aws.String(DefaultStreamName), ShardCount: aws.Int32(2),
					StreamModeDetails: &kintypes.StreamModeDetails{StreamMode: kintypes.StreamModeProvisioned},
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, cfg aws.Config) {
				s, err := kinesis.NewFromConfig(cfg).DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(DefaultStreamName)})
				if err != nil || s.StreamDescriptionSummary.EncryptionType == kintypes.EncryptionTypeKms {
					t.Errorf("the foreign stream was changed: %+v %v", s, err)
				}
			},
		},
		{
			name: "role", failed: fixplan.TypeRole, differ: "trust policy",
			make: func(t *testing.T, cfg aws.Config) {
				_, err := iam.NewFromConfig(cfg).CreateRole(context.Background(), &iam.CreateRoleInput{
					RoleName: aws.String(DefaultRoleName), Path: aws.String(RolePath), AssumeRolePolicyDocument: aws.String(lambdaTrust),
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, cfg aws.Config) {
				c := iam.NewFromConfig(cfg)
				r, err := c.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(DefaultRoleName)})
				if err != nil {
					t.Fatal(err)
				}
				trust, _ := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument))
				_, perr := c.GetRolePolicy(context.Background(), &iam.GetRolePolicyInput{RoleName: aws.String(DefaultRoleName), PolicyName: aws.String(RolePolicyName)})
				if !samePolicy(trust, lambdaTrust) || perr == nil {
					t.Errorf("the foreign role was changed: trust %s, inline policy error %v", trust, perr)
				}
			},
		},
		{
			name: "role-path", failed: fixplan.TypeRole, differ: "arn:aws:iam::" + account + ":role/" + DefaultRoleName,
			make: func(t *testing.T, cfg aws.Config) {
				_, err := iam.NewFromConfig(cfg).CreateRole(context.Background(), &iam.CreateRoleInput{
					RoleName: aws.String(DefaultRoleName), AssumeRolePolicyDocument: aws.String(TrustPolicy(account)),
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, cfg aws.Config) {},
		},
		{
			name: "config", failed: fixplan.TypeConfig, differ: "sampling rate 5",
			make: func(t *testing.T, cfg aws.Config) {
				_, err := cloudfront.NewFromConfig(cfg).CreateRealtimeLogConfig(context.Background(), &cloudfront.CreateRealtimeLogConfigInput{
					Name: aws.String(DefaultConfigName), SamplingRate: aws.Int64(5), Fields: []string{"timestamp"},
					EndPoints: []cftypes.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &cftypes.KinesisStreamConfig{
						StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/other"),
						RoleARN:   aws.String("arn:aws:iam::" + account + ":role/other"),
					}}},
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, cfg aws.Config) {
				c, err := cloudfront.NewFromConfig(cfg).GetRealtimeLogConfig(context.Background(), &cloudfront.GetRealtimeLogConfigInput{Name: aws.String(DefaultConfigName)})
				if err != nil || aws.ToInt64(c.RealtimeLogConfig.SamplingRate) != 5 {
					t.Errorf("the foreign config was changed: %v", err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, u, ids, p := setupAccount(t, 1)
			cfg := retryingConfig(t, u, nil, 1)
			tc.make(t, cfg)
			rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
			if err != nil {
				t.Fatalf("apply aborted: %v", err)
			}
			seen := false
			for _, r := range rep.Resources {
				switch {
				case r.Type == tc.failed:
					seen = true
					if r.Status != ResourceFailed || !strings.Contains(r.Detail, "conflict") || !strings.Contains(r.Detail, tc.differ) || !strings.Contains(r.Detail, "make a new plan") {
						t.Errorf("%s: %s (%s), want a conflict naming %q", r.Type, r.Status, r.Detail, tc.differ)
					}
				case seen && r.Status != ResourceNotStarted:
					t.Errorf("%s after the conflict: %s", r.Type, r.Status)
				}
			}
			if rep.Complete() || rep.Summary.Failed != len(ids) || rep.Setup == nil {
				t.Errorf("summary %+v, setup %+v", rep.Summary, rep.Setup)
			}
			tc.check(t, cfg)
		})
	}
}

// TestSetupStreamWaitTimeout: a stream that stays CREATING longer than
// StreamWaitTimeout fails the set-up with the wait's limit and its status;
// the report says the stream exists.
func TestSetupStreamWaitTimeout(t *testing.T) {
	_, u := testEmulator(t, emulator.Options{StreamActivationDelay: time.Hour})
	seedMany(t, u, 1, "slowstream")
	cfg := retryingConfig(t, u, nil, 1)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	o := testApplyOptions(cfg, t.TempDir())
	o.StreamWaitTimeout = 100 * time.Millisecond
	rep, err := Apply(context.Background(), p, o)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Resources[0]
	if r.Type != fixplan.TypeStream || r.Status != ResourceFailed || !strings.Contains(r.Detail, "CREATING") || !strings.Contains(r.Detail, "100ms") {
		t.Errorf("stream: %s (%s)", r.Status, r.Detail)
	}
	if rep.Setup == nil || !strings.Contains(strings.Join(rep.Setup.Exists, ","), DefaultStreamName) {
		t.Errorf("setup note %+v", rep.Setup)
	}
}

// TestSetupRetryStopsOnCancel: the set-up's rounds end with the context;
// the report says it was interrupted and no distribution was started.
func TestSetupRetryStopsOnCancel(t *testing.T) {
	emu, _, _, p := setupAccount(t, 1)
	f := newReadFault(emu, map[string]int{"CreateRole": always})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := testApplyOptions(retryingConfig(t, srv.URL, nil, 1), t.TempDir())
	o.readBackoff = func(int) time.Duration { cancel(); return time.Hour }
	rep, err := Apply(ctx, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.calls("CreateRole"); n != 1 {
		t.Errorf("CreateRole called %d times after the context ended, want 1", n)
	}
	if !rep.Interrupted || rep.Summary.Fixed != 0 || rep.Summary.NotStarted != 1 {
		t.Errorf("interrupted %v, summary %+v", rep.Interrupted, rep.Summary)
	}
	for _, r := range rep.Resources {
		if r.Type == fixplan.TypeRole && (r.Status != ResourceFailed || !strings.Contains(r.Detail, "interrupted")) {
			t.Errorf("role: %s (%s)", r.Status, r.Detail)
		}
	}
}
