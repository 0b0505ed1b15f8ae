package serve

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"

	"github.com/cloudassure/cloudassure/internal/store"
)

// limits bound how many of a target's account scans run at once and how
// fast its AWS calls go: in one process's memory on SQLite, through
// PostgreSQL for every worker sharing the store.
type limits interface {
	// acquire waits for one of t's scan slots. The scan runs on the context
	// it returns, which ends when the slot is lost; release frees the slot.
	acquire(ctx context.Context, t *TargetConfig) (scan context.Context, release func(), err error)
	// call waits until t's budget for service allows one more call.
	call(ctx context.Context, t *TargetConfig, service string) error
}

// SlotsBusyError says that every scan slot of a target is held (by this
// or other workers): the scan should be tried again after RetryIn.
type SlotsBusyError struct {
	Target  string
	RetryIn time.Duration
}

func (e *SlotsBusyError) Error() string {
	return fmt.Sprintf("target %s: all its scan slots are taken; trying again in %v", e.Target, e.RetryIn.Round(time.Millisecond))
}

// errSlotLost ends a scan whose slot lease could not be renewed in time.
var errSlotLost = errors.New("scan slot lost: its lease could not be renewed")

// serviceRate is the budget of service in rates: its own entry, else "*".
func serviceRate(rates map[string]float64, service string) (float64, bool) {
	if r, ok := rates[service]; ok {
		return r, true
	}
	r, ok := rates["*"]
	return r, ok
}

func burstOf(perSecond float64) int { return max(1, int(perSecond)) }

// localLimits are one process's: a semaphore and rate limiters per target.
type localLimits struct {
	sems  map[string]chan struct{}
	rates map[string]map[string]*rate.Limiter // by target, then service ("*" for the others)
}

func newLocalLimits(cfg *Config) *localLimits {
	l := &localLimits{sems: map[string]chan struct{}{}, rates: map[string]map[string]*rate.Limiter{}}
	for i := range cfg.Targets {
		t := &cfg.Targets[i]
		l.sems[t.Name] = make(chan struct{}, t.Concurrency)
		by := map[string]*rate.Limiter{}
		for svc, r := range t.Rates {
			by[svc] = rate.NewLimiter(rate.Limit(r), burstOf(r))
		}
		l.rates[t.Name] = by
	}
	return l
}

func (l *localLimits) acquire(ctx context.Context, t *TargetConfig) (context.Context, func(), error) {
	sem := l.sems[t.Name]
	select {
	case sem <- struct{}{}:
		return ctx, func() { <-sem }, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

func (l *localLimits) call(ctx context.Context, t *TargetConfig, service string) error {
	by := l.rates[t.Name]
	lim, ok := by[service]
	if !ok {
		lim = by["*"]
	}
	if lim == nil {
		return nil
	}
	return lim.Wait(ctx)
}

// sharedLimits hold across every process sharing one PostgreSQL store: a
// target's scan slots are leases in the store, renewed every third of
// their term while the scan runs (a killed worker stops renewing, so its
// slots free themselves once the lease runs out), and its call budgets are
// token buckets in the store.
type sharedLimits struct {
	st     *store.Store
	logger *slog.Logger
	holder string        // this process, in the store
	lease  time.Duration // a slot lease's term
	wait   time.Duration // how long acquire looks for a free slot before SlotsBusyError
	seq    atomic.Int64
}

func newSharedLimits(st *store.Store, lease time.Duration, logger *slog.Logger) *sharedLimits {
	host, _ := os.Hostname()
	var b [4]byte
	crand.Read(b[:])
	return &sharedLimits{st: st, logger: logger, lease: lease, wait: 2 * time.Second,
		holder: fmt.Sprintf("%.60s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))}
}

func jitter(d time.Duration) time.Duration { return d/2 + rand.N(d) }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *sharedLimits) acquire(ctx context.Context, t *TargetConfig) (context.Context, func(), error) {
	holder := fmt.Sprintf("%s#%d", l.holder, l.seq.Add(1))
	give := time.Now().Add(l.wait)
	var slot int
	for {
		start := time.Now()
		s, ok, err := l.st.AcquireSlot(ctx, t.Name, holder, t.Concurrency, l.lease)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			slot = s
			// The lease runs from the database's now, which is after start.
			give = start.Add(l.lease)
			break
		}
		if time.Now().After(give) {
			return nil, nil, &SlotsBusyError{Target: t.Name, RetryIn: jitter(time.Second)}
		}
		if err := sleepCtx(ctx, jitter(150*time.Millisecond)); err != nil {
			return nil, nil, err
		}
	}
	scan, cancel := context.WithCancelCause(ctx)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		l.keep(scan, cancel, t.Name, slot, holder, give, stop)
	}()
	release := func() {
		close(stop)
		<-stopped
		cancel(nil)
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer done()
		if err := l.st.ReleaseSlot(rctx, t.Name, slot, holder); err != nil {
			// The lease runs out by itself.
			l.logger.Warn("release scan slot", "target", t.Name, "slot", slot, "error", err)
		}
	}
	return scan, release, nil
}

// keep renews the lease until stop closes. When a renewal fails and the
// lease would run out before the next one, or another holder has the slot,
// it ends the scan (cancel), so that no two scans share a slot.
func (l *sharedLimits) keep(ctx context.Context, cancel context.CancelCauseFunc, target string, slot int, holder string, validUntil time.Time, stop <-chan struct{}) {
	every := l.lease / 3
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		start := time.Now()
		rctx, done := context.WithTimeout(ctx, every)
		ok, err := l.st.RenewSlot(rctx, target, slot, holder, l.lease)
		done()
		switch {
		case err == nil && ok:
			validUntil = start.Add(l.lease)
		case err == nil:
			l.logger.Warn("scan slot taken over (lease expired): stopping the scan", "target", target, "slot", slot)
			cancel(errSlotLost)
			return
		case time.Now().Add(every).After(validUntil):
			l.logger.Warn("scan slot lease not renewed: stopping the scan", "target", target, "slot", slot, "error", err)
			cancel(errSlotLost)
			return
		default:
			l.logger.Warn("renew scan slot lease (will retry)", "target", target, "slot", slot, "error", err)
		}
	}
}

func (l *sharedLimits) call(ctx context.Context, t *TargetConfig, service string) error {
	r, ok := serviceRate(t.Rates, service)
	if !ok {
		return nil
	}
	d, err := l.st.TakeCall(ctx, t.Name, service, r, burstOf(r))
	if err != nil {
		return err
	}
	if d > 0 {
		return sleepCtx(ctx, d)
	}
	return nil
}

// callBudgetKey carries, in a scan's context, the budget its AWS calls take from.
type callBudgetKey struct{}

type callBudget func(ctx context.Context, service string) error

func withCallBudget(ctx context.Context, b callBudget) context.Context {
	return context.WithValue(ctx, callBudgetKey{}, b)
}

// attachCallBudget makes every attempt of every SDK call (retries included)
// wait for the call budget its context carries, if any. It sits after the
// retry middleware, as internal/org's per-account limiters do.
func attachCallBudget(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("cloudassureTargetBudget",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if b, ok := ctx.Value(callBudgetKey{}).(callBudget); ok {
				if err := b(ctx, strings.ToLower(awsmiddleware.GetServiceID(ctx))); err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
			}
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}
