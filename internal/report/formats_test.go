package report

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// Types a JUnit consumer would parse into, independent of the writer's own.
type (
	xTestsuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []xTestsuite `xml:"testsuite"`
	}
	xTestsuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Time     string      `xml:"time,attr"`
		Cases    []xTestcase `xml:"testcase"`
	}
	xTestcase struct {
		Name      string    `xml:"name,attr"`
		Classname string    `xml:"classname,attr"`
		Failure   *xProblem `xml:"failure"`
		Error     *xProblem `xml:"error"`
		Skipped   *xProblem `xml:"skipped"`
	}
	xProblem struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
)

func parseJUnit(t *testing.T, out []byte) xTestsuites {
	t.Helper()
	if !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Errorf("no XML declaration")
	}
	var doc xTestsuites
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("JUnit output does not parse: %v", err)
	}
	return doc
}

func TestJUnit(t *testing.T) {
	r := sampleReport()
	doc := parseJUnit(t, render(t, "junit", Options{Rules: sampleRules()}, r))
	s := r.Summary
	if doc.Tests != s.Total+len(r.Errors) || doc.Failures != s.Fail || doc.Errors != s.Error+len(r.Errors) || doc.Skipped != s.Skip {
		t.Errorf("testsuites counts %d/%d/%d/%d, summary %+v with %d scan errors",
			doc.Tests, doc.Failures, doc.Errors, doc.Skipped, s, len(r.Errors))
	}
	if doc.Time != "0.412" {
		t.Errorf("time %q", doc.Time)
	}
	var names []string
	sum := xTestsuite{}
	for _, suite := range doc.Suites {
		names = append(names, strings.SplitN(suite.Name, ":", 2)[0])
		var tests, failures, errors, skipped int
		for _, c := range suite.Cases {
			tests++
			switch {
			case c.Failure != nil:
				failures++
			case c.Error != nil:
				errors++
			case c.Skipped != nil:
				skipped++
			}
		}
		if suite.Tests != tests || suite.Failures != failures || suite.Errors != errors || suite.Skipped != skipped {
			t.Errorf("suite %s: attributes %d/%d/%d/%d, cases %d/%d/%d/%d", suite.Name,
				suite.Tests, suite.Failures, suite.Errors, suite.Skipped, tests, failures, errors, skipped)
		}
		sum.Tests += tests
		sum.Failures += failures
		sum.Errors += errors
		sum.Skipped += skipped
	}
	if sum.Tests != doc.Tests || sum.Failures != doc.Failures || sum.Errors != doc.Errors || sum.Skipped != doc.Skipped {
		t.Errorf("suites add up to %+v, testsuites says %+v", sum, doc)
	}
	if diff := cmp.Diff([]string{"CF-001", "CF-002", "CF-003", ScanErrorsSuite}, names); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(doc.Suites[0].Name, "CF-001: Every cache behavior") {
		t.Errorf("suite name %q", doc.Suites[0].Name)
	}

	// The first CF-001 case is the live FAIL with its problems as text.
	c := doc.Suites[0].Cases[0]
	if c.Name != "E1LIVEPROD0001" || c.Classname != "AWS::CloudFront::Distribution" || c.Failure == nil ||
		c.Failure.Message != r.Findings[0].Message || !strings.Contains(c.Failure.Text, r.Findings[0].Problems[1]) {
		t.Errorf("first case %+v", c)
	}
	// The suppressed SKIP says why.
	for _, c := range doc.Suites[2].Cases {
		if c.Name == "aws_cloudfront_distribution.cdn" && (c.Skipped == nil || !strings.Contains(c.Skipped.Message, "5% sampling")) {
			t.Errorf("suppressed case %+v", c)
		}
	}
	scan := doc.Suites[3]
	if scan.Errors != 2 || scan.Cases[0].Error == nil || scan.Cases[0].Error.Message != r.Errors[0].Message {
		t.Errorf("scan-errors suite %+v", scan)
	}

	// A rule listed in Options.Rules without findings still gets a suite.
	doc = parseJUnit(t, render(t, "junit", Options{Rules: sampleRules()}, emptyReport()))
	if len(doc.Suites) != 3 || doc.Tests != 0 || doc.Suites[0].Tests != 0 {
		t.Errorf("empty report with rules: %+v", doc)
	}
	doc = parseJUnit(t, render(t, "junit", Options{}, emptyReport()))
	if len(doc.Suites) != 0 || doc.Tests != 0 {
		t.Errorf("empty report: %+v", doc)
	}
}

