package engine

import (
	"context"
	"fmt"
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
	// from one goroutine. judge returns, for each finding it kept, the
	// finding's sequence number (see finding.Sorter). Scan returns the
	// numbers judge gave, in the order judge gave them, without those of
	// distributions another unit supersedes; the read errors; and, when the
	// read could not finish, an error whose message says what the report
	// covers.
	Scan(ctx context.Context, judge func(unit *model.Inventory) []iac.Judged[int]) (*iac.Scanned[int], error)
}

// Scan reads every file and module under the paths, judging each as it is read.
func (s IaC) Scan(ctx context.Context, judge func(*model.Inventory) []iac.Judged[int]) (*iac.Scanned[int], error) {
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
// the report's. The findings go into a finding.Sorter as they are judged:
// beyond Options.RunLen of them it writes them, sorted, to a temporary file
// in Options.TempDir, and the report reads them back in order (Close the
// report to remove the file); fewer stay in memory, in the report's
// Findings.
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
	sorter := finding.NewSorter(finding.SortOptions{Dir: opts.TempDir, RunLen: opts.RunLen})
	defer sorter.Close() // after Finish it has nothing left to close
	scanCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var keepErr error // the findings could not be kept: the scan stops
	in := newInterner()
	res, readErr := src.Scan(scanCtx, func(u *model.Inventory) []iac.Judged[int] {
		if keepErr != nil {
			return nil
		}
		vs := rules.Judge(u, rs, ropts)
		out := make([]iac.Judged[int], 0, len(vs))
		in.unit()
		for i := range vs {
			list.Apply(&vs[i].Finding, vs[i].Distribution)
			in.finding(&vs[i].Finding)
			seq, err := sorter.Add(vs[i].Finding)
			if err != nil {
				keepErr = err
				cancel()
				return nil
			}
			out = append(out, iac.Judged[int]{Distribution: vs[i].Distribution, Result: seq})
			if sorter.Buffered() == 0 {
				// A run was written: what is shared from now on is
				// shared by the findings held next.
				in = newInterner()
				in.unit()
			}
		}
		return out
	})
	inv := &model.Inventory{Source: source}
	var kept []bool
	if res != nil {
		inv.Errors = res.Errors
		for _, seq := range res.Results {
			if seq >= len(kept) {
				kept = append(kept, make([]bool, seq+1-len(kept))...)
			}
			kept[seq] = true
		}
	}
	rep := NewReport(inv, rs, nil, opts.Version)
	if keepErr == nil {
		sorted, err := sorter.Finish(func(seq int) bool { return seq < len(kept) && kept[seq] })
		if err != nil {
			keepErr = err
		} else {
			rep.SetFindings(sorted)
		}
	}
	rep.StartedAt, rep.FinishedAt = started, time.Now().UTC()
	if keepErr != nil {
		if ctx.Err() == nil {
			readErr = nil // the scan was stopped for keepErr, not cut short
		}
		rep.Errors = append(rep.Errors, finding.ScanError{
			Operation: "keep findings",
			Message: fmt.Sprintf("the findings could not be kept in a temporary file, so the report lists none: %v "+
				"(set TMPDIR to a directory with room)", keepErr),
		})
	}
	if readErr != nil {
		rep.Errors = append(rep.Errors, finding.ScanError{Message: readErr.Error()})
	}
	rep.Summarize()
	return &Result{Report: rep, Inventory: inv, Judgement: Judgement{Expired: list.Expired()}}
}
