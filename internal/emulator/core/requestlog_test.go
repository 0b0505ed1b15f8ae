package core_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLog(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, cfg := emutest.Start(t, emulator.Options{Logger: log})
	ctx := context.Background()
	const secret = "origin-header-secret-value"
	conf := emutest.DistributionConfig("log", "")
	conf.Origins.Items[0].CustomHeaders = &types.CustomHeaders{Quantity: aws.Int32(1), Items: []types.OriginCustomHeader{
		{HeaderName: aws.String("X-Secret"), HeaderValue: aws.String(secret)},
	}}
	cf := cloudfront.NewFromConfig(cfg)
	if _, err := cf.CreateDistributionWithTags(ctx, &cloudfront.CreateDistributionWithTagsInput{DistributionConfigWithTags: &types.DistributionConfigWithTags{
		DistributionConfig: conf, Tags: &types.Tags{Items: []types.Tag{}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := kinesis.NewFromConfig(cfg).DescribeLimits(ctx, &kinesis.DescribeLimitsInput{}); err != nil {
		t.Fatal(err)
	}
	_, _ = iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")})
	out := buf.String()
	for _, want := range []string{
		`service=cloudfront operation="POST /2020-05-31/distribution?WithTags" method=POST path=/2020-05-31/distribution status=201`,
		`service=kinesis operation=DescribeLimits method=POST path=/ status=200`,
		`service=iam operation=GetRole method=POST path=/ status=404`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// Each request names the client connection it came on, and the
	// connections' states are logged, so that a lost answer can be told
	// from a request sent twice (the client closing right after a 201).
	for _, want := range []string{`status=201 request_id=`, ` remote=127.0.0.1:`, `msg=conn remote=127.0.0.1:`, ` state=active`, ` state=idle`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) {
		t.Errorf("log holds a request body value:\n%s", out)
	}

	// Without a logger, or above debug level, nothing is written.
	var quiet syncBuffer
	_, cfg = emutest.Start(t, emulator.Options{Logger: slog.New(slog.NewTextHandler(&quiet, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if _, err := kinesis.NewFromConfig(cfg).DescribeLimits(ctx, &kinesis.DescribeLimitsInput{}); err != nil {
		t.Fatal(err)
	}
	if quiet.String() != "" {
		t.Errorf("info-level logger got %q", quiet.String())
	}
}
