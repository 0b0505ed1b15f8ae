package org

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cloudassure/cloudassure/internal/fix/fixaws"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// PlanKind is the kind of an organization's fix plan.
const PlanKind = "aws-org"

// The statuses of an account in an organization's fix.
const (
	FixPlanned    = "planned"
	FixApplied    = "applied"
	FixIncomplete = "incomplete" // applied, but something failed or was not reached
	FixSkipped    = "skipped"
	FixError      = "error"
	FixNotStarted = "not_started"
)

// Plan is the fix aws plan of every selected account of an organization:
// shown, saved and applied together.
type Plan struct {
	Version      int           `json:"version"`
	Kind         string        `json:"kind"`
	Organization string        `json:"organization"`
	Account      string        `json:"account"` // the caller's account
	CreatedAt    time.Time     `json:"created_at"`
	Accounts     []AccountPlan `json:"accounts"`
}

// AccountPlan is one account's part of the plan.
type AccountPlan struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Status  string `json:"status"` // planned, skipped or error
	Reason  string `json:"reason,omitempty"`
	RoleARN string `json:"role_arn,omitempty"`
	// Plan is the account's fix aws plan, with every guarantee of one.
	Plan *fixplan.Plan `json:"plan,omitempty"`
}

// FixOptions configure an organization's fix: which accounts and how to
// reach them, and the fix aws plan to make in each (its Config is set per
// account; ConfigARN cannot span accounts and is refused).
type FixOptions struct {
	Options
	Plan fixaws.PlanOptions
}

// MakePlan makes a fix aws plan for every selected account, reading each
// through its role, AccountConcurrency accounts at a time. An account that
// cannot be read or planned is in the plan with status error and the reason.
func MakePlan(ctx context.Context, fo FixOptions) (*Plan, error) {
	if fo.Plan.ConfigARN != "" {
		return nil, errors.New("--config-arn cannot span accounts: a real-time log config belongs to one account; use --config-name to reuse a config of that name in each account, or let each account get its own chain")
	}
	o, err := Open(ctx, fo.Options)
	if err != nil {
		return nil, err
	}
	out := &Plan{Version: fixplan.Version, Kind: PlanKind, Organization: o.ID, Account: o.Caller, CreatedAt: time.Now().UTC().Truncate(time.Second)}
	plans := make([]AccountPlan, len(o.Targets))
	var mu sync.Mutex
	done := 0
	o.ForEach(func(i int, a Account) {
		ap := AccountPlan{ID: a.ID, Name: a.Name, RoleARN: o.RoleARN(a.ID)}
		defer func() {
			plans[i] = ap
			mu.Lock()
			done++
			n := done
			mu.Unlock()
			if fo.Progress != nil {
				fo.Progress(Progress{Done: n, Total: len(o.Targets), Account: a.ID})
			}
		}()
		if ctx.Err() != nil {
			ap.Status, ap.Reason = FixError, "interrupted before this account was planned"
			return
		}
		cfg, err := o.AccountConfig(ctx, a.ID, nil)
		if err != nil {
			_, msg := apiError(err)
			ap.Status, ap.Reason = FixError, fmt.Sprintf("cannot assume %s: sts:AssumeRole failed: %s", ap.RoleARN, msg)
			return
		}
		po := fo.Plan
		po.Config = cfg
		po.Progress = nil
		p, err := fixaws.MakePlan(ctx, po)
		if err != nil {
			ap.Status, ap.Reason = FixError, err.Error()
			return
		}
		ap.Status, ap.Plan = FixPlanned, p
	})
	out.Accounts = plans
	for _, s := range o.Skipped {
		out.Accounts = append(out.Accounts, AccountPlan{ID: s.ID, Name: s.Name, Status: FixSkipped, Reason: s.Reason})
	}
	sort.SliceStable(out.Accounts, func(i, j int) bool { return out.Accounts[i].ID < out.Accounts[j].ID })
	return out, nil
}

// HasChanges reports whether any account's plan changes anything.
func (p *Plan) HasChanges() bool {
	for _, a := range p.Accounts {
		if a.Plan != nil && a.Plan.HasChanges() {
			return true
		}
	}
	return false
}

// Complete reports whether every selected account could be planned.
func (p *Plan) Complete() bool {
	for _, a := range p.Accounts {
		if a.Status == FixError {
			return false
		}
	}
	return true
}

// WriteText writes each account's plan under a heading naming the account.
func (p *Plan) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "Organization %s: fix plan for %d accounts\n", p.Organization, len(p.Accounts))
	for _, a := range p.Accounts {
		fmt.Fprintf(w, "\n== Account %s (%s): %s ==\n", a.ID, a.Name, a.Status)
		if a.Reason != "" {
			fmt.Fprintf(w, "%s\n", a.Reason)
		}
		if a.Plan != nil {
			if err := a.Plan.WriteText(w); err != nil {
				return err
			}
		}
	}
	return nil
}

