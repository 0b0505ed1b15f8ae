// Package emutest holds what the emulator's tests share: an emulator on
// loopback with an SDK config pointing at it, the AWS CLI v2 run against
// it, and a small valid CloudFront distribution config.
package emutest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

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
func DistributionConfig(ref, defaultARN string, behaviorARNs ...string) *types.DistributionConfig {
	cfg := &types.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String("test " + ref),
		Enabled:         aws.Bool(true),
		Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
			Id: aws.String("web"), DomainName: aws.String("example.com"),
			CustomOriginConfig: &types.CustomOriginConfig{
				HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpsOnly,
			},
		}}},
		DefaultCacheBehavior: &types.DefaultCacheBehavior{
			TargetOriginId:       aws.String("web"),
			ViewerProtocolPolicy: types.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:        aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"),
		},
	}
	if defaultARN != "" {
		cfg.DefaultCacheBehavior.RealtimeLogConfigArn = aws.String(defaultARN)
	}
	if len(behaviorARNs) > 0 {
		cbs := &types.CacheBehaviors{Quantity: aws.Int32(int32(len(behaviorARNs)))}
		for i, arn := range behaviorARNs {
			cbs.Items = append(cbs.Items, types.CacheBehavior{
				PathPattern:          aws.String(fmt.Sprintf("/p%d/*", i)),
				TargetOriginId:       aws.String("web"),
				ViewerProtocolPolicy: types.ViewerProtocolPolicyHttpsOnly,
				CachePolicyId:        aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
				RealtimeLogConfigArn: aws.String(arn),
			})
		}
		cfg.CacheBehaviors = cbs
	}
	return cfg
}
