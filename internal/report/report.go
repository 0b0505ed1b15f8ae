// Package report renders a finding.Report for people and machines: a
// terminal table, the JSON contract, SARIF for code scanning, JUnit XML for
// CI test views, CSV for spreadsheets, Markdown for pull request comments and
// a self-contained HTML file to hand around.
//
// Reporters read only the *finding.Report they are given (and, for rule
// metadata, the finding.RuleInfo values in Options). They never change the
// report and never reorder its findings: callers that want a stable order call
// Report.Sort first. Where a reporter groups findings, groups appear in the
// order of their first finding, so the output is the same on every run.
package report

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// Reporter writes a report in one format.
type Reporter interface {
	Write(w io.Writer, r *finding.Report) error
}

// Options tune the reporters that New builds. Each reporter ignores the
// options that do not concern it.
type Options struct {
	// Color turns on ANSI colours in the table. The caller decides: on when
	// stdout is a terminal and NO_COLOR is unset.
	Color bool
	// Width wraps long table lines to this many columns; 0 or less never wraps.
	Width int
	// Rules describe the rules that ran, in the order to list them. SARIF
	// lists them as the driver's rules (with rationale and remediation) and
	// JUnit gives each one a test suite even when it produced no finding.
	// Rules that appear only in findings are added after them, by ID.
	Rules []finding.RuleInfo
	// Remediation holds the full remediation texts per rule ID, for HTML.
	Remediation map[string]Remediation
}

// formats maps each accepted format name to its constructor.
var formats = map[string]func(Options) Reporter{
	"table":    func(o Options) Reporter { return &Table{Color: o.Color, Width: o.Width} },
	"json":     func(Options) Reporter { return &JSON{} },
	"sarif":    func(o Options) Reporter { return &SARIF{Rules: o.Rules} },
	"junit":    func(o Options) Reporter { return &JUnit{Rules: o.Rules} },
	"csv":      func(Options) Reporter { return &CSV{} },
	"markdown": func(Options) Reporter { return &Markdown{} },
	"md":       func(Options) Reporter { return &Markdown{} },
	"html":     func(o Options) Reporter { return &HTML{Rules: o.Rules, Remediation: o.Remediation} },
}

// formatNames lists the canonical format names in the order Formats gives them.
var formatNames = []string{"table", "json", "sarif", "junit", "csv", "markdown", "html"}

// Formats returns the names of the output formats, the default ("table")
// first. The alias "md" (for "markdown") is accepted by New but not listed.
func Formats() []string {
	return append([]string(nil), formatNames...)
}

// New returns the reporter for a format name (case-insensitive).
func New(format string, opts Options) (Reporter, error) {
	name := strings.ToLower(strings.TrimSpace(format))
	if mk, ok := formats[name]; ok {
		return mk(opts), nil
	}
	return nil, fmt.Errorf("unknown output format %q: valid formats are %s (or md for markdown)",
		format, strings.Join(formatNames, ", "))
}

var errNilReport = errors.New("report: nil report")

// counts returns the report's summary with the finding counts and resource
// count recomputed from its findings, so every format agrees with the
// findings it lists even when the caller did not call Summarize.
func counts(r *finding.Report) finding.Summary {
	c := *r
	c.Summarize()
	s := c.Summary
	if len(r.Summary.APICalls) == 0 {
		// Keep a total given without a breakdown.
		s.APICallsTotal = r.Summary.APICallsTotal
	}
	return s
}

// ruleMeta is what reporters know of a rule.
type ruleMeta struct {
	finding.RuleInfo
}

// rulesOf returns the rules of a report: those in infos first, in their
// order, then those named only by findings, by ID. Titles and risks missing
// from infos are taken from the first finding of the rule.
func rulesOf(r *finding.Report, infos []finding.RuleInfo) []ruleMeta {
	var out []ruleMeta
	index := map[string]int{}
	for _, ri := range infos {
		if _, dup := index[ri.ID]; dup || ri.ID == "" {
			continue
		}
		index[ri.ID] = len(out)
		out = append(out, ruleMeta{ri})
	}
	var extra []ruleMeta
	extraIndex := map[string]int{}
	_ = r.EachFinding(func(f *finding.Finding) error { // a read error comes back to the writer's own pass
		if i, ok := index[f.RuleID]; ok {
			if out[i].Title == "" {
				out[i].Title = f.Title
			}
			if out[i].Risk == "" {
				out[i].Risk = f.Risk
			}
			return nil
		}
		if _, ok := extraIndex[f.RuleID]; ok {
			return nil
		}
		extraIndex[f.RuleID] = len(extra)
		extra = append(extra, ruleMeta{finding.RuleInfo{ID: f.RuleID, Title: f.Title, Risk: f.Risk}})
		return nil
	})
	sortRules(extra)
	return append(out, extra...)
}

