package live

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/rules"
)

// seededDemo starts an emulator with the demo account behind handler wrap
// (nil for none) and returns its URL and cases.
func seededDemo(t *testing.T, wrap func(http.Handler) http.Handler) (string, []*demo.Case) {
	t.Helper()
	emu := emulator.New(emulator.Options{Seed: 1})
	var h http.Handler = emu
	if wrap != nil {
		h = wrap(emu)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	// Seed through the bare emulator, so the wrapper only affects the scan.
	bare := httptest.NewServer(emu)
	defer bare.Close()
	cases, err := demo.Seed(context.Background(), EndpointConfig(bare.URL, nil), emu.AccountID(), emu)
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, cases
}

func TestReadDemo(t *testing.T) {
	url, cases := seededDemo(t, nil)
	counter := NewCallCounter()
	inv, err := Read(context.Background(), Options{Config: EndpointConfig(url, counter)})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Account != emulator.DefaultAccountID || !inv.Live {
		t.Errorf("account %q live %v", inv.Account, inv.Live)
	}
	if len(inv.Distributions) != len(cases) {
		t.Fatalf("%d distributions, want %d", len(inv.Distributions), len(cases))
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors: %v", inv.Errors)
	}
	byComment := map[string]*model.Distribution{}
	for _, d := range inv.Distributions {
		byComment[d.Comment] = d
	}
	d := byComment["missing on one ordered behavior"]
	if d == nil || len(d.Behaviors) != 3 || !d.Behaviors[0].Default || d.Behaviors[2].PathPattern != "/static/*" ||
		d.Behaviors[2].RealtimeLogConfigARN.State != model.Absent || d.Behaviors[1].RealtimeLogConfigARN.State != model.Known {
		t.Errorf("behaviors not read from the list summaries: %+v", d)
	}
	if s := byComment["staging distribution missing logs"]; s == nil || !s.Staging.V {
		t.Errorf("staging not read: %+v", s)
	}
	if s := byComment["disabled"]; s == nil || s.Enabled.V {
		t.Errorf("enabled not read: %+v", s)
	}
	// Streams: one lookup per distinct stream; the deleted one is not found.
	for arn, st := range inv.Streams {
		switch {
		case strings.HasSuffix(arn, "/cf-logs-deleted"):
			if st.Found {
				t.Errorf("deleted stream found: %+v", st)
			}
		case strings.HasSuffix(arn, "/cf-logs-new"):
			if st.Status != "CREATING" {
				t.Errorf("pinned stream: %+v", st)
			}
		case strings.HasSuffix(arn, "/cf-logs-kms"):
			if st.Encryption != "KMS" || st.KeyID == "" {
				t.Errorf("kms stream: %+v", st)
			}
		}
	}
	for arn, r := range inv.Roles {
		if !r.Found || !strings.Contains(r.TrustPolicy, `"sts:AssumeRole"`) || len(r.Policies) == 0 || !strings.HasPrefix(r.Policies[0].Document, "{") {
			t.Errorf("role %s not read or not decoded: %+v", arn, r)
		}
	}
	calls := counter.Counts()
	want := map[string]int{
		"sts:GetCallerIdentity":             1,
		"cloudfront:ListDistributions":      1,
		"cloudfront:ListRealtimeLogConfigs": 1,
		"kinesis:DescribeStreamSummary":     len(inv.Streams),
		"iam:GetRole":                       len(inv.Roles),
		"iam:ListRolePolicies":              len(inv.Roles),
		"iam:GetRolePolicy":                 len(inv.Roles),
		"iam:ListAttachedRolePolicies":      len(inv.Roles),
	}
	for k, v := range want {
		if calls[k] != v {
			t.Errorf("%s called %d times, want %d (all: %s)", k, calls[k], v, counter)
		}
	}
	if calls["cloudfront:GetDistributionConfig"] != 0 || calls["cloudfront:GetDistribution"] != 0 {
		t.Errorf("per-distribution calls made: %s", counter)
	}
	if len(inv.Streams) != 4 || len(inv.Roles) != 6 {
		t.Errorf("%d streams, %d roles looked up; want 4 and 6", len(inv.Streams), len(inv.Roles))
	}
}

// TestReadPagination checks one ListDistributions call per 100 distributions.
func TestReadPagination(t *testing.T) {
	emu := emulator.New(emulator.Options{Seed: 2})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	cf := cloudfront.NewFromConfig(EndpointConfig(srv.URL, nil))
	for i := range 250 {
		cfg := demo.DistributionConfig(fmt.Sprintf("ref-%d", i), fmt.Sprintf("d%d", i), true, "", []string{"/a/*"}, []string{""})
		if _, err := cf.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg}); err != nil {
			t.Fatal(err)
		}
	}
	counter := NewCallCounter()
	inv, err := Read(context.Background(), Options{Config: EndpointConfig(srv.URL, counter)})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Distributions) != 250 {
		t.Fatalf("%d distributions", len(inv.Distributions))
	}
	seen := map[string]bool{}
	for _, d := range inv.Distributions {
		if seen[d.ID] {
			t.Fatalf("distribution %s read twice", d.ID)
		}
		seen[d.ID] = true
	}
	if n := counter.Counts()["cloudfront:ListDistributions"]; n != 3 {
		t.Errorf("ListDistributions called %d times, want 3", n)
	}
	// No config attached anywhere: no config, stream or role calls at all.
	if n := counter.Total(); n != 4 {
		t.Errorf("%d calls, want 4 (identity + 3 pages): %s", n, counter)
	}
}

