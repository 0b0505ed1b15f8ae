package web

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

// now is the clock of the tests: the seeded history ends an hour before it.
var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

const (
	target   = "demo-org"
	prod     = "111111111111"
	staging  = "222222222222"
	sandbox  = "333333333333"
	rounds   = 12
	cfgARN   = "arn:aws:cloudfront::111111111111:realtime-log-config/cf-logs"
	evilName = `<script>alert("x")</script><img src=https://evil.example/p.png>`
)

// demoDist is a distribution of the seeded organization and how its
// real-time logging changes over the rounds.
type demoDist struct {
	account, id, name string
	ordered           []string
	// failUntil: CF-001 fails (the last ordered behavior has no config) in
	// rounds before it; regressAt: it fails again from this round on (0: never).
	failUntil, regressAt int
	disabled             bool
	delivery             string // a CF-002 problem, "" when delivery works
	sampling             int
}

var demoDists = []demoDist{
	{account: prod, id: "E1SHOP0000001", name: "shop frontend", ordered: []string{"/api/*", "/static/*"}, failUntil: 4, sampling: 100},
	{account: prod, id: "E1DOCS0000002", name: "docs", ordered: []string{"/img/*"}, sampling: 100},
	{account: prod, id: "E1API00000003", name: "public api", ordered: []string{"/v1/*", "/v2/*"}, failUntil: 8, regressAt: 11, sampling: 100},
	{account: prod, id: "E1OLD00000004", name: "old blog", disabled: true},
	{account: staging, id: "E2STAGE000001", name: "staging shop", ordered: []string{"/api/*"}, failUntil: rounds, sampling: 100},
	{account: staging, id: "E2PREVIEW0002", name: evilName, ordered: nil, sampling: 5},
	{account: staging, id: "E2MEDIA000003", name: "media", ordered: []string{"/video/*"}, delivery: "stream arn:aws:kinesis:us-east-1:222222222222:stream/cf-logs does not exist", sampling: 100},
	{account: sandbox, id: "E3LAB00000001", name: "lab", ordered: []string{"/x/*"}, failUntil: 6, sampling: 100},
}

