package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// CSV writes one row per finding under a header row, for spreadsheets and
// quick scripting. Behaviors are their path patterns joined by ";". Scan
// errors are not rows: they are in every other format.
type CSV struct{}

var _ Reporter = (*CSV)(nil)

// CSVHeader is the header row of the CSV format.
var CSVHeader = []string{
	"rule_id", "status", "risk", "resource_type", "resource_id", "resource_arn",
	"file", "start_line", "end_line", "behaviors", "message",
}

// Write implements Reporter.
func (*CSV) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for i := range r.Findings {
		f := &r.Findings[i]
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
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