// deny answers the real-time log config API with the given status and body,
// as an endpoint that lacks the API or denies it would.
func deny(status int, body string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/2020-05-31/realtime-log-config") {
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(status)
				fmt.Fprint(w, body)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestReadConfigsUnavailable(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantCode   string
		wantAction string
	}{
		{"access denied", 403, `<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: cloudfront:ListRealtimeLogConfigs</Message></Error><RequestId>x</RequestId></ErrorResponse>`, "AccessDenied", "cloudfront:ListRealtimeLogConfigs"},
		{"api missing", 404, `not found`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, cases := seededDemo(t, deny(tt.status, tt.body))
			inv, err := Read(context.Background(), Options{Config: EndpointConfig(url, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Distributions) != len(cases) {
				t.Errorf("%d distributions, want %d", len(inv.Distributions), len(cases))
			}
			e := inv.ConfigsErr
			if e == nil || e.Operation != "cloudfront:ListRealtimeLogConfigs" || (tt.wantCode != "" && e.Code != tt.wantCode) || e.Action != tt.wantAction {
				t.Fatalf("ConfigsErr = %+v", e)
			}
			if len(inv.Streams) != 0 || len(inv.Roles) != 0 {
				t.Errorf("looked up streams or roles without configs")
			}
		})
	}
}

func TestReadCancelled(t *testing.T) {
	url, _ := seededDemo(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inv, err := Read(ctx, Options{Config: EndpointConfig(url, nil)})
	if err == nil || inv == nil {
		t.Fatalf("cancelled read: inv %v err %v", inv, err)
	}
}

func TestArnHelpers(t *testing.T) {
	if got := roleName("arn:aws:iam::1:role/service-role/x"); got != "x" {
		t.Errorf("roleName = %q", got)
	}
	if r, err := arnRegion("arn:aws:kinesis:eu-west-1:1:stream/s"); err != nil || r != "eu-west-1" {
		t.Errorf("arnRegion = %q, %v", r, err)
	}
	if _, err := arnRegion("not-an-arn"); err == nil {
		t.Error("arnRegion accepted junk")
	}
	if got := decodePolicy("%7B%22a%22%3A1%7D"); got != `{"a":1}` {
		t.Errorf("decodePolicy = %q", got)
	}
}

// TestRulesWithoutConfigAPI runs the rules over an account whose endpoint
// denies the real-time log config API: CF-001 must still be right, and the
// delivery and policy checks must say ERROR, naming the call and IAM action.
func TestRulesWithoutConfigAPI(t *testing.T) {
	url, cases := seededDemo(t, deny(403, `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>denied</Message></Error><RequestId>x</RequestId></ErrorResponse>`))
	inv, err := Read(context.Background(), Options{Config: EndpointConfig(url, nil)})
	if err != nil {
		t.Fatal(err)
	}
	fs := rules.Run(inv, rules.All(), rules.Options{Policy: rules.DefaultPolicy()})
	want := map[string]string{}
	for _, c := range cases {
		want[c.ID] = c.Want["CF-001"]
	}
	for _, f := range fs {
		switch f.RuleID {
		case "CF-001":
			if string(f.Status) != want[f.Resource.ID] {
				t.Errorf("CF-001 %s (%s) = %s, want %s", f.Resource.ID, f.Resource.Name, f.Status, want[f.Resource.ID])
			}
		case "CF-002", "CF-003":
			if f.Status == finding.Pass || f.Status == finding.Fail {
				t.Errorf("%s %s = %s without the configs", f.RuleID, f.Resource.Name, f.Status)
			}
			if f.Status == finding.Error && !strings.Contains(f.Message, "cloudfront:ListRealtimeLogConfigs") {
				t.Errorf("%s ERROR does not name the call: %q", f.RuleID, f.Message)
			}
		}
	}
}

// TestReadUnderFaults reads the demo account while the emulator throttles a
// tenth of the requests and fails another tenth: adaptive retries finish the read,
// and each operation still counts once.
func TestReadUnderFaults(t *testing.T) {
	emu := emulator.New(emulator.Options{Seed: 5})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	if _, err := demo.Seed(context.Background(), EndpointConfig(srv.URL, nil), emu.AccountID(), emu); err != nil {
		t.Fatal(err)
	}
	emu.SetFaults(emulator.Faults{ThrottleRate: 0.1, ServerErrorRate: 0.1})
	counter := NewCallCounter()
	cfg, err := LoadConfig(context.Background(), ConfigOptions{EndpointURL: srv.URL, Counter: counter, MaxAttempts: 20, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = EndpointConfig(srv.URL, nil).Credentials
	before := emu.Requests()
	inv, err := Read(context.Background(), Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Errors) != 0 || len(inv.Distributions) != 14 || len(inv.Streams) != 4 || len(inv.Roles) != 6 {
		t.Fatalf("read under faults: %d errors %v, %d distributions, %d streams, %d roles",
			len(inv.Errors), inv.Errors, len(inv.Distributions), len(inv.Streams), len(inv.Roles))
	}
	requests := emu.Requests() - before
	if calls := int64(counter.Total()); requests <= calls {
		t.Errorf("%d requests for %d calls: no retries happened, so the faults were not exercised", requests, calls)
	}
	if n := counter.Counts()["cloudfront:ListDistributions"]; n != 1 {
		t.Errorf("ListDistributions counted %d times; retries must not count", n)
	}
}

// denyIdentity answers sts:GetCallerIdentity with AccessDenied, as a
// credential scoped by an SCP that blocks STS would.
func denyIdentity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), "/sts/aws4_request") {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>denied</Message></Error><RequestId>x</RequestId></ErrorResponse>`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// TestReadWithoutIdentity checks that a failed sts:GetCallerIdentity is
// recorded and the account is taken from the distribution ARNs, so CF-002
// judges the demo roles' aws:SourceAccount conditions as it does with STS.
func TestReadWithoutIdentity(t *testing.T) {
	url, cases := seededDemo(t, denyIdentity)
	inv, err := Read(context.Background(), Options{Config: EndpointConfig(url, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Account != emulator.DefaultAccountID {
		t.Errorf("account %q, want %q from the distribution ARNs", inv.Account, emulator.DefaultAccountID)
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Operation != "sts:GetCallerIdentity" || inv.Errors[0].Code != "AccessDenied" {
		t.Errorf("errors %v, want the sts:GetCallerIdentity failure", inv.Errors)
	}
	want := map[string]string{}
	for _, c := range cases {
		want[c.ID] = c.Want["CF-002"]
	}
	for _, f := range rules.Run(inv, rules.All(), rules.Options{Policy: rules.DefaultPolicy()}) {
		if f.RuleID == "CF-002" && string(f.Status) != want[f.Resource.ID] {
			t.Errorf("CF-002 %s (%s) = %s %q, want %s", f.Resource.ID, f.Resource.Name, f.Status, f.Message, want[f.Resource.ID])
		}
	}
}

func TestAccountFromARNs(t *testing.T) {
	dist := func(arn string) *model.Distribution { return &model.Distribution{ARN: arn} }
	for _, tt := range []struct {
		name string
		inv  *model.Inventory
		want string
	}{
		{"distribution ARNs", &model.Inventory{Distributions: []*model.Distribution{
			dist("arn:aws:cloudfront::111122223333:distribution/E1"), dist("arn:aws:cloudfront::111122223333:distribution/E2")}}, "111122223333"},
		{"config ARNs when no distribution", &model.Inventory{Configs: map[string]*model.RealtimeLogConfig{
			"c": {ARN: "arn:aws:cloudfront::444455556666:realtime-log-config/main"}}}, "444455556666"},
		{"ARNs disagree", &model.Inventory{Distributions: []*model.Distribution{
			dist("arn:aws:cloudfront::111122223333:distribution/E1"), dist("arn:aws:cloudfront::444455556666:distribution/E2")}}, ""},
		{"not an account ID", &model.Inventory{Distributions: []*model.Distribution{dist("arn:aws:cloudfront::../x:distribution/E1")}}, ""},
		{"nothing read", &model.Inventory{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := accountFromARNs(tt.inv); got != tt.want {
				t.Errorf("accountFromARNs = %q, want %q", got, tt.want)
			}
		})
	}
}
