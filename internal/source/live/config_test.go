package live

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

var (
	errThrottled = &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
	errTransient = &smithy.GenericAPIError{Code: "RequestTimeout", Message: "try again"}
)

// scanRetryer returns a fresh retryer of the configuration scan aws uses.
func scanRetryer(t *testing.T, o ConfigOptions) aws.RetryerV2 {
	t.Helper()
	home := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "none"))
	o.EndpointURL = "http://127.0.0.1:1"
	cfg, err := LoadConfig(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := cfg.Retryer().(aws.RetryerV2)
	if !ok {
		t.Fatalf("retryer %T is not an aws.RetryerV2", cfg.Retryer())
	}
	return r
}

// TestRetryerThrottlingCostsOnlyBackoff checks that throttling never uses up
// the retry budget: only errors that may mean an outage spend it.
func TestRetryerThrottlingCostsOnlyBackoff(t *testing.T) {
	r := scanRetryer(t, ConfigOptions{})
	for i := range 1000 {
		if _, err := r.GetRetryToken(context.Background(), errThrottled); err != nil {
			t.Fatalf("throttled retry %d refused: %v", i+1, err)
		}
	}
	// Transient errors still spend a bounded budget, so an outage is not
	// retried forever.
	refused := false
	for range 1000 {
		if _, err := r.GetRetryToken(context.Background(), errTransient); err != nil {
			refused = true
			break
		}
	}
	if !refused {
		t.Error("1000 retries of transient errors granted: no retry budget")
	}
}

// TestRetryerNoClientSideRateLimit checks that no attempt waits for a
// client-side send rate after throttling: the adaptive mode's token bucket
// falls to half a request per second and starves a scan. A cancelled context
// shows it, since an attempt that would wait fails at once.
func TestRetryerNoClientSideRateLimit(t *testing.T) {
	r := scanRetryer(t, ConfigOptions{})
	for range 50 {
		release, err := r.GetAttemptToken(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		_ = release(errThrottled)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 20 {
		release, err := r.GetAttemptToken(ctx)
		if err != nil {
			t.Fatalf("attempt %d after 50 throttled responses had to wait: %v", i+1, err)
		}
		_ = release(nil)
	}
}

// TestRetryerBackoff checks the backoff: full jitter below an exponential
// bound that starts at 250 ms for throttling and 50 ms for other errors, and
// never above MaxBackoff.
func TestRetryerBackoff(t *testing.T) {
	tests := []struct {
		name string
		err  error
		max  time.Duration // MaxBackoff option, 0 for the default
		cap  func(attempt int) time.Duration
	}{
		{"throttling", errThrottled, 0, func(a int) time.Duration { return min(250*time.Millisecond<<(a-1), 20*time.Second) }},
		{"transient", errTransient, 0, func(a int) time.Duration { return min(50*time.Millisecond<<(a-1), 20*time.Second) }},
		{"throttling with MaxBackoff", errThrottled, 300 * time.Millisecond, func(a int) time.Duration { return min(250*time.Millisecond<<(a-1), 300*time.Millisecond) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanRetryer(t, ConfigOptions{MaxBackoff: tt.max})
			for attempt := 1; attempt <= r.MaxAttempts(); attempt++ {
				limit := tt.cap(attempt)
				seen := map[time.Duration]bool{}
				var top time.Duration
				for range 200 {
					d, err := r.RetryDelay(attempt, tt.err)
					if err != nil {
						t.Fatal(err)
					}
					if d < 0 || d > limit {
						t.Fatalf("attempt %d: delay %v outside [0, %v]", attempt, d, limit)
					}
					seen[d] = true
					top = max(top, d)
				}
				if len(seen) < 100 {
					t.Errorf("attempt %d: %d distinct delays in 200: no jitter", attempt, len(seen))
				}
				if top < limit/2 {
					t.Errorf("attempt %d: longest of 200 delays %v, below half the bound %v", attempt, top, limit)
				}
			}
		})
	}
	if n := scanRetryer(t, ConfigOptions{}).MaxAttempts(); n != 10 {
		t.Errorf("MaxAttempts %d, want 10", n)
	}
}

// TestRetryerPerService checks that every SDK client (one per service, and
// per region for Kinesis) gets its own retry budget: an outage of one service
// does not stop the retries of another.
func TestRetryerPerService(t *testing.T) {
	home := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "none"))
	cfg, err := LoadConfig(context.Background(), ConfigOptions{EndpointURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	iamRetryer, cfRetryer := cfg.Retryer().(aws.RetryerV2), cfg.Retryer().(aws.RetryerV2)
	for {
		if _, err := iamRetryer.GetRetryToken(context.Background(), errTransient); err != nil {
			break
		}
	}
	if _, err := cfRetryer.GetRetryToken(context.Background(), errTransient); err != nil {
		t.Errorf("one client's spent budget refused another's retry: %v", err)
	}
}
