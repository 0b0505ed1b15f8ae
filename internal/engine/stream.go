package engine

import (
	"context"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/suppress"
)

// Streaming is a Source that can also be judged as it is read, one unit
// (a template, a module, a plan) at a time, so that only the findings are
// kept and memory does not grow with the tree.
type Streaming interface {
	Source
	// Scan reads the source and calls judge with each unit as it is read,
	// from one goroutine. It returns the results judge gave for the units
	// (without those of distributions another unit supersedes), the read
	// errors, and, when the read could not finish, an error whose message
	// says what the report covers.
	Scan(ctx context.Context, judge func(unit *model.Inventory) []iac.Judged[finding.Finding]) (*iac.Scanned[finding.Finding], error)
}

// Scan reads every file and module under the paths, judging each as it is read.
func (s IaC) Scan(ctx context.Context, judge func(*model.Inventory) []iac.Judged[finding.Finding]) (*iac.Scanned[finding.Finding], error) {
	res, err := iac.Scan(ctx, s.Options, judge)
	if err != nil {
		err = interrupted(err)
	}
	return res, err
}

var _ Streaming = IaC{}

// runStreaming is Run over a Streaming source: the Result's Inventory holds
// the source's name and read errors but no resources, and it has no
// Verdicts: the distributions were let go once judged, and the findings are
// the report's.
func runStreaming(ctx context.Context, src Streaming, rs []*rules.Rule, opts Options) *Result {
	started := time.Now().UTC()
	f := opts.file()
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	list := suppress.NewList(f.Ignore, now)
	ropts := rules.Options{Policy: f.Policy, IncludeDisabled: opts.IncludeDisabled}
	source := "iac"
	in := newInterner()
	res, readErr := src.Scan(ctx, func(u *model.Inventory) []iac.Judged[finding.Finding] {
		vs := rules.Judge(u, rs, ropts)
		out := make([]iac.Judged[finding.Finding], len(vs))
		in.unit()
		for i := range vs {
			list.Apply(&vs[i].Finding, vs[i].Distribution)
			in.finding(&vs[i].Finding)
			out[i] = iac.Judged[finding.Finding]{Distribution: vs[i].Distribution, Result: vs[i].Finding}
		}
		return out
	})
	inv := &model.Inventory{Source: source}
	var fs []finding.Finding
	if res != nil {
		inv.Errors, fs = res.Errors, res.Results
	}
	rep := NewReport(inv, rs, fs, opts.Version)
	rep.StartedAt, rep.FinishedAt = started, time.Now().UTC()
	if readErr != nil {
		rep.Errors = append(rep.Errors, finding.ScanError{Message: readErr.Error()})
	}
	rep.Summarize()
	return &Result{Report: rep, Inventory: inv, Judgement: Judgement{Expired: list.Expired()}}
}
