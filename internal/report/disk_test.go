package report

import (
	"bytes"
	"slices"
	"testing"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// sorted is a copy of r with its findings sorted, in memory.
func sorted(r *finding.Report) *finding.Report {
	c := *r
	c.Findings = slices.Clone(r.Findings)
	c.Sort()
	return &c
}

// onDisk is a copy of r whose findings are read back from a Sorter's
// temporary file, written in runs of two.
func onDisk(t *testing.T, r *finding.Report) *finding.Report {
	t.Helper()
	s := finding.NewSorter(finding.SortOptions{Dir: t.TempDir(), RunLen: 2})
	for _, f := range r.Findings {
		if _, err := s.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	out, err := s.Finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *r
	c.SetFindings(out)
	t.Cleanup(func() { c.Close() })
	if !c.OnDisk() {
		t.Fatal("findings not on disk")
	}
	return &c
}

// sameTypeless is a report where two resources of different types share an
// ID and a file, their findings interleaved once sorted.
func sameTypeless() *finding.Report {
	f := func(rule, typ string, st finding.Status) finding.Finding {
		return finding.Finding{RuleID: rule, Title: rule, Status: st, Risk: "high", Message: rule + " on " + typ,
			Resource: finding.Resource{Type: typ, ID: "Web"}, Location: &finding.Location{File: "a.yaml", StartLine: 3}, Fingerprint: rule}
	}
	return &finding.Report{
		SchemaVersion: finding.SchemaVersion, Tool: finding.Tool{Name: "cloudassure", Version: "t"}, Source: "iac",
		Findings: []finding.Finding{
			f("CF-001", "AWS::CloudFront::Distribution", finding.Fail), f("CF-001", "Custom::Distribution", finding.Pass),
			f("CF-003", "AWS::CloudFront::Distribution", finding.Skip), f("CF-002", "Custom::Distribution", finding.Error),
		},
		Errors: []finding.ScanError{},
	}
}

// TestOnDisk: every format renders a report whose findings are on disk
// byte for byte as the same report in memory, and returns a failing
// writer's error.
func TestOnDisk(t *testing.T) {
	for name, r := range map[string]*finding.Report{"sample": sampleReport(), "org": orgReport(), "shared ID and file": sameTypeless()} {
		for _, format := range Formats() {
			t.Run(name+"/"+format, func(t *testing.T) {
				opts := Options{Rules: sampleRules(), Width: 80}
				want := render(t, format, opts, sorted(r))
				got := render(t, format, opts, onDisk(t, r))
				if !bytes.Equal(got, want) {
					t.Errorf("on disk:\n%s\nin memory:\n%s", got, want)
				}
				rep, _ := New(format, opts)
				if err := rep.Write(errWriter{}, onDisk(t, r)); err == nil {
					t.Error("a failing writer gave no error")
				}
			})
		}
	}
}
