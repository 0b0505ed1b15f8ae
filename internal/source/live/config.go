package live

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
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
	// MaxAttempts bounds attempts per call; zero uses DefaultMaxAttempts.
	MaxAttempts int
	// MaxBackoff caps the wait between retries; zero uses the SDK's 20 s.
	MaxBackoff time.Duration
	// Counter, when set, counts every API operation.
	Counter *CallCounter
}

// Retry settings of LoadConfig.
const (
	// DefaultMaxAttempts is the number of attempts per call.
	DefaultMaxAttempts = 10
	// ThrottleBaseDelay bounds the first wait after a throttling error; each
	// further retry doubles the bound, up to MaxBackoff.
	ThrottleBaseDelay = 250 * time.Millisecond
	// TransientBaseDelay does the same for other retryable errors (5xx,
	// timeouts, broken connections).
	TransientBaseDelay = 50 * time.Millisecond
	// RetryBudget is each client's retry token bucket; a retry of a transient
	// error costs the SDK's 14 tokens (refunded when it succeeds), a retry of
	// a throttling error nothing.
	RetryBudget = 500
)

// LoadConfig loads the SDK configuration the way the AWS CLI does (environment,
// shared config and credentials files, SSO, IMDS), with the retryer of
// NewRetryer. CloudFront and IAM are global; the region only matters for
// Kinesis, and defaults to us-east-1 when nothing sets one.
func LoadConfig(ctx context.Context, o ConfigOptions) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return NewRetryer(o.MaxAttempts, o.MaxBackoff) }),
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

// NewRetryer returns the retryer of one SDK client: the SDK's standard mode
// with maxAttempts attempts (zero: DefaultMaxAttempts) and waits capped at
// maxBackoff (zero: the SDK's 20 s), tuned so that throttling costs only its
// backoff:
//   - no client-side send rate: the adaptive mode's token bucket drops to
//     half a request per second after a few throttled responses and starves
//     a scan of a few dozen calls for tens of seconds;
//   - full-jitter exponential backoff from ThrottleBaseDelay for throttling
//     and TransientBaseDelay for other errors (the SDK starts throttling at 1 s);
//   - a retry budget of RetryBudget tokens that only transient errors spend,
//     so an outage stops being retried while throttling never does.
//
// LoadConfig makes one per client, so each service (and each Kinesis region)
// has its own budget.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if maxBackoff <= 0 {
		maxBackoff = retry.DefaultMaxBackoff
	}
	return retry.NewStandard(func(s *retry.StandardOptions) {
		s.MaxAttempts = maxAttempts
		s.MaxBackoff = maxBackoff
		s.Backoff = jitterBackoff{
			throttle:     retry.IsErrorThrottles(s.Throttles),
			throttleBase: ThrottleBaseDelay,
			base:         TransientBaseDelay,
			max:          maxBackoff,
			rand:         rand.Float64,
		}
		s.RateLimiter = ratelimit.NewTokenRateLimit(RetryBudget)
		s.ThrottlingRetryCost = 0
	})
}

// jitterBackoff waits a random time in [0, min(max, base·2^(attempt-1))),
// with a larger base for throttling ("full jitter").
type jitterBackoff struct {
	throttle           retry.IsErrorThrottle
	throttleBase, base time.Duration
	max                time.Duration
	rand               func() float64 // in [0, 1)
}

func (j jitterBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	base := j.base
	if j.throttle.IsErrorThrottle(err) == aws.TrueTernary {
		base = j.throttleBase
	}
	bound := j.max
	if i := attempt - 1; i < 32 && base<<max(i, 0) < j.max {
		bound = base << max(i, 0)
	}
	return time.Duration(j.rand() * float64(bound)), nil
}
