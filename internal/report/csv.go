package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// CSV writes one row per finding under a header row, for spreadsheets and
// quick scripting. Behaviors are their path patterns joined by ";". Each scan
// error follows as a row of status ERROR with no rule ID, the resource (ARN
// or file and lines) it concerns, and the failed call in the message.
type CSV struct{}

var _ Reporter = (*CSV)(nil)

// CSVHeader is the header row of the CSV format.
func CSVHeader() []string {
	return []string{
		"rule_id", "status", "risk", "resource_type", "resource_id", "resource_arn",
		"file", "start_line", "end_line", "behaviors", "message",
	}
}

// CSVAccountHeader are the columns an organization scan's rows start with.
func CSVAccountHeader() []string { return []string{"account_id", "account_name"} }

// Write implements Reporter.
func (*CSV) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	cw := csv.NewWriter(w)
	// An organization scan's rows start with the account.
	org := len(r.Accounts) > 0
	header := CSVHeader()
	if org {
		header = append(CSVAccountHeader(), CSVHeader()...)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	err := r.EachFinding(func(f *finding.Finding) error {
		var file, start, end string
		if l := f.Location; l != nil {
			file = l.File
			if l.StartLine > 0 {
				start = strconv.Itoa(l.StartLine)
			}
			if l.EndLine > 0 {
				end = strconv.Itoa(l.EndLine)
			}
		}
		row := []string{
			f.RuleID, string(f.Status), f.Risk, f.Resource.Type, f.Resource.ID, f.Resource.ARN,
			file, start, end, strings.Join(behaviorPatterns(f), ";"), f.Message,
		}
		if org {
			var id, name string
			if a := f.Account; a != nil {
				id, name = a.ID, a.Name
			}
			row = append([]string{id, name}, row...)
		}
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	for i := range r.Errors {
		e := &r.Errors[i]
		row := scanErrorRow(e)
		if org {
			var id, name string
			if a := e.Account; a != nil {
				id, name = a.ID, a.Name
			}
			row = append([]string{id, name}, row...)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// scanErrorRow is the CSV row of a scan error.
func scanErrorRow(e *finding.ScanError) []string {
	var id, arn, file, start, end string
	if strings.HasPrefix(e.Resource, "arn:") {
		arn = e.Resource
	} else {
		id = e.Resource
	}
	if l := e.Location; l != nil {
		file = l.File
		if l.StartLine > 0 {
			start = strconv.Itoa(l.StartLine)
		}
		if l.EndLine > 0 {
			end = strconv.Itoa(l.EndLine)
		}
	}
	msg := e.Message
	if e.Operation != "" {
		msg = e.Operation + ": " + msg
	}
	return []string{"", string(finding.Error), "", "", id, arn, file, start, end, "", msg}
}
