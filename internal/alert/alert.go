// Package alert sends the store's outbox: each batch (the changes of one scan
// round for one channel) goes out as one message on Slack, a signed generic
// webhook, email over SMTP with STARTTLS, or the terminal.
package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

// Channel delivers one batch as one message.
type Channel interface {
	Name() string
	Send(ctx context.Context, b *store.Batch) error
}

// permanent marks an error that retrying cannot fix (a 4xx answer, a rejected recipient).
type permanent struct{ err error }

func (p *permanent) Error() string { return p.err.Error() }
func (p *permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &permanent{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanent
	return errors.As(err, &p)
}

// scrub drops the URL from an HTTP client error: webhook URLs are secrets.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Sender sends due batches of its channels, retrying with backoff.
type Sender struct {
	Store    *store.Store
	Channels []Channel
	// Settle is how long a round must be quiet before its batch goes out; default 5 s.
	Settle time.Duration
	// Lease is how long a claimed batch is held before another sender may take it; default 2 min.
	Lease time.Duration
	// MaxAttempts is the number of tries before a delivery fails for good; default 8.
	MaxAttempts int
	// Backoff is the wait before retry n (1-based); default 5 s doubling up to 10 min.
	Backoff func(attempt int) time.Duration
	// Now is the clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// OnOutcome, when set, is told each batch's outcome (for metrics).
	OnOutcome func(channel, outcome string, n int)
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) backoff(n int) time.Duration {
	if s.Backoff != nil {
		return s.Backoff(n)
	}
	d := 5 * time.Second << min(n-1, 10)
	return min(d, 10*time.Minute)
}

// SendDue sends every batch that is due now and returns how many it sent or failed.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	settle, lease, maxAttempts := s.Settle, s.Lease, s.MaxAttempts
	if settle == 0 {
		settle = 5 * time.Second
	}
	if lease == 0 {
		lease = 2 * time.Minute
	}
	if maxAttempts <= 0 {
		maxAttempts = 8
	}
	n := 0
	for _, ch := range s.Channels {
		for ctx.Err() == nil {
			b, err := s.Store.ClaimBatch(ctx, ch.Name(), s.now(), settle, lease)
			if err != nil {
				return n, err
			}
			if b == nil {
				break
			}
			n++
			// A message being sent is finished even when the service stops.
			sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			sendErr := ch.Send(sendCtx, b)
			cancel()
			var o store.Outcome
			outcome := store.DeliverySent
			if sendErr != nil {
				sendErr = scrub(sendErr)
				o.Err = sendErr
				outcome = store.DeliveryFailed
				if !IsPermanent(sendErr) && b.Attempts < maxAttempts {
					o.RetryAt = s.now().Add(s.backoff(b.Attempts))
					outcome = "retry"
				}
				if s.Logger != nil {
					s.Logger.Warn("alert delivery failed", "channel", ch.Name(), "delivery", b.ID, "attempt", b.Attempts, "outcome", outcome, "error", sendErr)
				}
			}
			if err := s.Store.FinishBatch(context.WithoutCancel(ctx), b, s.now(), o); err != nil {
				return n, err
			}
			if s.OnOutcome != nil {
				s.OnOutcome(ch.Name(), outcome, len(b.Events))
			}
		}
	}
	return n, ctx.Err()
}

// Run sends due batches every interval until ctx ends.
func (s *Sender) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil && s.Logger != nil {
			s.Logger.Error("alert sender", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
