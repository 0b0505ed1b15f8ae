package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// Table writes the report for people at a terminal: findings grouped by
// resource, then what could not be read, the API calls made and a one-line
// summary.
type Table struct {
	// Color turns on ANSI colours. The caller sets it (isatty, NO_COLOR).
	Color bool
	// Width wraps long lines to this many columns; 0 or less never wraps.
	Width int
}

var _ Reporter = (*Table)(nil)

// ANSI SGR sequences.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[1;31m"
	ansiGreen   = "\x1b[32m"
	ansiMagenta = "\x1b[1;35m"
	ansiYellow  = "\x1b[33m"
)

// statusWidth is the width of the widest status, ERROR.
const statusWidth = 5

// minWrap is the narrowest text column wrapping will produce.
const minWrap = 24

// Write implements Reporter.
func (t *Table) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	var b bytes.Buffer
	t.header(&b, r)

	idWidth := 0
	err := r.EachFinding(func(f *finding.Finding) error {
		idWidth = max(idWidth, utf8.RuneCountInString(f.RuleID))
		return nil
	})
	if err != nil {
		return err
	}
	if r.NumFindings() == 0 {
		b.WriteString("No findings.\n")
	}
	account := ""
	i := 0
	err = eachGroup(r, func(g []*finding.Finding) error {
		if i > 0 {
			b.WriteByte('\n')
		}
		if id := accountID(g[0]); len(r.Accounts) > 0 && (i == 0 || id != account) {
			account = id
			t.accountHeader(&b, r, g[0])
		}
		t.resource(&b, g)
		for _, f := range g {
			t.finding(&b, f, idWidth)
		}
		i++
		if b.Len() >= 64<<10 { // written as it goes: a large report is not held whole
			if _, err := w.Write(b.Bytes()); err != nil {
				return err
			}
			b.Reset()
		}
		return nil
	})
	if err != nil {
		return err
	}

	if len(r.Errors) > 0 {
		b.WriteByte('\n')
		b.WriteString(t.paint(ansiMagenta, fmt.Sprintf("Errors: %s could not be read or checked",
			plural(len(r.Errors), "thing", "things"))) + "\n")
		// One head line per error, its columns aligned by a tabwriter, and
		// the message wrapped on the lines below it.
		var heads bytes.Buffer
		tw := tabwriter.NewWriter(&heads, 0, 0, 2, ' ', 0)
		for i := range r.Errors {
			e := &r.Errors[i]
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", orDash(e.Operation), orDash(e.Code), orDash(oneLine(scanErrorWhere(e))))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for i, head := range strings.SplitAfter(heads.String(), "\n")[:len(r.Errors)] {
			e := &r.Errors[i]
			b.WriteString(strings.TrimRight(head, " \n") + "\n")
			msg := e.Message
			if e.Action != "" && e.Action != e.Operation {
				msg += " (action: " + e.Action + ")"
			}
			t.text(&b, "      ", 6, msg)
		}
	}

	if calls := r.Summary.APICalls; len(calls) > 0 {
		names := make([]string, 0, len(calls))
		for name := range calls {
			names = append(names, name)
		}
		sort.Strings(names)
		b.WriteByte('\n')
		b.WriteString(t.paint(ansiBold, "API calls") + "\n")
		nameWidth, countWidth := 0, 0
		for _, name := range names {
			nameWidth = max(nameWidth, utf8.RuneCountInString(name))
			countWidth = max(countWidth, len(fmt.Sprint(calls[name])))
		}
		for _, name := range names {
			fmt.Fprintf(&b, "  %-*s  %*d\n", nameWidth, name, countWidth, calls[name])
		}
	}

	t.accounts(&b, r)

	b.WriteByte('\n')
	b.WriteString(t.paint(ansiBold, summaryLine(r)) + "\n")
	_, err = w.Write(b.Bytes())
	return err
}

