package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cloudassure/cloudassure/internal/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var (
	started  = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	finished = started.Add(412 * time.Millisecond)
)

const (
	account   = "111122223333"
	liveARN   = "arn:aws:cloudfront::111122223333:distribution/"
	configARN = "arn:aws:cloudfront::111122223333:realtime-log-config/cf-logs"
	streamARN = "arn:aws:kinesis:us-east-1:111122223333:stream/cf-logs"
	roleARN   = "arn:aws:iam::111122223333:role/cf-logs-writer"
)

// sampleRules is the rule metadata the sample report is written with.
func sampleRules() []finding.RuleInfo {
	return []finding.RuleInfo{
		{
			ID: "CF-001", Name: "cloudfront-realtime-logging-enabled",
			Title:       "Every cache behavior of an enabled CloudFront distribution sends real-time logs",
			Risk:        "Medium",
			Rationale:   "CloudFront attaches a real-time log config per cache behavior, not per distribution.",
			Remediation: "Attach a real-time log config to the default behavior and to every ordered cache behavior.",
			HelpURI:     "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html",
		},
		{
			ID: "CF-002", Name: "cloudfront-realtime-logs-delivered",
			Title:       "Real-time log configs deliver to an active Kinesis stream through a role CloudFront can assume",
			Risk:        "High",
			Rationale:   "A config whose stream is gone or whose role cannot write delivers nothing.",
			Remediation: "Point the config at an active stream and give its role kinesis:PutRecord and kinesis:PutRecords.",
		},
		{
			ID: "CF-003", Name: "cloudfront-realtime-logs-policy",
			Title:       "Real-time log configs meet the team's sampling rate and field policy",
			Risk:        "Low",
			Rationale:   "Sampled or thin logs miss the requests an investigation needs.",
			Remediation: "Raise the sampling rate and add the missing fields to the config.",
		},
	}
}

func live(id, name string) finding.Resource {
	return finding.Resource{Type: "AWS::CloudFront::Distribution", ID: id, ARN: liveARN + id, Name: name}
}

