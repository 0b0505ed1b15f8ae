// Package engine is cloudassure's one pipeline: a Source reads an inventory,
// the rules judge it, the team's suppressions apply, and a finding.Report
// comes out. Every command goes through it: scan aws, scan iac, demo and the
// fixers (which plan from the judged verdicts).
package engine

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/suppress"
)

// Source reads one account or one tree of infrastructure code.
type Source interface {
	// Read returns the inventory. When the read cannot finish it returns what
	// was read together with an error whose message says what the report
	// covers; problems with single resources are recorded in the inventory.
	Read(ctx context.Context) (*model.Inventory, error)
}

// Metered is a Source that counts the API calls of its last Read.
type Metered interface {
	Source
	APICalls() map[string]int
}

// Scoped is a Source that can leave unread what the rules to be run do not
// read; Run tells it what they need before it reads.
type Scoped interface {
	Source
	Scope(model.Needs)
}

// Settings say how to judge: the team's policy and ignore list, whether
// disabled distributions are evaluated, and the time ignore entries expire
// against.
type Settings struct {
	// File holds the policy and the ignore list; nil uses the defaults.
	File *settings.File
	// IncludeDisabled evaluates disabled distributions instead of skipping them.
	IncludeDisabled bool
	// Now is when ignore entries are checked for expiry; zero uses time.Now.
	Now time.Time
}

func (s Settings) file() *settings.File {
	if s.File == nil {
		return settings.Default()
	}
	return s.File
}

// Judgement is what the rules and suppressions said about an inventory.
type Judgement struct {
	// Verdicts are the findings, each with the distribution it judges, rule
	// by rule in the order the rules were given. Suppressed findings are SKIP.
	Verdicts []rules.Verdict
	// Expired are the ignore entries that no longer apply; they are for the
	// caller to show, nothing prints them.
	Expired []settings.Ignore
}

// Findings returns the verdicts' findings in order.
func (j *Judgement) Findings() []finding.Finding {
	out := make([]finding.Finding, len(j.Verdicts))
	for i, v := range j.Verdicts {
		out[i] = v.Finding
	}
	return out
}

// Judge runs rs over inv and applies the suppressions of set: inline ones on
// each distribution and the ignore list of the settings file.
func Judge(inv *model.Inventory, rs []*rules.Rule, set Settings) *Judgement {
	f := set.file()
	vs := rules.Judge(inv, rs, rules.Options{Policy: f.Policy, IncludeDisabled: set.IncludeDisabled})
	now := set.Now
	if now.IsZero() {
		now = time.Now()
	}
	list := suppress.NewList(f.Ignore, now)
	for i := range vs {
		list.Apply(&vs[i].Finding, vs[i].Distribution)
	}
	return &Judgement{Verdicts: vs, Expired: list.Expired()}
}

// Options configure Run.
type Options struct {
	// Rules are the rules to run; nil runs every rule.
	Rules []*rules.Rule
	Settings
	// Version is cloudassure's version, written into the report.
	Version string
	// KeepInventory reads a Streaming source whole before judging it, so
	// that the Result holds the inventory and the verdicts their
	// distributions (the fixers need them). Without it a Streaming source
	// is judged unit by unit as it is read, keeping only the findings.
	KeepInventory bool
	// TempDir is where a streamed scan with more than RunLen findings
	// writes them, sorted, until the report is written; "" is
	// os.TempDir(). The file is unlinked at once and removed by the
	// report's Close.
	TempDir string
	// RunLen is how many findings a streamed scan holds in memory before
	// it writes them to TempDir; 0 is finding.DefaultRunLen.
	RunLen int
}

// Result is one run of the pipeline.
type Result struct {
	// Report is the JSON contract that every reporter renders.
	Report *finding.Report
	// Inventory is what the source read.
	Inventory *model.Inventory
	// ReadErr is set when the read could not finish; the report then covers
	// only what was read, and says so among its errors.
	ReadErr error
	Judgement
}

// Run reads src, judges what it read and returns the report together with
// the inventory and verdicts. A read that could not finish still yields a
// report of what was read, with the reason among its errors. A streamed
// scan's report may read its findings from a temporary file: read them with
// EachFinding and Close the report when done.
func Run(ctx context.Context, src Source, opts Options) *Result {
	rs := opts.Rules
	if rs == nil {
		rs = rules.All()
	}
	if sc, ok := src.(Scoped); ok {
		sc.Scope(rules.NeedsOf(rs))
	}
	if s, ok := src.(Streaming); ok && !opts.KeepInventory {
		return runStreaming(ctx, s, rs, opts)
	}
	started := time.Now().UTC()
	inv, readErr := src.Read(ctx)
	if inv == nil {
		inv = &model.Inventory{}
	}
	j := Judge(inv, rs, opts.Settings)
	rep := NewReport(inv, rs, j.Findings(), opts.Version)
	rep.StartedAt, rep.FinishedAt = started, time.Now().UTC()
	if readErr != nil && !recorded(readErr, inv) {
		rep.Errors = append(rep.Errors, finding.ScanError{Message: readErr.Error()})
	}
	if m, ok := src.(Metered); ok {
		rep.Summary.APICalls = m.APICalls()
	}
	rep.Summarize()
	return &Result{Report: rep, Inventory: inv, ReadErr: readErr, Judgement: *j}
}

// Tool describes cloudassure at version for reports.
func Tool(version string) finding.Tool {
	return finding.Tool{Name: "cloudassure", Version: version, URI: "https://github.com/cloudassure/cloudassure"}
}

// NewReport wraps findings about inv, judged by rs, in a sorted report with
// inv's read errors. Times and the summary are left for the caller.
func NewReport(inv *model.Inventory, rs []*rules.Rule, fs []finding.Finding, version string) *finding.Report {
	rep := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          Tool(version),
		Source:        inv.Source,
		Account:       inv.Account,
		Findings:      fs,
		Errors:        []finding.ScanError{},
	}
	if rep.Findings == nil {
		rep.Findings = []finding.Finding{}
	}
	for _, r := range rs {
		rep.Rules = append(rep.Rules, r.Info())
	}
	for _, e := range inv.Errors {
		rep.Errors = append(rep.Errors, scanError(e))
	}
	rep.Sort()
	return rep
}

func scanError(e *model.ReadError) finding.ScanError {
	se := finding.ScanError{Message: e.Message, Operation: e.Operation, Action: e.Action, Code: e.Code, Resource: e.Resource}
	if !e.Range.IsZero() {
		se.Location = &finding.Location{File: e.Range.File, StartLine: e.Range.StartLine, EndLine: e.Range.EndLine}
	}
	return se
}

// recorded tells whether err is (or wraps) a read error inv already lists,
// which the report shows once, with its operation and code.
func recorded(err error, inv *model.Inventory) bool {
	var re *model.ReadError
	return errors.As(err, &re) && slices.Contains(inv.Errors, re)
}
