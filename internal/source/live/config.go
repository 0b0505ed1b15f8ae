package live

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
)

// ConfigOptions are the command-line overrides of the SDK's standard configuration.
type ConfigOptions struct {
	Profile     string // --profile; empty uses AWS_PROFILE or the default profile
	Region      string // --region; empty uses AWS_REGION or the profile's region
	EndpointURL string // --endpoint-url; empty uses AWS_ENDPOINT_URL and friends
	// MaxAttempts bounds retries per call; zero uses 8.
	MaxAttempts int
	// MaxBackoff caps the wait between retries; zero uses the SDK's 20 s.
	MaxBackoff time.Duration
	// Counter, when set, counts every API operation.
	Counter *CallCounter
}

// LoadConfig loads the SDK configuration the way the AWS CLI does (environment,
// shared config and credentials files, SSO, IMDS), with adaptive retries for
// throttling. CloudFront and IAM are global; the region only matters for
// Kinesis, and defaults to us-east-1 when nothing sets one.
func LoadConfig(ctx context.Context, o ConfigOptions) (aws.Config, error) {
	attempts := o.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewAdaptiveMode(func(a *retry.AdaptiveModeOptions) {
				a.StandardOptions = append(a.StandardOptions, func(s *retry.StandardOptions) {
					s.MaxAttempts = attempts
					if o.MaxBackoff > 0 {
						s.MaxBackoff = o.MaxBackoff
						s.Backoff = retry.NewExponentialJitterBackoff(o.MaxBackoff)
					}
				})
			})
		}),
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.EndpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(o.EndpointURL))
	}
	if o.Counter != nil {
		opts = append(opts, config.WithAPIOptions([]func(*middleware.Stack) error{o.Counter.Attach}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	cfg.HTTPClient = BufferRequestBodies(cfg.HTTPClient)
	return cfg, nil
}

// EndpointConfig is an SDK configuration that sends every call to the
// endpoint at url (the emulator) with static placeholder credentials and
// none of the shared configuration, counting calls when counter is set.
// The demo and the tests use it; audits of real accounts use LoadConfig.
func EndpointConfig(url string, counter *CallCounter) aws.Config {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIADEMO", "demo-secret", ""),
		BaseEndpoint: aws.String(url),
		HTTPClient:   BufferRequestBodies(nil),
	}
	if counter != nil {
		cfg.APIOptions = append(cfg.APIOptions, counter.Attach)
	}
	return cfg
}