// sampleReport is a report that exercises every part of every format: live
// findings (ARNs, no locations) and IaC findings (file locations), a staging
// distribution, a suppressed SKIP, a plain SKIP, an ERROR, several behaviors,
// text that needs escaping, scan errors and API call counts.
func sampleReport() *finding.Report {
	r := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "cloudassure", Version: "0.4.0", URI: "https://github.com/cloudassure/cloudassure"},
		Source:        "aws",
		Account:       account,
		StartedAt:     started,
		FinishedAt:    finished,
		Findings: []finding.Finding{
			{
				RuleID: "CF-001", Title: sampleRules()[0].Title, Status: finding.Fail, Risk: "Medium",
				Message:  "2 of 3 cache behaviors send no real-time logs",
				Resource: live("E1LIVEPROD0001", "shop frontend"),
				Behaviors: []finding.Behavior{
					{PathPattern: "/api/*", Position: 1, State: "absent"},
					{PathPattern: "/static/*", Position: 2, State: "absent"},
				},
				Problems: []string{
					`behavior "/api/*" has no real-time log config`,
					`behavior "/static/*" has no real-time log config`,
				},
				Fingerprint: "0f1e2d3c4b5a6978",
			},
			{
				RuleID: "CF-002", Title: sampleRules()[1].Title, Status: finding.Pass, Risk: "High",
				Message:  "real-time logs reach active stream cf-logs through role cf-logs-writer",
				Resource: live("E1LIVEPROD0001", "shop frontend"),
				Related: []finding.Resource{
					{Type: "AWS::CloudFront::RealtimeLogConfig", ID: "cf-logs", ARN: configARN},
					{Type: "AWS::Kinesis::Stream", ID: "cf-logs", ARN: streamARN,
						Stream: &finding.StreamCheck{Found: true, Status: "ACTIVE", Encryption: "KMS", KeyID: "alias/aws/kinesis"}},
					{Type: "AWS::IAM::Role", ID: "cf-logs-writer", ARN: roleARN, Role: &finding.RoleCheck{
						Found: true, Trust: finding.TrustAllowed, TrustDetail: `allowed by statement 1 (trust policy)`,
						Actions: []finding.ActionCheck{
							{Action: "kinesis:DescribeStreamSummary", Resource: streamARN, Allowed: true, Detail: `allowed by statement "Deliver" (policy deliver)`},
							{Action: "kinesis:DescribeStream", Resource: streamARN, Allowed: true, Detail: `allowed by statement "Deliver" (policy deliver)`},
							{Action: "kinesis:PutRecord", Resource: streamARN, Allowed: true, Detail: `allowed by statement "Deliver" (policy deliver)`},
							{Action: "kinesis:PutRecords", Resource: streamARN, Allowed: true, Detail: `allowed by statement "Deliver" (policy deliver)`},
						}}},
				},
				Fingerprint: "1a2b3c4d5e6f7081",
			},
			{
				RuleID: "CF-003", Title: sampleRules()[2].Title, Status: finding.Error, Risk: "Low",
				Message:     "could not check the sampling rate: the real-time log config could not be read",
				Resource:    live("E1LIVEPROD0001", "shop frontend"),
				Problems:    []string{"GetRealtimeLogConfig was denied (AccessDenied)"},
				Fingerprint: "2b3c4d5e6f708192",
			},
			{
				RuleID: "CF-001", Title: sampleRules()[0].Title, Status: finding.Pass, Risk: "Medium",
				Message:     "all 2 cache behaviors send real-time logs",
				Resource:    live("E2LIVESTAGE002", ""),
				Staging:     true,
				Fingerprint: "3c4d5e6f708192a3",
			},
			{
				RuleID: "CF-002", Title: sampleRules()[1].Title, Status: finding.Fail, Risk: "High",
				Message:  "real-time log config cf-logs-staging delivers to a stream that does not exist",
				Resource: live("E2LIVESTAGE002", ""),
				Staging:  true,
				Behaviors: []finding.Behavior{
					{PathPattern: "*", Default: true, RealtimeLogConfigARN: configARN + "-staging", State: "known"},
				},
				Problems: []string{
					"stream arn:aws:kinesis:us-east-1:111122223333:stream/cf-logs-staging does not exist",
					"role cf-logs-staging-writer cannot kinesis:PutRecords | it has no policy",
				},
				Related: []finding.Resource{
					{Type: "AWS::Kinesis::Stream", ID: "cf-logs-staging", ARN: streamARN + "-staging", Stream: &finding.StreamCheck{}},
					{Type: "AWS::IAM::Role", ID: "cf-logs-staging-writer", ARN: "arn:aws:iam::111122223333:role/cf-logs-staging-writer", Role: &finding.RoleCheck{
						Found: true, Trust: finding.TrustDenied, TrustDetail: "implicitly denied: no statement allows it",
						Actions: []finding.ActionCheck{
							{Action: "kinesis:DescribeStreamSummary", Resource: streamARN + "-staging", Allowed: true, Detail: `allowed by statement "Deliver" (policy deliver)`},
							{Action: "kinesis:DescribeStream", Resource: streamARN + "-staging", Allowed: true, Detail: `allowed by statement "Deliver" (policy deliver)`},
							{Action: "kinesis:PutRecord", Resource: streamARN + "-staging", Detail: `explicitly denied by statement "NoPut" (policy guard)`},
							{Action: "kinesis:PutRecords", Resource: streamARN + "-staging", Detail: "implicitly denied: no statement allows it"},
						}}},
				},
				Fingerprint: "4d5e6f708192a3b4",
			},
			{
				RuleID: "CF-001", Title: sampleRules()[0].Title, Status: finding.Skip, Risk: "Medium",
				Message:     "distribution is disabled (use --include-disabled to evaluate it)",
				Resource:    live("E3DISABLED0003", "old blog"),
				Fingerprint: "5e6f708192a3b4c5",
			},
			{
				RuleID: "CF-001", Title: sampleRules()[0].Title, Status: finding.Fail, Risk: "Medium",
				Message:  "the default behavior (*) and 1 more send no real-time logs",
				Resource: finding.Resource{Type: "aws_cloudfront_distribution", ID: "aws_cloudfront_distribution.cdn"},
				Location: &finding.Location{File: "infra/cdn.tf", StartLine: 12, EndLine: 58},
				Behaviors: []finding.Behavior{
					{PathPattern: "*", Default: true, State: "absent", Location: &finding.Location{File: "infra/cdn.tf", StartLine: 20, EndLine: 31}},
					{PathPattern: "/img/*", Position: 1, State: "absent", Location: &finding.Location{File: "infra/cdn.tf", StartLine: 33, EndLine: 44}},
				},
				Problems: []string{
					"the default behavior (*) has no realtime_log_config_arn",
					`behavior "/img/*" has no realtime_log_config_arn`,
				},
				Fingerprint: "6f708192a3b4c5d6",
			},
			{
				RuleID: "CF-002", Title: sampleRules()[1].Title, Status: finding.Error, Risk: "High",
				Message:  "the config ARN is only known after apply, so its stream and role cannot be checked",
				Resource: finding.Resource{Type: "aws_cloudfront_distribution", ID: "aws_cloudfront_distribution.cdn"},
				Location: &finding.Location{File: "infra/cdn.tf", StartLine: 12, EndLine: 58},
				Behaviors: []finding.Behavior{
					{PathPattern: "/api/*", Position: 2, State: "unknown", Location: &finding.Location{File: "infra/cdn.tf", StartLine: 46, EndLine: 56}},
				},
				Fingerprint: "708192a3b4c5d6e7",
			},
			{
				RuleID: "CF-003", Title: sampleRules()[2].Title, Status: finding.Skip, Risk: "Low",
				Message:     "sampling rate 5 is below the policy minimum of 100",
				Resource:    finding.Resource{Type: "aws_cloudfront_distribution", ID: "aws_cloudfront_distribution.cdn"},
				Location:    &finding.Location{File: "infra/cdn.tf", StartLine: 12, EndLine: 58},
				Problems:    []string{"sampling rate 5 is below 100"},
				Suppression: &finding.Suppression{Reason: "5% sampling is enough for this cache-only site", Source: "config"},
				Fingerprint: "8192a3b4c5d6e7f8",
			},
			{
				RuleID: "CF-001", Title: sampleRules()[0].Title, Status: finding.Skip, Risk: "Medium",
				Message:     `behavior "/legacy/*" sends no real-time logs | *not* [mapped] <b>`,
				Resource:    finding.Resource{Type: "AWS::CloudFront::Distribution", ID: "SiteDistribution"},
				Location:    &finding.Location{File: `templates\site.yaml`, StartLine: 5, EndLine: 40},
				Behaviors:   []finding.Behavior{{PathPattern: "/legacy/*", Position: 1, State: "absent"}},
				Suppression: &finding.Suppression{Reason: "legacy paths are retired next quarter", Source: "inline"},
				Fingerprint: "92a3b4c5d6e7f809",
			},
		},
		Errors: []finding.ScanError{
			{
				Message:   "User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: cloudfront:GetRealtimeLogConfig",
				Operation: "cloudfront:GetRealtimeLogConfig",
				Action:    "cloudfront:GetRealtimeLogConfig",
				Code:      "AccessDenied",
				Resource:  configARN,
			},
			{
				Message:  "module source ./modules/cdn could not be read",
				Code:     "ParseError",
				Location: &finding.Location{File: "infra/main.tf", StartLine: 3, EndLine: 7},
			},
		},
		Summary: finding.Summary{
			APICalls: map[string]int{
				"cloudfront:ListDistributions":     1,
				"cloudfront:GetDistributionConfig": 3,
				"cloudfront:GetRealtimeLogConfig":  2,
				"kinesis:DescribeStreamSummary":    1,
				"iam:GetRole":                      1,
				"sts:GetCallerIdentity":            1,
			},
		},
	}
	r.Summarize()
	return r
}

