package fixaws

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

const account = emulator.DefaultAccountID

var defaultConfigARN = "arn:aws:cloudfront::" + account + ":realtime-log-config/" + DefaultConfigName

// caseIDs maps the demo's comments to distribution IDs.
func caseIDs(cases []*demo.Case) map[string]string {
	out := map[string]string{}
	for _, c := range cases {
		out[c.Comment] = c.ID
	}
	return out
}

// audit runs the rules over the account and returns status by distribution ID and rule.
func audit(t *testing.T, cfg aws.Config) map[string]map[string]finding.Status {
	t.Helper()
	inv, err := live.Read(context.Background(), live.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]finding.Status{}
	for _, f := range rules.Run(inv, rules.All(), rules.Options{Policy: rules.DefaultPolicy()}) {
		if out[f.Resource.ID] == nil {
			out[f.Resource.ID] = map[string]finding.Status{}
		}
		out[f.Resource.ID][f.RuleID] = f.Status
	}
	return out
}

func TestPlanDemo(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := caseIDs(seedDemo(t, emu, url))
	var stages []string
	p, err := MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(url, nil), Progress: func(pr Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != pr.Stage {
			stages = append(stages, pr.Stage)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != fixplan.KindAWS || p.Account != account || p.Region != "us-east-1" || p.Version != fixplan.Version {
		t.Errorf("plan header %+v", p)
	}
	if !slices.Equal(stages, []string{"distributions", "destination"}) { // the account is read first, as scan reads it
		t.Errorf("progress stages %v", stages)
	}
	// The chain is created: stream, role, config, in that order.
	var kinds []string
	for _, c := range p.Changes[:3] {
		kinds = append(kinds, string(c.Action)+" "+c.Resource.Type)
	}
	want := []string{"create " + fixplan.TypeStream, "create " + fixplan.TypeRole, "create " + fixplan.TypeConfig}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Fatalf("destination changes (-want +got):\n%s", diff)
	}
	st, role, cfg := p.Changes[0].Stream, p.Changes[1].Role, p.Changes[2].Config
	if st.Name != DefaultStreamName || st.Mode != "ON_DEMAND" || st.Encryption != "KMS" || st.KeyID != AWSManagedKinesisKey ||
		st.ARN != "arn:aws:kinesis:us-east-1:"+account+":stream/"+DefaultStreamName {
		t.Errorf("stream %+v", st)
	}
	if role.Name != DefaultRoleName || role.Path != RolePath || role.ARN != "arn:aws:iam::"+account+":role/service-role/"+DefaultRoleName {
		t.Errorf("role %+v", role)
	}
	if !samePolicy(role.TrustPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"`+account+`"}}}]}`) {
		t.Errorf("trust policy %s", role.TrustPolicy)
	}
	if !samePolicy(role.Policy, `{"Version":"2012-10-17","Statement":[{"Sid":"DeliverRealtimeLogs","Effect":"Allow","Action":["kinesis:DescribeStreamSummary","kinesis:DescribeStream","kinesis:PutRecord","kinesis:PutRecords"],"Resource":"`+st.ARN+`"}]}`) {
		t.Errorf("delivery policy %s", role.Policy)
	}
	pol := rules.DefaultPolicy()
	if cfg.ARN != defaultConfigARN || cfg.SamplingRate != pol.MinSamplingRate || cfg.StreamARN != st.ARN || cfg.RoleARN != role.ARN ||
		len(cfg.Fields) != len(pol.RequiredFields) {
		t.Errorf("config %+v", cfg)
	}

	// Distributions: the ones failing CF-001 are updated, on exactly their failing behaviors.
	got := map[string]fixplan.Change{}
	for _, c := range changesOf(p, fixplan.TypeDistribution) {
		got[c.Resource.ID] = c
	}
	if len(got) != 14 {
		t.Errorf("%d distribution changes, want all 14", len(got))
	}
	wantBehaviors := map[string][]fixplan.Behavior{
		"missing on one ordered behavior":   {{PathPattern: "/static/*"}},
		"missing everywhere":                {{PathPattern: "*", Default: true}, {PathPattern: "/api/*"}, {PathPattern: "/images/*"}},
		"only the default behavior missing": {{PathPattern: "*", Default: true}},
		"staging distribution missing logs": {{PathPattern: "*", Default: true}},
	}
	for comment, id := range ids {
		c := got[id]
		if bs, ok := wantBehaviors[comment]; ok {
			if c.Action != fixplan.Update || c.Distribution.ConfigARN != defaultConfigARN || c.Distribution.ETag == "" {
				t.Errorf("%s: %+v", comment, c)
			}
			if diff := cmp.Diff(bs, c.Distribution.Behaviors); diff != "" {
				t.Errorf("%s behaviors (-want +got):\n%s", comment, diff)
			}
			if n := strings.Count(c.Diff, "RealtimeLogConfigArn \"\" → \""+defaultConfigARN+"\""); n != len(bs) {
				t.Errorf("%s diff:\n%s", comment, c.Diff)
			}
			continue
		}
		if c.Action != fixplan.None {
			t.Errorf("%s: action %s, want none", comment, c.Action)
		}
	}
	if d := got[ids["disabled"]].Distribution; d.Skip != fixplan.SkipDisabled {
		t.Errorf("disabled: skip %q", d.Skip)
	}
	if c := got[ids["compliant: every behavior logs"]]; c.Distribution.Skip != fixplan.SkipCompliant || c.Summary != "every behavior already sends real-time logs (3 of 3 to another config)" {
		t.Errorf("compliant with another config: %+v", c)
	}
	var text bytes.Buffer
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`~ behavior "/static/*": RealtimeLogConfigArn "" → "` + defaultConfigARN + `"`,
		`~ behavior "*" (default): RealtimeLogConfigArn ""`,
		"Plan: 3 to create, 4 to update, 0 to reuse, 10 left as they are.",
		"skipped: disabled",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("plan text lacks %q:\n%s", want, text.String())
		}
	}
}

// TestApplyDemo fixes the demo account, checks that the chain it created
// delivers (CF-001, CF-002, CF-003 pass), and that a second run plans and
// creates nothing.
func TestApplyDemo(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	cases := seedDemo(t, emu, url)
	ids := caseIDs(cases)
	cfg := live.EndpointConfig(url, nil)
	s0, r0, c0 := resourceCounts(t, cfg)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, dir))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Complete() || rep.Summary.Fixed != 4 || rep.Summary.Skipped != 1 || rep.Summary.Unchanged != 9 {
		t.Fatalf("report summary %+v resources %+v", rep.Summary, rep.Resources)
	}
	for _, r := range rep.Resources {
		if r.Status != ResourceCreated {
			t.Errorf("%s %s: %s %s", r.Type, r.ID, r.Status, r.Detail)
		}
	}
	if s, r, c := resourceCounts(t, cfg); s != s0+1 || r != r0+1 || c != c0+1 {
		t.Errorf("streams %d→%d, roles %d→%d, configs %d→%d; want one more of each", s0, s, r0, r, c0, c)
	}
	// The stream is encrypted with the AWS managed key.
	sum, err := kinesis.NewFromConfig(cfg).DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(DefaultStreamName)})
	if err != nil || sum.StreamDescriptionSummary.EncryptionType != "KMS" || aws.ToString(sum.StreamDescriptionSummary.KeyId) != AWSManagedKinesisKey {
		t.Errorf("stream %+v %v", sum, err)
	}
	// Every enabled distribution now passes CF-001; the fixed ones also CF-002 and CF-003.
	verdicts := audit(t, cfg)
	for _, c := range cases {
		got := verdicts[c.ID]
		switch {
		case c.Comment == "disabled":
			if got["CF-001"] != finding.Skip {
				t.Errorf("%s: CF-001 %s", c.Comment, got["CF-001"])
			}
		case got["CF-001"] != finding.Pass:
			t.Errorf("%s: CF-001 %s after the fix", c.Comment, got["CF-001"])
		}
	}
	if got := verdicts[ids["missing everywhere"]]; got["CF-002"] != finding.Pass || got["CF-003"] != finding.Pass {
		t.Errorf("missing everywhere after the fix: %v", got)
	}
	// Each fixed distribution has its backup, and the report names it.
	for _, d := range rep.Distributions {
		if d.Status != StatusFixed {
			continue
		}
		b, err := LoadBackup(d.Backup)
		if err != nil || filepath.Dir(d.Backup) != filepath.Join(dir, account) || b.AppliedETag != d.ETagAfter || b.ETag != d.ETagBefore {
			t.Errorf("%s: backup %s: %+v %v", d.ID, d.Backup, b, err)
		}
	}

	// A second run finds everything in place: it plans nothing and creates nothing.
	counter := live.NewCallCounter()
	cfg2 := live.EndpointConfig(url, counter)
	p2, err := MakePlan(context.Background(), PlanOptions{Config: cfg2})
	if err != nil {
		t.Fatal(err)
	}
	if p2.HasChanges() {
		var b bytes.Buffer
		p2.WriteText(&b)
		t.Errorf("second plan has changes:\n%s", b.String())
	}
	if cs := changesOf(p2, fixplan.TypeConfig); len(cs) != 1 || cs[0].Action != fixplan.Reuse || !strings.Contains(cs[0].Summary, "reused as it is") {
		t.Errorf("second plan's config change: %+v", cs)
	}
	rep2, err := Apply(context.Background(), p2, testApplyOptions(cfg2, dir))
	if err != nil || !rep2.Complete() || rep2.Summary.Fixed != 0 {
		t.Fatalf("second apply: %+v %v", rep2.Summary, err)
	}
	for op := range counter.Counts() {
		if strings.Contains(op, ":Create") || strings.Contains(op, ":Update") || strings.Contains(op, ":Put") || strings.Contains(op, ":Start") {
			t.Errorf("second run called %s (%s)", op, counter)
		}
	}
	if s, r, c := resourceCounts(t, cfg); s != s0+1 || r != r0+1 || c != c0+1 {
		t.Errorf("after the second run: streams %d, roles %d, configs %d", s, r, c)
	}
}

func TestReuseByConfigName(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := caseIDs(seedDemo(t, emu, url))
	cfg := live.EndpointConfig(url, nil)
	s0, r0, c0 := resourceCounts(t, cfg)
	mainARN := "arn:aws:cloudfront::" + account + ":realtime-log-config/main"
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg, ConfigName: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if len(changesOf(p, fixplan.TypeStream))+len(changesOf(p, fixplan.TypeRole)) != 0 {
		t.Errorf("reusing a config plans a stream or role")
	}
	cs := changesOf(p, fixplan.TypeConfig)
	if len(cs) != 1 || cs[0].Action != fixplan.Reuse || cs[0].Config.ARN != mainARN || cs[0].Config.StreamARN == "" {
		t.Fatalf("config change %+v", cs)
	}
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() || rep.Summary.Fixed != 4 {
		t.Fatalf("apply: %+v %v", rep, err)
	}
	if s, r, c := resourceCounts(t, cfg); s != s0 || r != r0 || c != c0 {
		t.Errorf("reuse created resources: %d %d %d", s-s0, r-r0, c-c0)
	}
	cf := cloudfront.NewFromConfig(cfg)
	if c, _ := getConfig(t, cf, ids["missing everywhere"]); !allLogging(c, mainARN) {
		t.Errorf("missing everywhere does not log to main")
	}

	// A config with other settings than the policy's is reused as it is, and the plan says so.
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg, ConfigName: "sampled-5"})
	if err != nil {
		t.Fatal(err)
	}
	if cs := changesOf(p, fixplan.TypeConfig); !strings.Contains(cs[0].Summary, "exists with other settings (sampling rate 5, not 100") {
		t.Errorf("summary %q", cs[0].Summary)
	}

	// By ARN: it must exist.
	if _, err := MakePlan(context.Background(), PlanOptions{Config: cfg, ConfigARN: mainARN + "-nope"}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing --config-arn: %v", err)
	}
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg, ConfigARN: mainARN})
	if err != nil || p.HasChanges() {
		t.Errorf("by ARN after the fix: %v, changes %v", err, p.Counts())
	}
}

func TestReplaceExisting(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := caseIDs(seedDemo(t, emu, url))
	cfg := live.EndpointConfig(url, nil)
	mainARN := "arn:aws:cloudfront::" + account + ":realtime-log-config/main"
	id := ids["missing on one ordered behavior"] // default and /api/* log to main, /static/* to nothing
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg, Distributions: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	d := changesOf(p, fixplan.TypeDistribution)
	if len(d) != 1 || len(d[0].Distribution.Behaviors) != 1 || !strings.Contains(d[0].Summary, `2 already log to another config, kept (--replace-existing replaces it): "*" (default), "/api/*"`) {
		t.Fatalf("without --replace-existing: %+v", d)
	}
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg, Distributions: []string{id}, ReplaceExisting: true})
	if err != nil {
		t.Fatal(err)
	}
	d = changesOf(p, fixplan.TypeDistribution)
	want := []fixplan.Behavior{{PathPattern: "*", Default: true, From: mainARN}, {PathPattern: "/api/*", From: mainARN}, {PathPattern: "/static/*"}}
	if diff := cmp.Diff(want, d[0].Distribution.Behaviors); diff != "" {
		t.Fatalf("behaviors (-want +got):\n%s", diff)
	}
	if !strings.Contains(d[0].Diff, `~ behavior "/api/*": RealtimeLogConfigArn "`+mainARN+`" → "`+defaultConfigARN+`"`) {
		t.Errorf("diff:\n%s", d[0].Diff)
	}
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() || rep.Summary.Fixed != 1 {
		t.Fatalf("apply: %+v %v", rep, err)
	}
	if c, _ := getConfig(t, cloudfront.NewFromConfig(cfg), id); !allLogging(c, defaultConfigARN) {
		t.Error("the existing ARNs were not replaced")
	}
}

func TestDistributionFilterAndDisabled(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := caseIDs(seedDemo(t, emu, url))
	cfg := live.EndpointConfig(url, nil)
	only := []string{ids["missing everywhere"], ids["disabled"]}
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg, Distributions: only})
	if err != nil {
		t.Fatal(err)
	}
	d := changesOf(p, fixplan.TypeDistribution)
	if len(d) != 2 || d[0].Action != fixplan.Update || d[1].Action != fixplan.None || d[1].Distribution.Skip != fixplan.SkipDisabled {
		t.Fatalf("filtered plan: %+v", d)
	}
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() {
		t.Fatal(rep, err)
	}
	if r := resultOf(t, rep, ids["disabled"]); r.Status != StatusSkipped || !strings.Contains(r.Reason, "disabled") {
		t.Errorf("disabled: %+v", r)
	}
	cf := cloudfront.NewFromConfig(cfg)
	if c, _ := getConfig(t, cf, ids["only the default behavior missing"]); allLogging(c, defaultConfigARN) {
		t.Error("a distribution outside the filter was changed")
	}
	// --include-disabled fixes it.
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg, Distributions: only[1:], IncludeDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := changesOf(p, fixplan.TypeDistribution); d[0].Action != fixplan.Update || !strings.Contains(d[0].Summary, "(disabled)") {
		t.Fatalf("include disabled: %+v", d)
	}
	if rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir())); err != nil || rep.Summary.Fixed != 1 {
		t.Fatal(rep, err)
	}
	if c, _ := getConfig(t, cf, ids["disabled"]); !allLogging(c, defaultConfigARN) {
		t.Error("disabled distribution not fixed with IncludeDisabled")
	}
	// An unknown ID is an error.
	if _, err := MakePlan(context.Background(), PlanOptions{Config: cfg, Distributions: []string{"E0NOSUCH"}}); err == nil || !strings.Contains(err.Error(), "E0NOSUCH") {
		t.Errorf("unknown distribution: %v", err)
	}
}

// TestSavedPlanReverifies applies a saved plan after someone changed a
// distribution: their change stays, only ARNs are added where still missing.
func TestSavedPlanReverifies(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := caseIDs(seedDemo(t, emu, url))
	cfg := live.EndpointConfig(url, nil)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fix.plan.json")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	// Meanwhile: a new comment, /api/* gets the main config, and a new behavior appears.
	cf := cloudfront.NewFromConfig(cfg)
	id := ids["missing everywhere"]
	c, etag := getConfig(t, cf, id)
	mainARN := "arn:aws:cloudfront::" + account + ":realtime-log-config/main"
	c.Comment = aws.String("changed by someone else")
	c.CacheBehaviors.Items[0].RealtimeLogConfigArn = aws.String(mainARN)
	extra := c.CacheBehaviors.Items[1]
	extra.PathPattern = aws.String("/new/*")
	c.CacheBehaviors.Items = append(c.CacheBehaviors.Items, extra)
	c.CacheBehaviors.Quantity = aws.Int32(3)
	if _, err := cf.UpdateDistribution(context.Background(), &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: aws.String(etag), DistributionConfig: c}); err != nil {
		t.Fatal(err)
	}
	loaded, err := fixplan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(context.Background(), loaded, testApplyOptions(cfg, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	r := resultOf(t, rep, id)
	if r.Status != StatusFixed || !r.ChangedSincePlan || len(r.Behaviors) != 2 ||
		!strings.Contains(r.Reason, `"/api/*" got another config`) || !strings.Contains(r.Reason, `not in the plan still lack a config: "/new/*"`) {
		t.Errorf("result %+v", r)
	}
	after, _ := getConfig(t, cf, id)
	if aws.ToString(after.Comment) != "changed by someone else" ||
		aws.ToString(after.DefaultCacheBehavior.RealtimeLogConfigArn) != defaultConfigARN ||
		aws.ToString(after.CacheBehaviors.Items[0].RealtimeLogConfigArn) != mainARN ||
		aws.ToString(after.CacheBehaviors.Items[1].RealtimeLogConfigArn) != defaultConfigARN ||
		aws.ToString(after.CacheBehaviors.Items[2].RealtimeLogConfigArn) != "" {
		t.Errorf("after apply: %+v", after)
	}

	// A plan for another account is refused.
	loaded.Account = "999988887777"
	if _, err := Apply(context.Background(), loaded, testApplyOptions(cfg, t.TempDir())); err == nil || !strings.Contains(err.Error(), "999988887777") {
		t.Errorf("plan of another account: %v", err)
	}
}

// TestRoleLeastPrivilege: an existing role with a broad inline policy and a
// loose trust policy is brought to the least-privilege policies.
func TestRoleLeastPrivilege(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	_ = emu
	cfg := live.EndpointConfig(url, nil)
	ctx := context.Background()
	ic := iam.NewFromConfig(cfg)
	if _, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(DefaultRoleName), Path: aws.String(RolePath),
		AssumeRolePolicyDocument: aws.String(TrustPolicy(account))}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(DefaultRoleName), PolicyName: aws.String(RolePolicyName),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(DefaultRoleName), PolicyName: aws.String("extra"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	seedMany(t, url, 1, "role")
	p, err := MakePlan(ctx, PlanOptions{Config: cfg, NoEncryption: true, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	rc := changesOf(p, fixplan.TypeRole)[0]
	if rc.Action != fixplan.Update || !rc.Role.UpdatePolicy || rc.Role.UpdateTrust || !strings.Contains(rc.Summary, "inline policies extra") ||
		!strings.Contains(rc.Diff, "~ inline policy "+RolePolicyName) {
		t.Fatalf("role change %+v", rc)
	}
	if st := changesOf(p, fixplan.TypeStream)[0].Stream; st.Mode != "PROVISIONED" || st.Shards != 2 || st.Encryption != "NONE" {
		t.Errorf("stream %+v", st)
	}
	rep, err := Apply(ctx, p, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() {
		t.Fatalf("%+v %v", rep, err)
	}
	out, err := ic.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(DefaultRoleName), PolicyName: aws.String(RolePolicyName)})
	if err != nil || !samePolicy(aws.ToString(out.PolicyDocument), rc.Role.Policy) {
		t.Errorf("policy after apply: %v %v", out, err)
	}
	if p2, err := MakePlan(ctx, PlanOptions{Config: cfg, NoEncryption: true}); err != nil || p2.HasChanges() {
		t.Errorf("after the update: %v %v", p2.Counts(), err)
	}
}

func TestDeliveryPolicyKeys(t *testing.T) {
	stream := "arn:aws:kinesis:eu-west-1:" + account + ":stream/s"
	for _, tt := range []struct{ key, want string }{
		{"", ""},
		{AWSManagedKinesisKey, ""},
		{"arn:aws:kms:eu-west-1:" + account + ":alias/aws/kinesis", ""},
		{"arn:aws:kms:eu-west-1:" + account + ":key/abc", `"Resource":"arn:aws:kms:eu-west-1:` + account + `:key/abc"`},
		{"abc-123", `"Resource":"arn:aws:kms:eu-west-1:` + account + `:key/abc-123"`},
		{"alias/logs", `"Resource":"arn:aws:kms:eu-west-1:` + account + `:key/*","Condition":{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/logs"}}`},
	} {
		doc := DeliveryPolicy("aws", account, stream, tt.key)
		var v map[string]any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		hasKMS := strings.Contains(doc, "kms:GenerateDataKey")
		if hasKMS != (tt.want != "") || !strings.Contains(doc, tt.want) {
			t.Errorf("key %q: %s", tt.key, doc)
		}
	}
}

