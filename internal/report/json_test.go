package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// TestJSONStreamsAsEncoded: writing the findings one at a time gives the
// bytes encoding/json gives for the whole report.
func TestJSONStreamsAsEncoded(t *testing.T) {
	f := func(id, msg string) finding.Finding {
		return finding.Finding{RuleID: "CF-001", Status: finding.Fail, Message: msg, Resource: finding.Resource{Type: "AWS::CloudFront::Distribution", ID: id},
			Location: &finding.Location{File: "a/<b>&c.yaml", StartLine: 1, EndLine: 2}, Problems: []string{"x\n  \"findings\": []"}, Fingerprint: "ab"}
	}
	tests := map[string]*finding.Report{
		"none":   {Source: "iac"},
		"one":    {Source: "iac", Findings: []finding.Finding{f("D1", "<html> & \"quotes\"")}},
		"errors": {Source: "iac", Findings: []finding.Finding{f("D1", "m"), f("D2", "é ✓")}, Errors: []finding.ScanError{{Message: "broken"}}},
	}
	for name, rep := range tests {
		t.Run(name, func(t *testing.T) {
			c := *rep
			c.Findings = []finding.Finding{}
			for _, f := range rep.Findings {
				if f.Behaviors == nil {
					f.Behaviors = []finding.Behavior{}
				}
				if f.Problems == nil {
					f.Problems = []string{}
				}
				if f.Related == nil {
					f.Related = []finding.Resource{}
				}
				c.Findings = append(c.Findings, f)
			}
			if c.Errors == nil {
				c.Errors = []finding.ScanError{}
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(&c); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := (&JSON{}).Write(&got, rep); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("got\n%s\nwant\n%s", got.String(), want.String())
			}
		})
	}
}