// emptyReport is an IaC scan that found no distribution at all.
func emptyReport() *finding.Report {
	r := &finding.Report{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "cloudassure", Version: "0.4.0"},
		Source:        "terraform",
		StartedAt:     started,
		FinishedAt:    started.Add(35 * time.Millisecond),
	}
	r.Summarize()
	return r
}

// render writes r with the reporter for format.
func render(t *testing.T, format string, opts Options, r *finding.Report) []byte {
	t.Helper()
	rep, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.Write(&b, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes()
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report/ -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got; go test ./report/ -update rewrites it):\n%s", path, diff)
	}
}

type goldenCase struct {
	file   string
	format string
	opts   Options
}

func goldenCases(prefix string) []goldenCase {
	rules := Options{Rules: sampleRules()}
	return []goldenCase{
		{prefix + ".table.golden", "table", Options{}},
		{prefix + ".table-color.golden", "table", Options{Color: true}},
		{prefix + ".json.golden", "json", Options{}},
		{prefix + ".sarif.golden", "sarif", rules},
		{prefix + ".junit.golden", "junit", rules},
		{prefix + ".csv.golden", "csv", Options{}},
		{prefix + ".md.golden", "markdown", Options{}},
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases("sample") {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, tc.file, render(t, tc.format, tc.opts, sampleReport()))
		})
	}
	for _, tc := range goldenCases("empty") {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, tc.file, render(t, tc.format, tc.opts, emptyReport()))
		})
	}
	t.Run("sample.table-wide80.golden", func(t *testing.T) {
		golden(t, "sample.table-wide80.golden", render(t, "table", Options{Width: 80}, sampleReport()))
	})
}