// eachGroup calls fn with the report's findings grouped by resource, groups
// in the order of their first finding (groupByResource). Findings on disk
// are in Compare's order, where a resource's findings are adjacent unless
// two resources share an ID, root and file (then they are among the same
// few): they are grouped a block of those at a time, as they are read.
// With accounts, where a resource's block can recur, all are loaded.
func eachGroup(r *finding.Report, fn func([]*finding.Finding) error) error {
	if !r.OnDisk() || len(r.Accounts) > 0 {
		r, err := r.Loaded()
		if err != nil {
			return err
		}
		for _, g := range groupByResource(r.Findings) {
			if err := fn(g); err != nil {
				return err
			}
		}
		return nil
	}
	var block []finding.Finding
	var key [4]string
	flush := func() error {
		for _, g := range groupByResource(block) {
			if err := fn(g); err != nil {
				return err
			}
		}
		block = nil
		return nil
	}
	err := r.EachFinding(func(f *finding.Finding) error {
		file := ""
		if f.Location != nil {
			file = f.Location.File
		}
		k := [4]string{accountID(f), f.Resource.ID, f.Resource.Root, file}
		if len(block) > 0 && k != key {
			if err := flush(); err != nil {
				return err
			}
		}
		key = k
		block = append(block, *f)
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// header writes the line that says what was scanned, and when.
func (t *Table) header(b *bytes.Buffer, r *finding.Report) {
	name := r.Tool.Name
	if name == "" {
		name = "cloudassure"
	}
	parts := []string{strings.TrimSpace(name + " " + r.Tool.Version)}
	if r.Source != "" {
		parts = append(parts, "source "+r.Source)
	}
	if r.Account != "" {
		parts = append(parts, "account "+r.Account)
	}
	if r.Organization != "" {
		parts = append(parts, "organization "+r.Organization)
	}
	if !r.StartedAt.IsZero() {
		parts = append(parts, r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	b.WriteString(t.paint(ansiBold, strings.Join(parts, " · ")) + "\n\n")
}

// resource writes the header line of a resource's group.
func (t *Table) resource(b *bytes.Buffer, g []*finding.Finding) {
	res := g[0].Resource
	line := t.paint(ansiBold, strings.TrimSpace(res.Type+" "+res.ID))
	if res.Name != "" && res.Name != res.ID {
		line += fmt.Sprintf(" %q", res.Name)
	}
	if res.Root != "" {
		line += " (root module " + res.Root + ")"
	}
	staging, loc := false, ""
	for _, f := range g {
		staging = staging || f.Staging
		if loc == "" {
			loc = location(f.Location)
		}
	}
	if staging {
		line += " " + t.paint(ansiYellow, "[staging]")
	}
	if loc != "" {
		line += "  " + loc
	}
	b.WriteString(line + "\n")
}

// finding writes one finding: status, rule ID and message, then details
// indented under the message.
func (t *Table) finding(b *bytes.Buffer, f *finding.Finding, idWidth int) {
	status := string(f.Status)
	pad := strings.Repeat(" ", max(0, statusWidth-utf8.RuneCountInString(status)))
	idPad := strings.Repeat(" ", max(0, idWidth-utf8.RuneCountInString(f.RuleID)))
	indent := 2 + statusWidth + 2 + idWidth + 2
	prefix := "  " + t.paint(statusColor(f.Status), status) + pad + "  " + f.RuleID + idPad + "  "
	t.text(b, prefix, indent, f.Message)

	var details []string
	if len(f.Behaviors) > 0 && (f.Status == finding.Fail || f.Status == finding.Error) {
		details = append(details, "behaviors: "+behaviorList(f))
	}
	if f.Suppression != nil {
		s := "suppressed: " + f.Suppression.Reason
		if f.Suppression.Source != "" {
			s += " (" + f.Suppression.Source + ")"
		}
		details = append(details, s)
	}
	pre := strings.Repeat(" ", indent)
	for _, d := range details {
		t.text(b, pre, indent, d)
	}
	if f.Status == finding.Pass {
		return
	}
	if len(f.Problems) == 1 && strings.Contains(f.Message, f.Problems[0]) {
		return // the message already says it
	}
	for _, p := range f.Problems {
		t.text(b, pre+"- ", indent+2, p)
	}
}

// text writes s after prefix (whose printed width is indent), wrapping to
// the table width with continuation lines indented to the same column.
func (t *Table) text(b *bytes.Buffer, prefix string, indent int, s string) {
	lines := wrap(s, t.Width-indent)
	cont := strings.Repeat(" ", indent)
	for i, l := range lines {
		if i == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteString(cont)
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
}

// paint wraps s in an ANSI colour when colours are on.
func (t *Table) paint(code, s string) string {
	if !t.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func statusColor(s finding.Status) string {
	switch s {
	case finding.Fail:
		return ansiRed
	case finding.Error:
		return ansiMagenta
	case finding.Pass:
		return ansiGreen
	default:
		return ansiDim
	}
}

// wrap splits s into lines of at most width runes, breaking at spaces; a
// word longer than width gets a line of its own. Width <= 0 never wraps, but
// newlines in s always start a new line.
func wrap(s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		if width <= 0 || utf8.RuneCountInString(para) <= width {
			out = append(out, para)
			continue
		}
		width := max(width, minWrap)
		line, n := "", 0
		for _, word := range strings.Fields(para) {
			wn := utf8.RuneCountInString(word)
			switch {
			case n == 0:
				line, n = word, wn
			case n+1+wn <= width:
				line, n = line+" "+word, n+1+wn
			default:
				out = append(out, line)
				line, n = word, wn
			}
		}
		out = append(out, line)
	}
	return out
}

// groupByResource groups findings by resource, groups in order of their
// first finding and findings in report order.
func groupByResource(fs []finding.Finding) [][]*finding.Finding {
	var groups [][]*finding.Finding
	index := map[string]int{}
	for i := range fs {
		k := resourceKey(&fs[i])
		gi, ok := index[k]
		if !ok {
			gi = len(groups)
			index[k] = gi
			groups = append(groups, nil)
		}
		groups[gi] = append(groups[gi], &fs[i])
	}
	return groups
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine folds newlines so a value stays in its tabwriter cell.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\t", " ")), " ")
}
