package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// JUnit writes the report as JUnit XML for CI test views: one test suite per
// rule, one test case per finding (FAIL is a failure, ERROR an error, SKIP
// skipped), and an extra "scan-errors" suite with an error test case for
// each thing the scan could not read.
type JUnit struct {
	// Rules describe the rules that ran; see Options.Rules. A rule listed
	// here gets a suite even when it produced no finding.
	Rules []finding.RuleInfo
}

var _ Reporter = (*JUnit)(nil)

// ScanErrorsSuite names the JUnit suite that holds scan errors.
const ScanErrorsSuite = "scan-errors"

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Timestamp  string           `xml:"timestamp,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	// Text is CDATA so multi-line details stay readable; xmlText has made
	// it valid XML.
	Text string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

const junitZeroTime = "0.000"

// Write implements Reporter.
func (j *JUnit) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	r, err := r.Loaded() // this format needs every finding at once
	if err != nil {
		return err
	}
	name := r.Tool.Name
	if name == "" {
		name = "cloudassure"
	}
	timestamp := ""
	if !r.StartedAt.IsZero() {
		timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	s := counts(r)
	doc := junitSuites{Name: name, Time: fmt.Sprintf("%.3f", float64(s.DurationMS)/1000)}

	rules := rulesOf(r, j.Rules)
	suiteOf := make(map[string]int, len(rules))
	for _, rm := range rules {
		suiteOf[rm.ID] = len(doc.Suites)
		suite := junitSuite{Name: suiteName(rm), Time: junitZeroTime, Timestamp: timestamp, Cases: []junitCase{}}
		var props []junitProperty
		if rm.Risk != "" {
			props = append(props, junitProperty{Name: "risk", Value: rm.Risk})
		}
		if rm.HelpURI != "" {
			props = append(props, junitProperty{Name: "help_uri", Value: rm.HelpURI})
		}
		if len(props) > 0 {
			suite.Properties = &junitProperties{Property: props}
		}
		doc.Suites = append(doc.Suites, suite)
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		suite := &doc.Suites[suiteOf[f.RuleID]]
		suite.Cases = append(suite.Cases, junitCaseOf(f))
		suite.Tests++
		switch f.Status {
		case finding.Fail:
			suite.Failures++
		case finding.Error:
			suite.Errors++
		case finding.Skip:
			suite.Skipped++
		}
	}

	if len(r.Errors) > 0 {
		suite := junitSuite{Name: ScanErrorsSuite, Time: junitZeroTime, Timestamp: timestamp}
		for i := range r.Errors {
			suite.Cases = append(suite.Cases, junitScanErrorCase(&r.Errors[i], i))
		}
		suite.Tests, suite.Errors = len(r.Errors), len(r.Errors)
		doc.Suites = append(doc.Suites, suite)
	}

	for _, suite := range doc.Suites {
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
		doc.Skipped += suite.Skipped
	}

	out, err := xml.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	out = append(out, '\n')
	_, err = w.Write(out)
	return err
}

func suiteName(rm ruleMeta) string {
	if rm.Title == "" {
		return rm.ID
	}
	return rm.ID + ": " + rm.Title
}

func junitCaseOf(f *finding.Finding) junitCase {
	c := junitCase{Name: accountPath(f.Account) + f.Resource.ID, Classname: f.Resource.Type, Time: junitZeroTime}
	if f.Location != nil {
		c.File, c.Line = f.Location.File, f.Location.StartLine
	}
	switch f.Status {
	case finding.Fail:
		c.Failure = &junitProblem{Message: f.Message, Type: f.Risk, Text: junitDetails(f)}
	case finding.Error:
		c.Error = &junitProblem{Message: f.Message, Type: string(finding.Error), Text: junitDetails(f)}
	case finding.Skip:
		msg := f.Message
		if f.Suppression != nil {
			msg = "suppressed: " + f.Suppression.Reason
		}
		c.Skipped = &junitSkipped{Message: msg}
	}
	return c
}

// junitDetails is the body of a failure or error: problems as bullets, then
// the behaviors, resource and location involved.
func junitDetails(f *finding.Finding) string {
	var lines []string
	for _, p := range f.Problems {
		lines = append(lines, "- "+p)
	}
	if a := accountName(f.Account); a != "" {
		lines = append(lines, "account: "+a)
	}
	if len(f.Behaviors) > 0 {
		lines = append(lines, "behaviors: "+behaviorList(f))
	}
	if f.Resource.ARN != "" {
		lines = append(lines, "resource: "+f.Resource.ARN)
	}
	if f.Staging {
		lines = append(lines, "staging distribution")
	}
	if loc := location(f.Location); loc != "" {
		lines = append(lines, "location: "+loc)
	}
	if len(lines) == 0 {
		return ""
	}
	return xmlText("\n" + strings.Join(lines, "\n") + "\n")
}

func junitScanErrorCase(e *finding.ScanError, i int) junitCase {
	c := junitCase{
		Name:      accountPath(e.Account) + firstNonEmpty(scanErrorWhere(e), e.Operation, fmt.Sprintf("error %d", i+1)),
		Classname: firstNonEmpty(e.Operation, "scan"),
		Time:      junitZeroTime,
	}
	if e.Location != nil {
		c.File, c.Line = e.Location.File, e.Location.StartLine
	}
	var lines []string
	for _, kv := range [][2]string{{"operation", e.Operation}, {"action", e.Action}, {"code", e.Code}, {"resource", e.Resource}, {"location", location(e.Location)}} {
		if kv[1] != "" {
			lines = append(lines, kv[0]+": "+kv[1])
		}
	}
	text := ""
	if len(lines) > 0 {
		text = xmlText("\n" + strings.Join(lines, "\n") + "\n")
	}
	c.Error = &junitProblem{Message: e.Message, Type: e.Code, Text: text}
	return c
}

// xmlText replaces the characters XML 1.0 does not allow (most control
// characters, surrogates, U+FFFE and U+FFFF, invalid UTF-8) with U+FFFD.
// encoding/xml does this for attributes and character data, not for CDATA.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			0x20 <= r && r <= 0xD7FF,
			0xE000 <= r && r <= 0xFFFD,
			0x10000 <= r && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}
