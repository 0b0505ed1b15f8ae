// Package demo builds the demo account in an emulator: one distribution or
// real-time log config for every case cloudassure's rules tell apart.
package demo

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

// StatusPinner pins a Kinesis stream's status; the emulator implements it.
type StatusPinner interface {
	SetStreamStatus(region, name, status string) error
}

// Case is one distribution of the demo account and what cloudassure should say of it.
type Case struct {
	Comment string
	// Want maps rule ID to the expected status.
	Want map[string]string
	// ID is filled in once the distribution exists.
	ID string
}

// CustomerKeyID is the customer managed KMS key the demo's encrypted stream uses.
const CustomerKeyID = "arn:aws:kms:us-east-1:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab"

type seeder struct {
	cf      *cloudfront.Client
	iam     *iam.Client
	kin     *kinesis.Client
	pin     StatusPinner
	account string
	region  string
	// keep, when set, says which of the demo's distributions (by index) to
	// create in this account; the streams, roles and configs are all made.
	keep func(i int) bool
}

// Seed creates the demo account through the AWS APIs at cfg and returns its
// distributions with the expected verdicts.
func Seed(ctx context.Context, cfg aws.Config, account string, pin StatusPinner) ([]*Case, error) {
	s := &seeder{
		cf: cloudfront.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), kin: kinesis.NewFromConfig(cfg),
		pin: pin, account: account, region: cfg.Region,
	}
	return s.seed(ctx)
}

