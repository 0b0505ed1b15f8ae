package live

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudassure/cloudassure/internal/model"
)

// Source is the engine's source (engine.Source, Metered and Scoped) for the
// running account its SDK configuration reaches, counting the API calls it
// makes. Use one Source per engine.Run; for many accounts (Organizations),
// one per account with that account's aws.Config.
type Source struct {
	opts    Options
	counter *CallCounter
}

// NewSource returns a source for the account of opts.Config. The call
// counter is attached to a copy of the configuration; opts.Config is left as
// it is.
func NewSource(opts Options) *Source {
	counter := NewCallCounter()
	cfg := opts.Config.Copy()
	cfg.APIOptions = append(append([]func(*middleware.Stack) error(nil), opts.Config.APIOptions...), counter.Attach)
	opts.Config = cfg
	return &Source{opts: opts, counter: counter}
}

// Config is the SDK configuration the source reads with (calls counted).
func (l *Source) Config() aws.Config { return l.opts.Config }

// Read reads the account. A read cut short by cancellation or the deadline
// says how many distributions the report covers.
func (l *Source) Read(ctx context.Context) (*model.Inventory, error) {
	inv, err := Read(ctx, l.opts)
	if err == nil {
		return inv, nil
	}
	switch {
	case errors.Is(err, context.Canceled):
		err = &incomplete{fmt.Sprintf("scan interrupted after reading %d distributions; the report covers only what was read", len(inv.Distributions)), err}
	case errors.Is(err, context.DeadlineExceeded):
		err = &incomplete{fmt.Sprintf("scan timed out after reading %d distributions; the report covers only what was read", len(inv.Distributions)), err}
	}
	return inv, err
}

// Scope limits the next Read to what n needs (Options.Needs).
func (l *Source) Scope(n model.Needs) { l.opts.Needs = &n }

// APICalls returns the calls made so far, keyed "service:Operation".
func (l *Source) APICalls() map[string]int { return l.counter.Counts() }

// incomplete is a read error with the sentence the report shows for it.
type incomplete struct {
	msg string
	err error
}

func (e *incomplete) Error() string { return e.msg }
func (e *incomplete) Unwrap() error { return e.err }