// Every format, written many times, gives the same bytes: no map order leaks.
func TestStableOutput(t *testing.T) {
	for _, tc := range goldenCases("sample") {
		first := render(t, tc.format, tc.opts, sampleReport())
		for range 20 {
			if got := render(t, tc.format, tc.opts, sampleReport()); !bytes.Equal(got, first) {
				t.Fatalf("%s: output changed between runs", tc.file)
			}
		}
	}
}

// Reporters leave the report as they found it (JSON fills nil slices on a copy).
func TestReportersDoNotChangeTheReport(t *testing.T) {
	for _, mk := range []func() *finding.Report{sampleReport, emptyReport} {
		for _, tc := range goldenCases("x") {
			r := mk()
			r.Summary.Total = 999 // a stale count must stay stale
			render(t, tc.format, tc.opts, r)
			want := mk()
			want.Summary.Total = 999
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("%s changed the report (-want +got):\n%s", tc.format, diff)
			}
		}
	}
}

func TestNew(t *testing.T) {
	want := []string{"table", "json", "sarif", "junit", "csv", "markdown", "html"}
	if diff := cmp.Diff(want, Formats()); diff != "" {
		t.Errorf("Formats (-want +got):\n%s", diff)
	}
	Formats()[0] = "changed"
	if Formats()[0] != "table" {
		t.Error("Formats returned its own slice")
	}
	types := map[string]Reporter{
		"table": &Table{}, "json": &JSON{}, "sarif": &SARIF{}, "junit": &JUnit{},
		"csv": &CSV{}, "markdown": &Markdown{}, "md": &Markdown{}, " SARIF ": &SARIF{}, "Markdown": &Markdown{},
		"HTML": &HTML{},
	}
	for name, wantType := range types {
		rep, err := New(name, Options{})
		if err != nil {
			t.Errorf("New(%q): %v", name, err)
			continue
		}
		if got, want := typeName(rep), typeName(wantType); got != want {
			t.Errorf("New(%q) = %s, want %s", name, got, want)
		}
	}
	rep, err := New("table", Options{Color: true, Width: 100})
	if err != nil {
		t.Fatal(err)
	}
	if tb := rep.(*Table); !tb.Color || tb.Width != 100 {
		t.Errorf("table options not passed: %+v", tb)
	}
	rules := sampleRules()
	rep, _ = New("sarif", Options{Rules: rules})
	if len(rep.(*SARIF).Rules) != len(rules) {
		t.Error("sarif rules not passed")
	}
	rep, _ = New("html", Options{Rules: rules, Remediation: map[string]Remediation{"CF-001": {Summary: "x"}}})
	if h := rep.(*HTML); len(h.Rules) != len(rules) || h.Remediation["CF-001"].Summary != "x" {
		t.Error("html rules or remediation not passed")
	}
	rep, _ = New("junit", Options{Rules: rules})
	if len(rep.(*JUnit).Rules) != len(rules) {
		t.Error("junit rules not passed")
	}

	_, err = New("xml", Options{})
	if err == nil {
		t.Fatal("New(xml) succeeded")
	}
	for _, name := range append(Formats(), "md", `"xml"`) {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not mention %s", err, name)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *Table:
		return "Table"
	case *JSON:
		return "JSON"
	case *SARIF:
		return "SARIF"
	case *JUnit:
		return "JUnit"
	case *CSV:
		return "CSV"
	case *Markdown:
		return "Markdown"
	case *HTML:
		return "HTML"
	}
	return "?"
}

