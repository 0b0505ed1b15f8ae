package report

import (
	"encoding/json"
	"io"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// JSON writes the report as indented JSON exactly as finding.Report's struct
// tags define it: the JSON contract. Findings and errors, and each finding's
// behaviors, problems and related resources, are always arrays, never null
// or left out, and the output ends with a newline.
type JSON struct{}

var _ Reporter = (*JSON)(nil)

// Write implements Reporter.
func (*JSON) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	c := *r // shallow copy: the caller's report is left as it is
	c.Findings = make([]finding.Finding, len(r.Findings))
	for i, f := range r.Findings {
		if f.Behaviors == nil {
			f.Behaviors = []finding.Behavior{}
		}
		if f.Problems == nil {
			f.Problems = []string{}
		}
		if f.Related == nil {
			f.Related = []finding.Resource{}
		}
		c.Findings[i] = f
	}
	if c.Errors == nil {
		c.Errors = []finding.ScanError{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(&c) // Encode ends with a newline
}
