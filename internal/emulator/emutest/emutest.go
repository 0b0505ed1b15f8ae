// Package emutest holds what the emulator's tests share: an emulator on
// loopback with an SDK config pointing at it, the AWS CLI v2 run against
// it, and a small valid CloudFront distribution config.
package emutest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// Start starts an emulator on loopback and returns it with an SDK config
// that points every service at it; the test's cleanup closes it.
func Start(t testing.TB, opts emulator.Options) (*emulator.Server, aws.Config) {
	t.Helper()
	s := emulator.New(opts)
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, live.EndpointConfig(url, nil)
}

// AWSCLI returns the path of an AWS CLI v2, or skips the test when there is none.
// CI installs it (Debian package awscli); a pyenv shim may shadow it with v1.
func AWSCLI(t testing.TB) string {
	t.Helper()
	if p := findCLI(); p != "" {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("AWS CLI v2 not found; .ci/run must install the awscli package")
	}
	t.Skip("AWS CLI v2 not installed")
	return ""
}

// findCLI looks for an AWS CLI v2 once per test binary.
var findCLI = sync.OnceValue(func() string {
	for _, p := range []string{"/usr/bin/aws", "/usr/local/bin/aws"} {
		out, err := exec.Command(p, "--version").CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2") {
			return p
		}
	}
	return ""
})

// RunCLI runs the AWS CLI v2 against the emulator at url and returns stdout.
// It fails the test when the command fails, unless wantErr is set, in which
// case it returns the combined output.
func RunCLI(t testing.TB, url string, wantErr bool, args ...string) string {
	t.Helper()
	bin := AWSCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60_000_000_000)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--endpoint-url", url, "--region", "us-east-1", "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=", "AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=1",
	)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if wantErr {
		if err == nil {
			t.Fatalf("aws %s: want an error, got success: %s", strings.Join(args, " "), stdout.String())
		}
		return stdout.String() + stderr.String()
	}
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// DistributionConfig returns a small valid config whose default behavior and
// each ordered behavior (one per entry of behaviorARNs) log to the given
// ARNs.
func DistributionConfig(ref, defaultARN string, behaviorARNs ...string) *cftypes.DistributionConfig {
	cfg := &cftypes.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String("test " + ref),
		Enabled:         aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
			Id: aws.String("web"), DomainName: aws.String("example.com"),
			CustomOriginConfig: &cftypes.CustomOriginConfig{
				HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly,
			},
		}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			TargetOriginId:       aws.String("web"),
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:        aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
		},
	}
	if defaultARN != "" {
		cfg.DefaultCacheBehavior.RealtimeLogConfigArn = aws.String(defaultARN)
	}
	if len(behaviorARNs) > 0 {
		cbs := &cftypes.CacheBehaviors{Quantity: aws.Int32(int32(len(behaviorARNs)))}
		for i, arn := range behaviorARNs {
			cbs.Items = append(cbs.Items, cftypes.CacheBehavior{
				PathPattern:          aws.String(fmt.Sprintf("/p%d/*", i)),
				TargetOriginId:       aws.String("web"),
				ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyHttpsOnly,
				CachePolicyId:        aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
				RealtimeLogConfigArn: aws.String(arn),
			})
		}
		cfg.CacheBehaviors = cbs
	}
	return cfg
}

// StartNoRetry starts an emulator and returns it with an SDK config that
// does not retry, so error cases answer at once.
//
// The config has its own transport, whose idle connections are closed before
// the emulator stops: concurrent requests leave connections the client
// dialled but never used, and http.Server.Shutdown waits five seconds for
// such never-used connections.
func StartNoRetry(t testing.TB, opts emulator.Options) (*emulator.Server, aws.Config) {
	t.Helper()
	s, cfg := Start(t, opts)
	cfg.RetryMaxAttempts = 1
	tr := http.DefaultTransport.(*http.Transport).Clone()
	cfg.HTTPClient = live.BufferRequestBodies(&http.Client{Transport: tr})
	t.Cleanup(tr.CloseIdleConnections) // runs before Start's Close
	return s, cfg
}

// WantCode fails unless err is an API error with the given code.
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s (%s)", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// ReadShard returns the records of a Kinesis shard from its trim horizon
// (one GetRecords call).
func ReadShard(t testing.TB, c *kinesis.Client, stream, shard string) []types.Record {
	t.Helper()
	ctx := context.Background()
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String(shard), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	return out.Records
}

// Clock is a settable clock for Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at a fixed time.
func NewClock() *Clock {
	return &Clock{t: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TrustPolicy lets CloudFront assume a role; RolePolicy lets it write to
// the stream cf-logs of the default account.
const (
	TrustPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Service": "cloudfront.amazonaws.com"},
      "Action": "sts:AssumeRole"
    }
  ]
}`
	RolePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:DescribeStreamSummary","kinesis:PutRecord","kinesis:PutRecords"],"Resource":"arn:aws:kinesis:us-east-1:111122223333:stream/cf-logs"}]}`
)

// WantErr fails unless err is (or wraps) an error of type E.
func WantErr[E error](t testing.TB, err error) {
	t.Helper()
	var target E
	if !errors.As(err, &target) {
		t.Fatalf("want %T, got %v", target, err)
	}
}