func (s *seeder) seed(ctx context.Context) ([]*Case, error) {
	required := realtimelog.DefaultPolicy().RequiredFields
	allActions := realtimelog.DeliveryActions()
	// Streams.
	for _, name := range []string{"cf-logs", "cf-logs-deleted", "cf-logs-new", "cf-logs-kms"} {
		if _, err := s.kin.CreateStream(ctx, &kinesis.CreateStreamInput{
			StreamName: aws.String(name), StreamModeDetails: &kintypes.StreamModeDetails{StreamMode: kintypes.StreamModeOnDemand},
		}); err != nil {
			return nil, fmt.Errorf("demo: create stream %s: %w", name, err)
		}
	}
	if err := s.waitActive(ctx, "cf-logs-kms"); err != nil {
		return nil, err
	}
	if _, err := s.kin.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{
		StreamName: aws.String("cf-logs-kms"), EncryptionType: kintypes.EncryptionTypeKms,
		KeyId: aws.String(fmt.Sprintf(CustomerKeyID, s.account)),
	}); err != nil {
		return nil, fmt.Errorf("demo: encrypt stream: %w", err)
	}
	// Roles.
	roles := []struct {
		name, service string
		actions       []string
		stream        string
	}{
		{"cf-logs", "cloudfront.amazonaws.com", allActions, "cf-logs"},
		{"cf-logs-deleted", "cloudfront.amazonaws.com", allActions, "cf-logs-deleted"},
		{"cf-logs-new", "cloudfront.amazonaws.com", allActions, "cf-logs-new"},
		{"cf-logs-no-put", "cloudfront.amazonaws.com", allActions[:3], "cf-logs"},
		{"cf-logs-lambda", "lambda.amazonaws.com", allActions, "cf-logs"},
		{"cf-logs-kms", "cloudfront.amazonaws.com", allActions, "cf-logs-kms"},
	}
	for _, r := range roles {
		if err := s.role(ctx, r.name, r.service, r.actions, s.streamARN(r.stream)); err != nil {
			return nil, err
		}
	}
	// Real-time log configs.
	configs := []struct {
		name, stream, role string
		rate               int64
		fields             []string
	}{
		{"main", "cf-logs", "cf-logs", 100, required},
		{"stream-deleted", "cf-logs-deleted", "cf-logs-deleted", 100, required},
		{"stream-creating", "cf-logs-new", "cf-logs-new", 100, required},
		{"role-no-putrecords", "cf-logs", "cf-logs-no-put", 100, required},
		{"role-trusts-lambda", "cf-logs", "cf-logs-lambda", 100, required},
		{"kms-no-permission", "cf-logs-kms", "cf-logs-kms", 100, required},
		{"sampled-5", "cf-logs", "cf-logs", 5, required},
		{"few-fields", "cf-logs", "cf-logs", 100, []string{"timestamp", "c-ip"}},
	}
	arns := map[string]string{}
	for _, c := range configs {
		out, err := s.cf.CreateRealtimeLogConfig(ctx, &cloudfront.CreateRealtimeLogConfigInput{
			Name: aws.String(c.name), SamplingRate: aws.Int64(c.rate), Fields: c.fields,
			EndPoints: []cftypes.EndPoint{{StreamType: aws.String("Kinesis"), KinesisStreamConfig: &cftypes.KinesisStreamConfig{
				StreamARN: aws.String(s.streamARN(c.stream)), RoleARN: aws.String(s.roleARN(c.role)),
			}}},
		})
		if err != nil {
			return nil, fmt.Errorf("demo: create real-time log config %s: %w", c.name, err)
		}
		arns[c.name] = aws.ToString(out.RealtimeLogConfig.ARN)
	}
	// The broken links: a deleted stream and one stuck in CREATING.
	if _, err := s.kin.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("cf-logs-deleted")}); err != nil {
		return nil, fmt.Errorf("demo: delete stream: %w", err)
	}
	if err := s.pin.SetStreamStatus(s.region, "cf-logs-new", "CREATING"); err != nil {
		return nil, fmt.Errorf("demo: pin stream status: %w", err)
	}

	main := arns["main"]
	pass := map[string]string{"CF-001": "PASS", "CF-002": "PASS", "CF-003": "PASS"}
	cases := []struct {
		c        Case
		enabled  bool
		staging  bool
		def      string
		patterns []string
		arns     []string
	}{
		{Case{Comment: "compliant: every behavior logs", Want: pass}, true, false, main, []string{"/api/*", "/static/*"}, []string{main, main}},
		{Case{Comment: "compliant: default behavior only", Want: pass}, true, false, main, nil, nil},
		{Case{Comment: "missing on one ordered behavior", Want: map[string]string{"CF-001": "FAIL", "CF-002": "PASS", "CF-003": "PASS"}}, true, false, main, []string{"/api/*", "/static/*"}, []string{main, ""}},
		{Case{Comment: "missing everywhere", Want: map[string]string{"CF-001": "FAIL", "CF-002": "SKIP", "CF-003": "SKIP"}}, true, false, "", []string{"/api/*", "/images/*"}, []string{"", ""}},
		{Case{Comment: "only the default behavior missing", Want: map[string]string{"CF-001": "FAIL", "CF-002": "PASS", "CF-003": "PASS"}}, true, false, "", []string{"/api/*"}, []string{main}},
		{Case{Comment: "disabled", Want: map[string]string{"CF-001": "SKIP", "CF-002": "SKIP", "CF-003": "SKIP"}}, false, false, "", nil, nil},
		{Case{Comment: "staging distribution missing logs", Want: map[string]string{"CF-001": "FAIL", "CF-002": "PASS", "CF-003": "PASS"}}, true, true, "", []string{"/api/*"}, []string{main}},
		{Case{Comment: "config whose stream was deleted", Want: map[string]string{"CF-001": "PASS", "CF-002": "FAIL", "CF-003": "PASS"}}, true, false, arns["stream-deleted"], nil, nil},
		{Case{Comment: "stream still CREATING", Want: map[string]string{"CF-001": "PASS", "CF-002": "FAIL", "CF-003": "PASS"}}, true, false, arns["stream-creating"], nil, nil},
		{Case{Comment: "role without PutRecords", Want: map[string]string{"CF-001": "PASS", "CF-002": "FAIL", "CF-003": "PASS"}}, true, false, arns["role-no-putrecords"], nil, nil},
		{Case{Comment: "role trusting another service", Want: map[string]string{"CF-001": "PASS", "CF-002": "FAIL", "CF-003": "PASS"}}, true, false, arns["role-trusts-lambda"], nil, nil},
		{Case{Comment: "KMS stream without kms permission", Want: map[string]string{"CF-001": "PASS", "CF-002": "FAIL", "CF-003": "PASS"}}, true, false, arns["kms-no-permission"], nil, nil},
		{Case{Comment: "sampling rate 5%", Want: map[string]string{"CF-001": "PASS", "CF-002": "PASS", "CF-003": "FAIL"}}, true, false, arns["sampled-5"], nil, nil},
		{Case{Comment: "config lacking required fields", Want: map[string]string{"CF-001": "PASS", "CF-002": "PASS", "CF-003": "FAIL"}}, true, false, arns["few-fields"], nil, nil},
	}
	out := make([]*Case, 0, len(cases))
	for i, c := range cases {
		if s.keep != nil && !s.keep(i) {
			continue
		}
		cfg := DistributionConfig(fmt.Sprintf("demo-%02d", i+1), c.c.Comment, c.enabled, c.def, c.patterns, c.arns)
		if c.staging {
			cfg.Staging = aws.Bool(true)
		}
		res, err := s.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
		if err != nil {
			return nil, fmt.Errorf("demo: create distribution %q: %w", c.c.Comment, err)
		}
		cc := c.c
		cc.ID = aws.ToString(res.Distribution.Id)
		out = append(out, &cc)
	}
	return out, nil
}

