package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// Markdown writes a GitHub-flavoured Markdown report for pull request
// comments: a summary table of counts, a table of failed and errored checks,
// the passed and skipped ones in a collapsed <details> block, and the scan
// errors. Text from the report is escaped so it cannot break the tables or
// inject markup.
type Markdown struct{}

var _ Reporter = (*Markdown)(nil)

var statusBadge = map[finding.Status]string{
	finding.Fail:  "❌ FAIL",
	finding.Error: "⚠️ ERROR",
	finding.Pass:  "✅ PASS",
	finding.Skip:  "⏭️ SKIP",
}

// Write implements Reporter.
func (*Markdown) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	r, err := r.Loaded() // this format needs every finding at once
	if err != nil {
		return err
	}
	var b bytes.Buffer
	name := r.Tool.Name
	if name == "" {
		name = "cloudassure"
	}
	fmt.Fprintf(&b, "## %s report\n\n", mdText(name))

	var meta []string
	if r.Source != "" {
		meta = append(meta, "**Source:** "+mdCode(r.Source))
	}
	if r.Account != "" {
		meta = append(meta, "**Account:** "+mdCode(r.Account))
	}
	if r.Organization != "" {
		meta = append(meta, "**Organization:** "+mdCode(r.Organization))
	}
	if r.Tool.Version != "" {
		meta = append(meta, "**Version:** "+mdText(r.Tool.Version))
	}
	if !r.StartedAt.IsZero() {
		meta = append(meta, "**Started:** "+r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if len(meta) > 0 {
		b.WriteString(strings.Join(meta, " · ") + "\n\n")
	}

	s := counts(r)
	b.WriteString("| Status | Count |\n| --- | ---: |\n")
	fmt.Fprintf(&b, "| %s | %d |\n", statusBadge[finding.Fail], s.Fail)
	fmt.Fprintf(&b, "| %s | %d |\n", statusBadge[finding.Error], s.Error)
	fmt.Fprintf(&b, "| %s | %d |\n", statusBadge[finding.Pass], s.Pass)
	fmt.Fprintf(&b, "| %s | %d |\n", statusBadge[finding.Skip], s.Skip)
	fmt.Fprintf(&b, "| **Total** | **%d** |\n\n", s.Total)
	b.WriteString(mdText(summaryLine(r)) + "\n\n")

	var bad, rest []*finding.Finding
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Status == finding.Fail || f.Status == finding.Error {
			bad = append(bad, f)
		} else {
			rest = append(rest, f)
		}
	}

	fmt.Fprintf(&b, "### Failed and errored checks (%d)\n\n", len(bad))
	if len(bad) == 0 {
		b.WriteString("None.\n\n")
	} else {
		mdFindings(&b, bad)
	}

	if len(rest) > 0 {
		fmt.Fprintf(&b, "<details>\n<summary>Passed and skipped checks (%d)</summary>\n\n", len(rest))
		mdFindings(&b, rest)
		b.WriteString("</details>\n\n")
	}

	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "### Scan errors (%d)\n\n", len(r.Errors))
		b.WriteString("These could not be read or checked:\n\n")
		b.WriteString("| Operation | Code | Resource | Message |\n| --- | --- | --- | --- |\n")
		for i := range r.Errors {
			e := &r.Errors[i]
			msg := mdText(e.Message)
			if e.Action != "" && e.Action != e.Operation {
				msg += " (action: " + mdCode(e.Action) + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n",
				mdCodeOrDash(e.Operation), mdCodeOrDash(e.Code), mdCodeOrDash(scanErrorWhere(e)), msg)
		}
		b.WriteByte('\n')
	}

	// One trailing newline, not a blank line, at the end.
	out := bytes.TrimRight(b.Bytes(), "\n")
	out = append(out, '\n')
	_, err = w.Write(out)
	return err
}

// mdFindings writes a table of findings.
func mdFindings(b *bytes.Buffer, fs []*finding.Finding) {
	b.WriteString("| Status | Rule | Resource | Location | Message |\n| --- | --- | --- | --- | --- |\n")
	for _, f := range fs {
		res := mdCode(f.Resource.ID)
		if f.Account != nil {
			res = mdText("account "+accountName(f.Account)) + ": " + res
		}
		if f.Staging {
			res += " (staging)"
		}
		msg := mdText(f.Message)
		if f.Status == finding.Fail || f.Status == finding.Error {
			if len(f.Behaviors) > 0 {
				pats := make([]string, 0, len(f.Behaviors))
				for _, p := range behaviorPatterns(f) {
					pats = append(pats, mdCode(p))
				}
				msg += "<br>Behaviors: " + strings.Join(pats, ", ")
			}
			for _, p := range f.Problems {
				msg += "<br>• " + mdText(p)
			}
		}
		if f.Suppression != nil {
			msg += "<br>Suppressed: " + mdText(f.Suppression.Reason)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n",
			statusBadge[f.Status], mdText(f.RuleID), res, mdCodeOrDash(location(f.Location)), msg)
	}
	b.WriteByte('\n')
}

// mdReplacer escapes text for a GitHub Markdown table cell: Markdown
// punctuation gets a backslash, HTML brackets become entities, pipes are
// escaped so they do not split cells, and newlines become <br>.
var mdReplacer = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"~", `\~`, "#", `\#`, "|", `\|`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

func mdText(s string) string { return mdReplacer.Replace(s) }

// mdCode renders s as inline code in a table cell. Inside a code span
// backslash escapes do not work, but GitHub still needs pipes escaped;
// text with a backtick or newline is escaped as plain text instead.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "`\r\n") {
		return mdText(s)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

func mdCodeOrDash(s string) string {
	if s == "" {
		return "—"
	}
	return mdCode(s)
}