// TestWaits: a new stream stays CREATING for a while, so the config is
// created once it is ACTIVE (and encrypted); --wait waits for Deployed.
func TestWaits(t *testing.T) {
	_, url := testEmulator(t, emulator.Options{StreamActivationDelay: 150 * time.Millisecond, DeployDelay: 300 * time.Millisecond})
	ids := seedMany(t, url, 3, "wait")
	cfg := live.EndpointConfig(url, nil)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	o := testApplyOptions(cfg, t.TempDir())
	o.Wait = true
	start := time.Now()
	rep, err := Apply(context.Background(), p, o)
	if err != nil || !rep.Complete() || rep.Summary.Fixed != 3 {
		t.Fatalf("%+v %v", rep, err)
	}
	if time.Since(start) < 300*time.Millisecond {
		t.Errorf("apply took %s; it cannot have waited for the stream and the deployment", time.Since(start))
	}
	for _, id := range ids {
		r := resultOf(t, rep, id)
		if r.Deployed == nil || !*r.Deployed {
			t.Errorf("%s: deployed %v %s", id, r.Deployed, r.WaitError)
		}
		out, err := cloudfront.NewFromConfig(cfg).GetDistribution(context.Background(), &cloudfront.GetDistributionInput{Id: aws.String(id)})
		if err != nil || aws.ToString(out.Distribution.Status) != "Deployed" {
			t.Errorf("%s: status %v %v", id, out, err)
		}
	}
	// A wait that cannot end in time is reported, and the apply is not complete.
	ids = seedMany(t, url, 1, "slow")
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg, Distributions: ids})
	if err != nil {
		t.Fatal(err)
	}
	o.WaitTimeout = 50 * time.Millisecond
	rep, err = Apply(context.Background(), p, o)
	if err != nil || rep.Complete() || rep.Summary.WaitFailed != 1 || rep.Summary.Fixed != 1 {
		t.Errorf("short wait: %+v %v", rep.Summary, err)
	}
}