// Validate checks a loaded plan: its kind and every account's own plan.
func (p *Plan) Validate() error {
	if p.Kind != PlanKind {
		return fmt.Errorf("this is a %q plan, not an organization's fix aws plan (%s)", p.Kind, PlanKind)
	}
	if p.Version != fixplan.Version {
		return fmt.Errorf("plan version %d, this cloudassure reads version %d", p.Version, fixplan.Version)
	}
	for _, a := range p.Accounts {
		if a.Plan == nil {
			continue
		}
		if a.Plan.Account != a.ID {
			return fmt.Errorf("account %s: its plan is for account %s", a.ID, a.Plan.Account)
		}
		if err := a.Plan.Validate(); err != nil {
			return fmt.Errorf("account %s: %w", a.ID, err)
		}
	}
	return nil
}

// Save writes the plan as JSON, atomically.
func (p *Plan) Save(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return fixplan.WriteFileAtomic(path, append(b, '\n'), 0o600)
}

// LoadPlan reads a plan saved by Save.
func LoadPlan(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	return &p, nil
}

// IsPlan reports whether the JSON file at path is an organization's plan.
func IsPlan(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var k struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(b, &k) == nil && k.Kind == PlanKind
}

// FixReport is the outcome of applying an organization's plan.
type FixReport struct {
	Organization string       `json:"organization"`
	Accounts     []AccountFix `json:"accounts"`
}

// AccountFix is one account's outcome.
type AccountFix struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status"` // applied, incomplete, skipped, error, not_started
	Reason string `json:"reason,omitempty"`
	// Report is the account's fix aws report.
	Report *fixaws.Result `json:"report,omitempty"`
}

// Complete reports whether every planned account was applied completely.
func (r *FixReport) Complete() bool {
	for _, a := range r.Accounts {
		switch a.Status {
		case FixIncomplete, FixError, FixNotStarted:
			return false
		}
	}
	return true
}

// WriteText writes each account's report under a heading naming the account.
func (r *FixReport) WriteText(w io.Writer) error {
	for _, a := range r.Accounts {
		fmt.Fprintf(w, "== Account %s (%s): %s ==\n", a.ID, a.Name, a.Status)
		if a.Reason != "" {
			fmt.Fprintf(w, "%s\n", a.Reason)
		}
		if a.Report != nil {
			if err := a.Report.WriteText(w); err != nil {
				return err
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

// Apply applies each planned account's plan with fixaws.Apply, through the
// account's role, AccountConcurrency accounts at a time: If-Match on every
// update, re-apply on 412, backups under BackupRoot/ACCOUNT/. ao.Config is
// set per account. When ctx ends, accounts not started are listed as such.
func Apply(ctx context.Context, p *Plan, opts Options, ao fixaws.ApplyOptions) (*FixReport, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	o, err := Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	if o.ID != p.Organization {
		return nil, fmt.Errorf("the plan is for organization %s, these credentials reach organization %s", p.Organization, o.ID)
	}
	out := &FixReport{Organization: p.Organization, Accounts: make([]AccountFix, len(p.Accounts))}
	g := new(errgroup.Group)
	g.SetLimit(o.opts.AccountConcurrency)
	for i, a := range p.Accounts {
		af := AccountFix{ID: a.ID, Name: a.Name}
		if a.Plan == nil {
			af.Status, af.Reason = FixSkipped, a.Reason
			if a.Status == FixError {
				af.Status = FixError
			}
			out.Accounts[i] = af
			continue
		}
		g.Go(func() error {
			defer func() { out.Accounts[i] = af }()
			if ctx.Err() != nil {
				af.Status, af.Reason = FixNotStarted, "interrupted before this account"
				return nil
			}
			calls := live.NewCallCounter()
			cfg, err := o.AccountConfig(ctx, a.ID, nil)
			if err != nil {
				_, msg := apiError(err)
				af.Status, af.Reason = FixError, fmt.Sprintf("cannot assume %s: sts:AssumeRole failed: %s", o.RoleARN(a.ID), msg)
				return nil
			}
			cfg.APIOptions = append(cfg.APIOptions, calls.Attach)
			aao := ao
			aao.Config = cfg
			aao.Progress = nil
			rep, err := fixaws.Apply(ctx, a.Plan, aao)
			if err != nil {
				af.Status, af.Reason = FixError, err.Error()
				return nil
			}
			rep.Summary.APICalls = calls.Counts()
			rep.Summarize()
			af.Report = rep
			af.Status = FixApplied
			if !rep.Complete() {
				af.Status = FixIncomplete
			}
			return nil
		})
	}
	_ = g.Wait()
	return out, nil
}

// Undo restores the distribution config of a backup in the backup's
// account, through the account's role.
func Undo(ctx context.Context, path string, opts Options, uo fixaws.UndoOptions) (*fixaws.UndoResult, error) {
	b, err := fixaws.LoadBackup(path)
	if err != nil {
		return nil, err
	}
	o, err := Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	cfg, err := o.AccountConfig(ctx, b.Account, nil)
	if err != nil {
		_, msg := apiError(err)
		return nil, fmt.Errorf("account %s: cannot assume %s: sts:AssumeRole failed: %s", b.Account, o.RoleARN(b.Account), msg)
	}
	uo.Config = cfg
	return fixaws.Undo(ctx, path, uo)
}