// findingsAt are the findings of one account's scan in a round.
func findingsAt(account string, round int) []finding.Finding {
	var out []finding.Finding
	for _, d := range demoDists {
		if d.account != account {
			continue
		}
		res := finding.Resource{Type: "AWS::CloudFront::Distribution", ID: d.id, ARN: "arn:aws:cloudfront::" + account + ":distribution/" + d.id, Name: d.name}
		mk := func(rule, title, risk string, st finding.Status, msg string) finding.Finding {
			return finding.Finding{RuleID: rule, Title: title, Risk: risk, Status: st, Message: msg, Resource: res,
				Account: &finding.AccountRef{ID: account}}
		}
		if d.disabled {
			for _, rule := range []string{"CF-001", "CF-002", "CF-003"} {
				out = append(out, mk(rule, rule+" title", "Medium", finding.Skip, "distribution is disabled (use --include-disabled to evaluate it)"))
			}
			continue
		}
		all := []finding.Behavior{{PathPattern: "*", Default: true, RealtimeLogConfigARN: cfgARN, State: "known"}}
		for i, p := range d.ordered {
			all = append(all, finding.Behavior{PathPattern: p, Position: i + 1, RealtimeLogConfigARN: cfgARN, State: "known"})
		}
		failing := round < d.failUntil || (d.regressAt > 0 && round >= d.regressAt)
		cf1 := mk("CF-001", "Every cache behavior of an enabled CloudFront distribution sends real-time logs", "Medium", finding.Pass,
			fmt.Sprintf("all %d cache behaviors send real-time logs", len(all)))
		cf1.Behaviors = all
		if failing {
			last := all[len(all)-1]
			last.RealtimeLogConfigARN, last.State = "", "absent"
			cf1.Status = finding.Fail
			cf1.Message = fmt.Sprintf("1 of %d cache behaviors send no real-time logs: %s", len(all), last.PathPattern)
			cf1.Behaviors = []finding.Behavior{last}
			cf1.OtherBehaviors = all[:len(all)-1]
			cf1.Problems = []string{fmt.Sprintf("behavior %q has no real-time log config", last.PathPattern)}
		}
		out = append(out, cf1)
		cf2 := mk("CF-002", "Real-time log configs in use can actually deliver to their Kinesis stream", "Medium", finding.Pass,
			"real-time logs can be delivered: config cf-logs → stream cf-logs (ACTIVE) via role cf-logs")
		streamARN := "arn:aws:kinesis:us-east-1:" + account + ":stream/cf-logs"
		keyARN := "arn:aws:kms:us-east-1:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
		var actions []finding.ActionCheck
		for _, a := range []string{"kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:PutRecord", "kinesis:PutRecords"} {
			actions = append(actions, finding.ActionCheck{Action: a, Resource: streamARN, Allowed: true, Detail: `allowed by statement "Deliver" (policy deliver)`})
		}
		actions = append(actions, finding.ActionCheck{Action: "kms:GenerateDataKey", Resource: keyARN, Allowed: true, Detail: `allowed by statement "Key" (policy deliver)`})
		stream := &finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "KMS", KeyID: keyARN}
		role := &finding.RoleCheck{Found: true, Trust: finding.TrustAllowed, TrustDetail: `allowed by statement 1 (trust policy)`, Actions: actions}
		if d.delivery != "" {
			cf2.Status, cf2.Message, cf2.Problems = finding.Fail, "real-time logs cannot be delivered: "+d.delivery, []string{d.delivery}
			cf2.Behaviors = all[:1]
			// The stream is gone; the role no longer may put records.
			stream = &finding.StreamCheck{}
			actions = append([]finding.ActionCheck(nil), actions[:len(actions)-1]...)
			actions[3] = finding.ActionCheck{Action: "kinesis:PutRecords", Resource: streamARN, Detail: "implicitly denied: no statement allows it"}
			role = &finding.RoleCheck{Found: true, Trust: finding.TrustDenied, TrustDetail: "implicitly denied: no statement allows it", Actions: actions}
		}
		cf2.Related = []finding.Resource{
			{Type: "AWS::CloudFront::RealtimeLogConfig", ID: "cf-logs", ARN: cfgARN},
			{Type: "AWS::Kinesis::Stream", ID: "cf-logs", ARN: streamARN, Stream: stream},
			{Type: "AWS::IAM::Role", ID: "cf-logs", ARN: "arn:aws:iam::" + account + ":role/service-role/cf-logs", Role: role},
		}
		out = append(out, cf2)
		cf3 := mk("CF-003", "Real-time log configs in use meet the team's sampling and field policy", "Low", finding.Pass,
			"config cf-logs meets the policy (sampling ≥ 100%, 7 required fields)")
		if d.sampling < 100 {
			cf3.Status = finding.Fail
			cf3.Message = fmt.Sprintf("config cf-logs samples %d%% of requests, below the policy's 100%%", d.sampling)
			cf3.Problems = []string{cf3.Message}
		}
		out = append(out, cf3)
	}
	return out
}

// seed fills a fresh SQLite store with rounds of scans of the demo
// organization, one a day; the sandbox account's last scan is partial (its
// role could not be assumed), and one alert delivery of each outcome.
func seed(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "dash.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	route := func(e store.Event) []string { return []string{"slack-secops"} }
	for r := range rounds {
		start := now.Add(-time.Duration(rounds-r) * 24 * time.Hour)
		for i, acct := range []string{prod, staging, sandbox} {
			rec := store.ScanRecord{
				Target: target, AccountID: acct, AccountName: map[string]string{prod: "prod", staging: "staging", sandbox: "sandbox"}[acct],
				RoundID: fmt.Sprintf("round-%d", r), StartedAt: start.Add(time.Duration(i) * time.Second),
				FinishedAt: start.Add(time.Duration(i)*time.Second + 1500*time.Millisecond), Complete: true,
				Findings: findingsAt(acct, r), APICalls: map[string]int{"cloudfront:ListDistributions": 1, "kinesis:DescribeStreamSummary": 1},
			}
			if acct == sandbox && r == rounds-1 {
				rec.Complete, rec.Findings = false, nil
				rec.Errors = []finding.ScanError{{Message: "sts:AssumeRole failed: AccessDenied", Operation: "sts:AssumeRole", Code: "AccessDenied"}}
			}
			if _, err := st.RecordScan(ctx, rec, route); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Deliver some alerts: the first batch is sent, the next fails.
	for i, o := range []store.Outcome{{}, {Err: fmt.Errorf("slack: 500 Internal Server Error")}} {
		b, err := st.ClaimBatch(ctx, "slack-secops", now.Add(time.Duration(i)*time.Minute), 0, time.Minute)
		if err != nil || b == nil {
			t.Fatalf("claim batch: %v %v", b, err)
		}
		if err := st.FinishBatch(ctx, b, now.Add(time.Duration(i)*time.Minute+time.Second), o); err != nil {
			t.Fatal(err)
		}
	}
	return st
}