// Text that is not valid in XML, or that looks like markup, still gives valid XML.
func TestJUnitEscapes(t *testing.T) {
	r := emptyReport()
	r.Findings = []finding.Finding{{
		RuleID: "CF-001", Title: `a "quoted" <title> & more`, Status: finding.Fail,
		Message:  "bad \x00 byte ]]> <x/> & \"quotes\"",
		Resource: finding.Resource{Type: "t<>", ID: "id&"},
		Problems: []string{"</failure><oops> ]]> \x01 \xff"},
	}}
	doc := parseJUnit(t, render(t, "junit", Options{}, r))
	c := doc.Suites[0].Cases[0]
	if c.Name != "id&" || c.Classname != "t<>" || !strings.Contains(c.Failure.Text, "</failure><oops> ]]> \uFFFD \uFFFD") ||
		!strings.Contains(c.Failure.Message, `]]> <x/> & "quotes"`) {
		t.Errorf("case %+v", c)
	}
}

func TestCSV(t *testing.T) {
	r := sampleReport()
	rows, err := csv.NewReader(bytes.NewReader(render(t, "csv", Options{}, r))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "rule_id,status,risk,resource_type,resource_id,resource_arn,file,start_line,end_line,behaviors,message"
	if got := strings.Join(rows[0], ","); got != want {
		t.Errorf("header %s", got)
	}
	if len(rows) != len(r.Findings)+len(r.Errors)+1 {
		t.Fatalf("%d rows for %d findings and %d scan errors", len(rows)-1, len(r.Findings), len(r.Errors))
	}
	// Scan errors follow the findings: status ERROR, no rule, the resource
	// or file they concern, and the failed call in the message.
	errRows := rows[len(r.Findings)+1:]
	wantErrs := [][]string{
		{"", "ERROR", "", "", "", configARN, "", "", "", "", "cloudfront:GetRealtimeLogConfig: " + r.Errors[0].Message},
		{"", "ERROR", "", "", "", "", "infra/main.tf", "3", "7", "", r.Errors[1].Message},
	}
	if diff := cmp.Diff(wantErrs, errRows); diff != "" {
		t.Errorf("scan error rows (-want +got):\n%s", diff)
	}
	for i, f := range r.Findings {
		row := rows[i+1]
		var file, start, end string
		if f.Location != nil {
			file, start, end = f.Location.File, itoa(f.Location.StartLine), itoa(f.Location.EndLine)
		}
		wantRow := []string{f.RuleID, string(f.Status), f.Risk, f.Resource.Type, f.Resource.ID, f.Resource.ARN,
			file, start, end, strings.Join(behaviorPatterns(&f), ";"), f.Message}
		if diff := cmp.Diff(wantRow, row); diff != "" {
			t.Errorf("row %d (-want +got):\n%s", i+1, diff)
		}
	}
	if rows[1][9] != "/api/*;/static/*" {
		t.Errorf("behaviors %q", rows[1][9])
	}

	rows, err = csv.NewReader(bytes.NewReader(render(t, "csv", Options{}, emptyReport()))).ReadAll()
	if err != nil || len(rows) != 1 {
		t.Errorf("empty report: %v rows, %v", len(rows), err)
	}
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTable(t *testing.T) {
	r := sampleReport()
	plain := string(render(t, "table", Options{}, r))
	if strings.Contains(plain, "\x1b") {
		t.Error("colour codes without Color")
	}
	color := string(render(t, "table", Options{Color: true}, r))
	for _, code := range []string{ansiRed, ansiMagenta, ansiGreen, ansiDim} {
		if !strings.Contains(color, code+"") {
			t.Errorf("no %q in the coloured table", code)
		}
	}
	if got := ansi.ReplaceAllString(color, ""); got != plain {
		t.Errorf("the coloured table is not the plain one with colours:\n%s", cmp.Diff(plain, got))
	}

	lines := strings.Split(strings.TrimSuffix(plain, "\n"), "\n")
	wantLast := "10 checks: 3 failed, 2 errors, 2 passed, 3 skipped — 5 distributions — 2 scan errors — 9 API calls in 0.4s"
	if last := lines[len(lines)-1]; last != wantLast {
		t.Errorf("summary line\n got %q\nwant %q", last, wantLast)
	}
	for _, want := range []string{
		"AWS::CloudFront::Distribution E2LIVESTAGE002 [staging]",
		"aws_cloudfront_distribution aws_cloudfront_distribution.cdn  infra/cdn.tf:12-58",
		"behaviors: /api/*, /static/*",
		"- stream arn:aws:kinesis:us-east-1:111122223333:stream/cf-logs-staging does not exist",
		"suppressed: 5% sampling is enough for this cache-only site (config)",
		"cloudfront:GetRealtimeLogConfig",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	// API calls are listed by name.
	var calls []string
	in := false
	for _, l := range lines {
		switch {
		case l == "API calls":
			in = true
		case in && strings.HasPrefix(l, "  "):
			calls = append(calls, strings.Fields(l)[0])
		default:
			in = false
		}
	}
	if diff := cmp.Diff([]string{
		"cloudfront:GetDistributionConfig", "cloudfront:GetRealtimeLogConfig", "cloudfront:ListDistributions",
		"iam:GetRole", "kinesis:DescribeStreamSummary", "sts:GetCallerIdentity",
	}, calls); diff != "" {
		t.Errorf("API calls (-want +got):\n%s", diff)
	}
}

func TestTableWidth(t *testing.T) {
	for _, width := range []int{60, 80, 120} {
		out := string(render(t, "table", Options{Width: width}, sampleReport()))
		for _, l := range strings.Split(out, "\n") {
			// Only lines made of finding text wrap; headers, error rows
			// and unbreakable words may be longer.
			if !strings.HasPrefix(l, "    ") || utf8.RuneCountInString(l) <= width {
				continue
			}
			if strings.Contains(strings.TrimSpace(l), " ") {
				t.Errorf("width %d: line of %d runes: %q", width, utf8.RuneCountInString(l), l)
			}
		}
	}
	// Width 0 never wraps: each problem is on one line.
	out := string(render(t, "table", Options{}, sampleReport()))
	if !strings.Contains(out, "- role cf-logs-staging-writer cannot kinesis:PutRecords | it has no policy\n") {
		t.Error("unwrapped problem not found")
	}
}

func TestWrap(t *testing.T) {
	cases := []struct {
		in    string
		width int
		want  []string
	}{
		{"short", 80, []string{"short"}},
		{"no wrap at all here", 0, []string{"no wrap at all here"}},
		{"two\nlines", 0, []string{"two", "lines"}},
		{"aaaa bbbb cccc dddd eeee ffff gggg hhhh", 24, []string{"aaaa bbbb cccc dddd eeee", "ffff gggg hhhh"}},
		{"x " + strings.Repeat("y", 30) + " z", 24, []string{"x", strings.Repeat("y", 30), "z"}},
		{"narrow widths are raised to the minimum wrap width", 5, []string{"narrow widths are raised", "to the minimum wrap", "width"}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, wrap(tc.in, tc.width)); diff != "" {
			t.Errorf("wrap(%q, %d) (-want +got):\n%s", tc.in, tc.width, diff)
		}
	}
}

func TestSummaryLine(t *testing.T) {
	r := emptyReport()
	if got, want := summaryLine(r), "0 checks: 0 failed, 0 errors, 0 passed, 0 skipped — 0 distributions — finished in 0.0s"; got != want {
		t.Errorf("empty: %q, want %q", got, want)
	}
	r = sampleReport()
	r.Findings = r.Findings[:1]
	r.Errors = nil
	r.Summary.APICalls = map[string]int{"cloudfront:ListDistributions": 1}
	r.FinishedAt = r.StartedAt.Add(75 * 1e9)
	r.Summarize()
	if got, want := summaryLine(r), "1 check: 1 failed, 0 errors, 0 passed, 0 skipped — 1 distribution — 1 API call in 1m15s"; got != want {
		t.Errorf("one: %q, want %q", got, want)
	}
	r.Findings[0].Resource.Type = "AWS::Kinesis::Stream"
	if got := summaryLine(r); !strings.Contains(got, "— 1 resource —") {
		t.Errorf("non-distribution resources: %q", got)
	}
	// Counts come from the findings even when the summary is stale.
	r.Summary.Total, r.Summary.Fail = 40, 40
	if got := summaryLine(r); !strings.HasPrefix(got, "1 check: 1 failed") {
		t.Errorf("stale summary: %q", got)
	}
}

func TestMarkdown(t *testing.T) {
	r := sampleReport()
	out := string(render(t, "markdown", Options{}, r))
	for _, want := range []string{
		"## cloudassure report",
		"| ❌ FAIL | 3 |",
		"### Failed and errored checks (5)",
		"<details>\n<summary>Passed and skipped checks (5)</summary>",
		"### Scan errors (2)",
		`\*not\* \[mapped\] &lt;b&gt;`,
		`cannot kinesis:PutRecords \| it has no policy`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// Every row of a table has as many cells as its header: escaped pipes
	// do not split cells.
	unescapedPipe := regexp.MustCompile(`(^|[^\\])\|`)
	cells := 0
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, "|") {
			cells = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(l, -1))
		if cells == 0 {
			cells = n
		} else if n != cells {
			t.Errorf("row with %d pipes under a header with %d: %s", n, cells, l)
		}
	}
	if strings.Contains(out, "\n\n\n") || !strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\n\n") {
		t.Error("stray blank lines")
	}

	empty := string(render(t, "md", Options{}, emptyReport()))
	if !strings.Contains(empty, "### Failed and errored checks (0)\n\nNone.") || strings.Contains(empty, "<details>") {
		t.Errorf("empty markdown:\n%s", empty)
	}
}

func TestMarkdownEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"a|b":               `a\|b`,
		"*x* _y_ `z`":       "\\*x\\* \\_y\\_ \\`z\\`",
		"<script>&":         "&lt;script&gt;&amp;",
		"line\nbreak":       "line<br>break",
		`back\slash [l](u)`: `back\\slash \[l\](u)`,
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdCode("/a|b/*"); got != "`/a\\|b/*`" {
		t.Errorf("mdCode = %q", got)
	}
	if got := mdCode("a`b"); got != "a\\`b" {
		t.Errorf("mdCode with backtick = %q", got)
	}
}
