package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// Live is a Source that reads the running account its SDK configuration
// reaches, counting the API calls it makes. Use one Live per Run; for many
// accounts (Organizations), one per account with that account's aws.Config.
type Live struct {
	opts    live.Options
	counter *live.CallCounter
}

var (
	_ Metered = (*Live)(nil)
	_ Scoped  = (*Live)(nil)
)

// NewLive returns a source for the account of opts.Config. The call counter
// is attached to a copy of the configuration; opts.Config is left as it is.
func NewLive(opts live.Options) *Live {
	counter := live.NewCallCounter()
	cfg := opts.Config.Copy()
	cfg.APIOptions = append(append([]func(*middleware.Stack) error(nil), opts.Config.APIOptions...), counter.Attach)
	opts.Config = cfg
	return &Live{opts: opts, counter: counter}
}

// Config is the SDK configuration the source reads with (calls counted).
func (l *Live) Config() aws.Config { return l.opts.Config }

// Read reads the account. A read cut short by cancellation or the deadline
// says how many distributions the report covers.
func (l *Live) Read(ctx context.Context) (*model.Inventory, error) {
	inv, err := live.Read(ctx, l.opts)
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

// Scope limits the next Read to what n needs (live.Options.Needs).
func (l *Live) Scope(n model.Needs) { l.opts.Needs = &n }

// APICalls returns the calls made so far, keyed "service:Operation".
func (l *Live) APICalls() map[string]int { return l.counter.Counts() }

// IaC is a Source that reads infrastructure code under the paths of its options.
type IaC struct {
	Options iac.Options
}

// Read reads every file and module under the paths.
func (s IaC) Read(ctx context.Context) (*model.Inventory, error) {
	inv, err := iac.Read(ctx, s.Options)
	if err != nil {
		err = interrupted(err)
	}
	return inv, err
}

// interrupted is the error of an IaC read cut short.
func interrupted(err error) error {
	return &incomplete{fmt.Sprintf("scan interrupted: %v; the report covers only what was read", err), err}
}

// incomplete is a read error with the sentence the report shows for it.
type incomplete struct {
	msg string
	err error
}

func (e *incomplete) Error() string { return e.msg }
func (e *incomplete) Unwrap() error { return e.err }