// TestStaleSavedPlan applies a saved plan twice: the second time its
// creates find everything in place and reuse it; nothing is duplicated and
// no distribution is changed again.
func TestStaleSavedPlan(t *testing.T) {
	_, url := testEmulator(t, emulator.Options{})
	seedMany(t, url, 3, "stale")
	cfg := live.EndpointConfig(url, nil)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	if rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir())); err != nil || !rep.Complete() || rep.Summary.Fixed != 3 {
		t.Fatalf("%+v %v", rep, err)
	}
	s0, r0, c0 := resourceCounts(t, cfg)
	again, err := fixplan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(context.Background(), again, testApplyOptions(cfg, t.TempDir()))
	if err != nil || !rep.Complete() || rep.Summary.Fixed != 0 || rep.Summary.Unchanged != 3 {
		t.Fatalf("%+v %v", rep, err)
	}
	for _, r := range rep.Resources {
		if r.Status != ResourceReused {
			t.Errorf("%s %s: %s (%s)", r.Type, r.ID, r.Status, r.Detail)
		}
	}
	for _, d := range rep.Distributions {
		if d.Backup != "" || !strings.Contains(d.Reason, "already had the config") {
			t.Errorf("%s: %+v", d.ID, d)
		}
	}
	if s, r, c := resourceCounts(t, cfg); s != s0 || r != r0 || c != c0 {
		t.Errorf("duplicates: streams %d→%d roles %d→%d configs %d→%d", s0, s, r0, r, c0, c)
	}
}