func sortRules(rs []ruleMeta) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
}

// location renders a location as file:line or file:start-end.
func location(l *finding.Location) string {
	if l == nil || l.File == "" {
		return ""
	}
	switch {
	case l.StartLine <= 0:
		return l.File
	case l.EndLine > l.StartLine:
		return fmt.Sprintf("%s:%d-%d", l.File, l.StartLine, l.EndLine)
	default:
		return fmt.Sprintf("%s:%d", l.File, l.StartLine)
	}
}

// behaviorPatterns returns the path patterns of a finding's behaviors.
func behaviorPatterns(f *finding.Finding) []string {
	out := make([]string, 0, len(f.Behaviors))
	for _, b := range f.Behaviors {
		out = append(out, b.PathPattern)
	}
	return out
}

// behaviorList renders behaviors for people: "* (default), /api/* (unknown)".
func behaviorList(f *finding.Finding) string {
	parts := make([]string, 0, len(f.Behaviors))
	for _, b := range f.Behaviors {
		s := b.PathPattern
		if s == "" {
			s = "*"
		}
		var notes []string
		if b.Default {
			notes = append(notes, "default")
		}
		if b.State == "unknown" {
			notes = append(notes, "config resolved at deploy time")
		}
		if len(notes) > 0 {
			s += " (" + strings.Join(notes, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// resourceKey identifies a resource for grouping: two files or root modules
// that declare the same ID are two resources.
func resourceKey(f *finding.Finding) string {
	file := ""
	if f.Location != nil {
		file = f.Location.File
	}
	return f.Resource.Type + "\x00" + f.Resource.Root + "\x00" + f.Resource.ID + "\x00" + file
}

// plural returns "1 check" or "2 checks".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// resourceNoun names what the report's resources are: distributions when
// every resource is a CloudFront distribution, else resources.
func resourceNoun(r *finding.Report) (one, many string) {
	errOther := errors.New("not a distribution")
	err := r.EachFinding(func(f *finding.Finding) error {
		if !strings.Contains(strings.ToLower(f.Resource.Type), "distribution") {
			return errOther
		}
		return nil
	})
	if err == errOther {
		return "resource", "resources"
	}
	return "distribution", "distributions"
}

// duration renders a scan's duration in milliseconds for people: 0.4s, 12.3s, 2m5s.
func duration(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// summaryLine is the one-line summary shared by the table and Markdown:
// "12 checks: 3 failed, 1 error, 7 passed, 1 skipped — 5 distributions — 9 API calls in 0.4s".
func summaryLine(r *finding.Report) string {
	s := counts(r)
	one, many := resourceNoun(r)
	parts := []string{
		fmt.Sprintf("%s: %d failed, %s, %d passed, %d skipped",
			plural(s.Total, "check", "checks"), s.Fail, plural(s.Error, "error", "errors"), s.Pass, s.Skip),
		plural(s.Resources, one, many),
	}
	if a := accountsSummary(r); a != "" {
		parts = append(parts, a)
	}
	if n := len(r.Errors); n > 0 {
		parts = append(parts, plural(n, "scan error", "scan errors"))
	}
	timing := ""
	if s.APICallsTotal > 0 {
		timing = plural(s.APICallsTotal, "API call", "API calls")
	}
	if s.DurationMS > 0 || !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		if timing == "" {
			timing = "finished"
		}
		timing += " in " + duration(s.DurationMS)
	}
	if timing != "" {
		parts = append(parts, timing)
	}
	return strings.Join(parts, " — ")
}

// scanErrorWhere names what a scan error is about: resource, location or operation.
func scanErrorWhere(e *finding.ScanError) string {
	switch {
	case e.Resource != "" && e.Location != nil:
		return e.Resource + " (" + location(e.Location) + ")"
	case e.Resource != "":
		return e.Resource
	case e.Location != nil:
		return location(e.Location)
	}
	return ""
}
