package org

import (
	"context"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// Rate is a request rate with its burst.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Rates are per-account request rates by service ("cloudfront", "iam",
// "kinesis", "sts"; "*" for any other service). Each account gets its own
// limiters, so a throttled account slows only itself.
type Rates map[string]Rate

// DefaultRates are the per-account limits of an organization scan. AWS
// publishes no quota for the CloudFront control plane or IAM reads; Kinesis
// DescribeStreamSummary allows 20 calls per second per account.
func DefaultRates() Rates {
	return Rates{
		"cloudfront": {PerSecond: 10, Burst: 10},
		"iam":        {PerSecond: 20, Burst: 20},
		"kinesis":    {PerSecond: 20, Burst: 20},
		"sts":        {PerSecond: 10, Burst: 10},
		"*":          {PerSecond: 10, Burst: 10},
	}
}

// limiters are one account's rate limiters, one per service, made on first use.
type limiters struct {
	rates Rates
	mu    sync.Mutex
	by    map[string]*rate.Limiter
}

func newLimiters(r Rates) *limiters { return &limiters{rates: r, by: map[string]*rate.Limiter{}} }

func (l *limiters) get(service string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.by[service]
	if !ok {
		r, ok := l.rates[service]
		if !ok {
			r = l.rates["*"]
		}
		if r.PerSecond <= 0 {
			lim = rate.NewLimiter(rate.Inf, 0)
		} else {
			lim = rate.NewLimiter(rate.Limit(r.PerSecond), max(r.Burst, 1))
		}
		l.by[service] = lim
	}
	return lim
}

// attach adds the limiter to an SDK stack after the retry middleware, so
// that every attempt, retries included, waits for its turn.
func (l *limiters) attach(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("cloudassureAccountRate",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if err := l.get(strings.ToLower(awsmiddleware.GetServiceID(ctx))).Wait(ctx); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}