// TestNamedLookups: --distribution IDs, few or many, are found in the
// account's list as the scan reads it (one page of 100 here), and plan the
// same as when every distribution is planned.
func TestNamedLookups(t *testing.T) {
	_, url := testEmulator(t, emulator.Options{})
	ids := seedMany(t, url, 15, "named")
	plans := map[int]*fixplan.Plan{}
	for _, n := range []int{2, 12} {
		counter := live.NewCallCounter()
		p, err := MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(url, counter), Distributions: append(ids[:n:n], ids[0])})
		if err != nil {
			t.Fatal(err)
		}
		if c := counter.Counts(); c["cloudfront:GetDistribution"] != 0 || c["cloudfront:ListDistributions"] != 1 {
			t.Errorf("%d IDs: calls %s", n, counter)
		}
		if d := changesOf(p, fixplan.TypeDistribution); len(d) != n || d[0].Action != fixplan.Update || d[0].Distribution.ETag == "" {
			t.Errorf("%d IDs: %d changes: %+v", n, len(d), d[0])
		}
		plans[n] = p
	}
	byID := func(p *fixplan.Plan) fixplan.Change {
		for _, c := range changesOf(p, fixplan.TypeDistribution) {
			if c.Resource.ID == ids[1] {
				return c
			}
		}
		t.Fatalf("no change for %s", ids[1])
		return fixplan.Change{}
	}
	a, b := byID(plans[2]), byID(plans[12])
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("read one by one vs listed (-get +list):\n%s", diff)
	}
}

// TestNothingToAttach: when no distribution needs a config, none is created.
func TestNothingToAttach(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := caseIDs(seedDemo(t, emu, url))
	p, err := MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(url, nil), Distributions: []string{ids["compliant: every behavior logs"], ids["disabled"]}})
	if err != nil {
		t.Fatal(err)
	}
	if p.HasChanges() || len(p.Changes) != 2 {
		t.Errorf("plan %v with %d changes, want only the two distributions", p.Counts(), len(p.Changes))
	}
}