func (s *seeder) streamARN(name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", s.region, s.account, name)
}

func (s *seeder) roleARN(name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/service-role/%s", s.account, name)
}

func (s *seeder) role(ctx context.Context, name, service string, actions []string, streamARN string) error {
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":%q},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":%q}}}]}`, service, s.account)
	if _, err := s.iam.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(name), Path: aws.String("/service-role/"), AssumeRolePolicyDocument: aws.String(trust),
	}); err != nil {
		return fmt.Errorf("demo: create role %s: %w", name, err)
	}
	acts := ""
	for i, a := range actions {
		if i > 0 {
			acts += ","
		}
		acts += fmt.Sprintf("%q", a)
	}
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[%s],"Resource":%q}]}`, acts, streamARN)
	if _, err := s.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(name), PolicyName: aws.String("deliver-realtime-logs"), PolicyDocument: aws.String(policy),
	}); err != nil {
		return fmt.Errorf("demo: put role policy %s: %w", name, err)
	}
	return nil
}

func (s *seeder) waitActive(ctx context.Context, name string) error {
	w := kinesis.NewStreamExistsWaiter(s.kin)
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, time.Minute); err != nil {
		return fmt.Errorf("demo: wait for stream %s: %w", name, err)
	}
	return nil
}

// DistributionConfig returns a realistic distribution config with an S3
// origin, the default behavior using defaultARN and ordered behaviors with
// the given path patterns and config ARNs ("" for none).
func DistributionConfig(ref, comment string, enabled bool, defaultARN string, patterns, arns []string) *cftypes.DistributionConfig {
	origin := "assets-" + url.PathEscape(ref)
	cfg := &cftypes.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String(comment),
		Enabled:         aws.Bool(enabled),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
			Id: aws.String(origin), DomainName: aws.String(origin + ".s3.us-east-1.amazonaws.com"),
			S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			TargetOriginId:       aws.String(origin),
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:        aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
			Compress:             aws.Bool(true),
		},
		PriceClass: cftypes.PriceClassPriceClass100,
	}
	if defaultARN != "" {
		cfg.DefaultCacheBehavior.RealtimeLogConfigArn = aws.String(defaultARN)
	}
	if len(patterns) > 0 {
		cbs := &cftypes.CacheBehaviors{Quantity: aws.Int32(int32(len(patterns)))}
		for i, p := range patterns {
			cb := cftypes.CacheBehavior{
				PathPattern: aws.String(p), TargetOriginId: aws.String(origin),
				ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyHttpsOnly,
				CachePolicyId:        aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
			}
			if arns[i] != "" {
				cb.RealtimeLogConfigArn = aws.String(arns[i])
			}
			cbs.Items = append(cbs.Items, cb)
		}
		cfg.CacheBehaviors = cbs
	}
	return cfg
}
