package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// sarifSchemaFile is the official OASIS SARIF 2.1.0 JSON schema (errata01),
// committed so the test needs no network.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := doc.(map[string]any)["id"].(string)
	if !strings.Contains(id, "sarif-schema-2.1.0.json") {
		t.Fatalf("%s has id %q: not the SARIF 2.1.0 schema", sarifSchemaFile, id)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri, uri-reference and date-time values must be well formed
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	sch := sarifSchema(t)
	noLocation := emptyReport()
	noLocation.Findings = []finding.Finding{{RuleID: "CF-009", Status: finding.Fail, Message: "m", Resource: finding.Resource{Type: "t"}}}
	cases := map[string]struct {
		r    *finding.Report
		opts Options
	}{
		"sample":              {sampleReport(), Options{Rules: sampleRules()}},
		"sample without info": {sampleReport(), Options{}},
		"empty":               {emptyReport(), Options{}},
		"empty with rules":    {emptyReport(), Options{Rules: sampleRules()}},
		"zero report":         {&finding.Report{}, Options{}},
		"no location at all":  {noLocation, Options{}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out := render(t, "sarif", tc.opts, tc.r)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("SARIF output is not valid SARIF 2.1.0:\n%v\n%s", err, out)
			}
		})
	}
}

// The schema check must be able to fail.
func TestSARIFSchemaRejectsBadLog(t *testing.T) {
	sch := sarifSchema(t)
	bad := `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r", "level": "fatal", "message": {"text": "m"}}]}]}`
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	if sch.Validate(inst) == nil {
		t.Error("schema accepted a result with level \"fatal\"")
	}
}