func TestNilReport(t *testing.T) {
	for _, name := range Formats() {
		rep, _ := New(name, Options{})
		if err := rep.Write(&bytes.Buffer{}, nil); err == nil {
			t.Errorf("%s: writing a nil report succeeded", name)
		}
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteErrorsAreReturned(t *testing.T) {
	for _, name := range Formats() {
		rep, _ := New(name, Options{})
		if err := rep.Write(errWriter{}, sampleReport()); err == nil {
			t.Errorf("%s: a failing writer gave no error", name)
		}
	}
}

func TestJSON(t *testing.T) {
	for _, r := range []*finding.Report{sampleReport(), emptyReport()} {
		out := render(t, "json", Options{}, r)
		if !bytes.HasSuffix(out, []byte("}\n")) {
			t.Errorf("JSON does not end with a newline")
		}
		var back finding.Report
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		want := *r
		if want.Findings == nil {
			want.Findings = []finding.Finding{}
		}
		if want.Errors == nil {
			want.Errors = []finding.ScanError{}
		}
		if diff := cmp.Diff(&want, &back, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("JSON round trip (-want +got):\n%s", diff)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(out, &raw); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"findings", "errors"} {
			if !bytes.HasPrefix(raw[key], []byte("[")) {
				t.Errorf("%s is %s, want an array", key, raw[key])
			}
		}
	}
}

// TestJSONDocumentedKeys checks that every finding carries the keys the
// README documents, as arrays and booleans, even when they are empty.
func TestJSONDocumentedKeys(t *testing.T) {
	r := sampleReport()
	r.Findings = append(r.Findings, finding.Finding{RuleID: "CF-001", Status: finding.Pass, Resource: live("E4BARE", "")})
	var raw struct {
		Findings []map[string]json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(render(t, "json", Options{}, r), &raw); err != nil {
		t.Fatal(err)
	}
	for i, f := range raw.Findings {
		for _, key := range []string{"rule_id", "title", "status", "risk", "message", "resource", "fingerprint"} {
			if _, ok := f[key]; !ok {
				t.Errorf("finding %d has no %q", i, key)
			}
		}
		for _, key := range []string{"behaviors", "problems", "related"} {
			if !bytes.HasPrefix(f[key], []byte("[")) {
				t.Errorf("finding %d: %q is %s, want an array", i, key, f[key])
			}
		}
		if s := string(f["staging"]); s != "true" && s != "false" {
			t.Errorf("finding %d: staging is %q, want a boolean", i, s)
		}
	}
	if r.Findings[len(r.Findings)-1].Related != nil {
		t.Error("the JSON reporter changed the caller's finding")
	}
}
