package fixaws

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/cloudassure/cloudassure/internal/awserr"
)

// Planner-level retry of the account-wide reads (the distribution list and
// the destination's config, stream and role). Each call already has the SDK
// retryer's attempts; when those run out under heavy throttling, the read is
// made again after a pause, a bounded number of times. The reads change
// nothing, so repeating them is safe.
const (
	// ReadRounds bounds how often the planner makes one account-wide read.
	ReadRounds = 4
	// readBackoffBase and readBackoffMax shape the pause between rounds:
	// doubling from the base, capped, with equal jitter.
	readBackoffBase = 500 * time.Millisecond
	readBackoffMax  = 4 * time.Second
	// SetupRounds bounds how often the apply makes one call that sets up
	// the destination (a create, the encryption, a policy, a read while
	// waiting for the stream) when the SDK's attempts ran out.
	SetupRounds = 4
)

// readBackoff is the pause before round attempt+1 (attempt counts from 0).
func readBackoff(attempt int) time.Duration {
	d := readBackoffBase << attempt
	if d <= 0 || d > readBackoffMax {
		d = readBackoffMax
	}
	return d/2 + rand.N(d/2+1)
}

// retryableRead reports whether a read (or an update that was refused, so
// not written) that failed may succeed when made
// again: when the SDK retryer judged its error retryable (throttling, a
// server error, a broken connection) and ran out of attempts. An answer
// (not found), a refusal (access denied) or an interruption is not retried.
func retryableRead(err error) bool {
	var spent *retry.MaxAttemptsError
	return errors.As(err, &spent) && !awserr.IsAccessDenied(err) && !awserr.IsNotFound(err) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// pauseRead waits before round attempt+1 of a read; false when ctx ended
// first. backoff nil means readBackoff.
func pauseRead(ctx context.Context, backoff func(int) time.Duration, attempt int) bool {
	if backoff == nil {
		backoff = readBackoff
	}
	t := time.NewTimer(backoff(attempt))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// retryRead makes read up to ReadRounds times while it fails in a way that
// may pass, and returns its last error.
func retryRead(ctx context.Context, backoff func(int) time.Duration, read func() error) error {
	for attempt := 0; ; attempt++ {
		err := read()
		if err == nil || !retryableRead(err) || attempt+1 >= ReadRounds || ctx.Err() != nil || !pauseRead(ctx, backoff, attempt) {
			return err
		}
	}
}

func (p *planner) pause(ctx context.Context, attempt int) bool {
	return pauseRead(ctx, p.o.readBackoff, attempt)
}

func (p *planner) retry(ctx context.Context, read func() error) error {
	return retryRead(ctx, p.o.readBackoff, read)
}