func TestSARIFContent(t *testing.T) {
	r := sampleReport()
	var log sarifLog
	if err := json.Unmarshal(render(t, "sarif", Options{Rules: sampleRules()}, r), &log); err != nil {
		t.Fatal(err)
	}
	if log.Schema != SARIFSchemaURI || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("header: %q %q %d runs", log.Schema, log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	d := run.Tool.Driver
	if d.Name != "cloudassure" || d.Version != "0.4.0" || d.InformationURI != r.Tool.URI {
		t.Errorf("driver = %+v", d)
	}
	wantLevels := map[string]string{"CF-001": "warning", "CF-002": "error", "CF-003": "note"}
	if len(d.Rules) != 3 {
		t.Fatalf("%d rules, want 3", len(d.Rules))
	}
	for _, rule := range d.Rules {
		if rule.DefaultConfiguration.Level != wantLevels[rule.ID] {
			t.Errorf("%s level %q, want %q", rule.ID, rule.DefaultConfiguration.Level, wantLevels[rule.ID])
		}
		if rule.ShortDescription.Text == "" || rule.FullDescription == nil || rule.Help == nil || rule.Name == "" {
			t.Errorf("%s lacks descriptions: %+v", rule.ID, rule)
		}
		if rule.Properties.Risk == "" || len(rule.Properties.Tags) == 0 {
			t.Errorf("%s lacks properties: %+v", rule.ID, rule.Properties)
		}
	}

	// FAIL, ERROR and suppressed SKIP findings are results; PASS and plain SKIP are not.
	var want []*finding.Finding
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Status == finding.Fail || f.Status == finding.Error || f.Suppression != nil {
			want = append(want, f)
		}
	}
	if len(run.Results) != len(want) {
		t.Fatalf("%d results, want %d", len(run.Results), len(want))
	}
	for i, res := range run.Results {
		f := want[i]
		if res.RuleID != f.RuleID || d.Rules[res.RuleIndex].ID != f.RuleID {
			t.Errorf("result %d: rule %s index %d, want %s", i, res.RuleID, res.RuleIndex, f.RuleID)
		}
		if res.PartialFingerprints[FingerprintKey] != f.Fingerprint {
			t.Errorf("result %d: fingerprints %v", i, res.PartialFingerprints)
		}
		if len(res.Locations) != 1 {
			t.Fatalf("result %d: %d locations", i, len(res.Locations))
		}
		loc := res.Locations[0]
		if f.Location != nil {
			p := loc.PhysicalLocation
			if p == nil || strings.Contains(p.ArtifactLocation.URI, `\`) || strings.HasPrefix(p.ArtifactLocation.URI, "/") ||
				p.Region == nil || p.Region.StartLine != f.Location.StartLine || p.Region.EndLine != f.Location.EndLine {
				t.Errorf("result %d: physical location %+v for %+v", i, p, f.Location)
			}
		} else {
			if loc.PhysicalLocation != nil {
				t.Errorf("result %d: live finding has a physical location", i)
			}
			if len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].FullyQualifiedName != f.Resource.ARN || loc.LogicalLocations[0].Kind != "resource" {
				t.Errorf("result %d: logical locations %+v", i, loc.LogicalLocations)
			}
		}
		switch {
		case f.Suppression != nil:
			if len(res.Suppressions) != 1 || res.Suppressions[0].Justification != f.Suppression.Reason {
				t.Errorf("result %d: suppressions %+v", i, res.Suppressions)
			}
		case len(res.Suppressions) > 0:
			t.Errorf("result %d: unexpected suppressions", i)
		}
		if f.Status == finding.Error && res.Level != "error" {
			t.Errorf("result %d: ERROR finding has level %s", i, res.Level)
		}
	}
	kinds := map[string]string{}
	for i, res := range run.Results {
		if len(res.Suppressions) > 0 {
			kinds[want[i].Suppression.Source] = res.Suppressions[0].Kind
		}
	}
	if kinds["config"] != "external" || kinds["inline"] != "inSource" {
		t.Errorf("suppression kinds %v", kinds)
	}

	if len(run.Invocations) != 1 {
		t.Fatalf("%d invocations", len(run.Invocations))
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != len(r.Errors) || inv.ExitCode != 2 {
		t.Errorf("invocation %+v", inv)
	}

	// Without errors the run is successful.
	var ok sarifLog
	if err := json.Unmarshal(render(t, "sarif", Options{}, emptyReport()), &ok); err != nil {
		t.Fatal(err)
	}
	if !ok.Runs[0].Invocations[0].ExecutionSuccessful || ok.Runs[0].Results == nil {
		t.Errorf("empty report: %+v", ok.Runs[0])
	}
}

// Rules named only by findings are listed after the known ones, by ID.
func TestSARIFRulesFromFindings(t *testing.T) {
	r := sampleReport()
	r.Findings = append(r.Findings,
		finding.Finding{RuleID: "CF-010", Title: "ten", Status: finding.Fail, Risk: "High", Resource: live("E9", "")},
		finding.Finding{RuleID: "CF-009", Title: "nine", Status: finding.Fail, Risk: "Low", Resource: live("E9", "")},
	)
	var log sarifLog
	if err := json.Unmarshal(render(t, "sarif", Options{Rules: sampleRules()[:1]}, r), &log); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, rule := range log.Runs[0].Tool.Driver.Rules {
		ids = append(ids, rule.ID)
	}
	if got := strings.Join(ids, ","); got != "CF-001,CF-002,CF-003,CF-009,CF-010" {
		t.Errorf("rules %s", got)
	}
	for _, res := range log.Runs[0].Results {
		if ids[res.RuleIndex] != res.RuleID {
			t.Errorf("result for %s points at rule %d (%s)", res.RuleID, res.RuleIndex, ids[res.RuleIndex])
		}
	}
}

func TestArtifactURI(t *testing.T) {
	for in, want := range map[string]string{
		"infra/cdn.tf":          "infra/cdn.tf",
		"./infra/cdn.tf":        "infra/cdn.tf",
		`templates\site.yaml`:   "templates/site.yaml",
		"dir with space/a.tf":   "dir%20with%20space/a.tf",
		"/abs/path/main.tf":     "file:///abs/path/main.tf",
		`C:\work\main.tf`:       "file:///C:/work/main.tf",
		"weird:name/main.tf":    "./weird:name/main.tf",
		filepath.Join("a", "b"): "a/b",
	} {
		if got := artifactURI(in); got != want {
			t.Errorf("artifactURI(%q) = %q, want %q", in, got, want)
		}
	}
}
