package report

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// accountName renders an account for people: "200000000001 (member-01)".
func accountName(a *finding.AccountRef) string {
	if a == nil {
		return ""
	}
	if a.Name == "" || a.Name == a.ID {
		return a.ID
	}
	return a.ID + " (" + a.Name + ")"
}

// accountPrefix starts a message with its account: "[account 200000000001 (member-01)] ".
func accountPrefix(a *finding.AccountRef) string {
	if a == nil {
		return ""
	}
	return "[account " + accountName(a) + "] "
}

// accountPath prefixes a name with its account ID: "200000000001/".
func accountPath(a *finding.AccountRef) string {
	if a == nil {
		return ""
	}
	return a.ID + "/"
}

func accountID(f *finding.Finding) string {
	if f.Account == nil {
		return ""
	}
	return f.Account.ID
}

// accountHeader writes the line that opens an account's findings in the table.
func (t *Table) accountHeader(b *bytes.Buffer, r *finding.Report, f *finding.Finding) {
	line := "Account " + accountName(f.Account)
	for _, a := range r.Accounts {
		if a.ID == accountID(f) && a.Status != finding.AccountScanned {
			line += " [" + a.Status + "]"
		}
	}
	b.WriteString(t.paint(ansiBold, "== "+line+" ==") + "\n")
}

// accounts writes one line per account of an organization scan: status,
// counts, API calls and time, and why an account was not scanned.
func (t *Table) accounts(b *bytes.Buffer, r *finding.Report) {
	if len(r.Accounts) == 0 {
		return
	}
	b.WriteByte('\n')
	b.WriteString(t.paint(ansiBold, "Accounts") + "\n")
	idW, nameW, statusW := 0, 0, 0
	for _, a := range r.Accounts {
		idW = max(idW, utf8.RuneCountInString(a.ID))
		nameW = max(nameW, utf8.RuneCountInString(a.Name))
		statusW = max(statusW, utf8.RuneCountInString(a.Status))
	}
	for _, a := range r.Accounts {
		line := fmt.Sprintf("  %-*s  %-*s  %-*s", idW, a.ID, nameW, a.Name, statusW, a.Status)
		switch a.Status {
		case finding.AccountScanned:
			c := a.Summary
			line += fmt.Sprintf("  %s: %d failed, %s, %d passed, %d skipped — %s in %s",
				plural(c.Total, "check", "checks"), c.Fail, plural(c.Error, "error", "errors"), c.Pass, c.Skip,
				plural(a.APICalls, "API call", "API calls"), duration(a.DurationMS))
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		default:
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			if a.Reason != "" {
				t.text(b, "      ", 6, a.Reason)
			}
		}
	}
}

// accountsSummary is the summary line's part about accounts:
// "7 accounts: 5 scanned, 1 skipped, 1 error, 0 not scanned".
func accountsSummary(r *finding.Report) string {
	tally := r.Summary.Accounts
	if len(r.Accounts) == 0 {
		return ""
	}
	if tally == nil {
		c := *r
		c.Accounts = append([]finding.AccountResult(nil), r.Accounts...)
		c.Summarize()
		tally = c.Summary.Accounts
	}
	s := fmt.Sprintf("%s: %d scanned, %d skipped, %d error", plural(tally.Total, "account", "accounts"), tally.Scanned, tally.Skipped, tally.Error)
	if tally.NotScanned > 0 {
		s += fmt.Sprintf(", %d not scanned", tally.NotScanned)
	}
	return s
}
