package tfplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
)

const (
	arnExisting = "arn:aws:cloudfront::111122223333:realtime-log-config/existing"
	cfgExisting = "aws_cloudfront_realtime_log_config.existing"
)

// readPlan reads testdata/NAME as plans/NAME, failing on any error.
func readPlan(t *testing.T, name string, sources func(string) (model.Range, bool)) (*model.Inventory, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if !Detect(data) {
		t.Fatalf("Detect(%s) = false", name)
	}
	inv, err := Read("plans/"+name, data, sources)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors: %v", inv.Errors)
	}
	return inv, data
}

type behaviorView struct {
	Path    string
	Default bool
	State   model.State
	ARN     string
	Ref     string
}

type distView struct {
	ID        string
	Type      string
	Enabled   model.State
	EnabledV  bool
	Comment   string
	ARN       string
	Line      int
	Behaviors []behaviorView
}

func view(d *model.Distribution) distView {
	v := distView{ID: d.ID, Type: d.Type, Enabled: d.Enabled.State, EnabledV: d.Enabled.V, Comment: d.Comment, ARN: d.ARN, Line: d.Range.StartLine}
	for _, b := range d.Behaviors {
		v.Behaviors = append(v.Behaviors, behaviorView{b.PathPattern, b.Default, b.RealtimeLogConfigARN.State, b.RealtimeLogConfigARN.V, b.ConfigRef})
	}
	return v
}

// TestReadMultitenantPlan reads the one hand-written plan:
// aws_cloudfront_multitenant_distribution is not in hashicorp/aws 5.100.0,
// so no real plan holds one. Its cache_behavior blocks are its ordered
// behaviors; a known ARN is matched to the config with that ARN.
func TestReadMultitenantPlan(t *testing.T) {
	inv, _ := readPlan(t, "multitenant.json", nil)
	if inv.Source != "terraform-plan" || inv.Live {
		t.Errorf("source %q live %v", inv.Source, inv.Live)
	}
	var got []distView
	for _, d := range inv.Distributions {
		if d.Range.File != "plans/multitenant.json" || d.Range.EndLine != d.Range.StartLine {
			t.Errorf("%s: range %+v", d.ID, d.Range)
		}
		got = append(got, view(d))
	}
	const mt = "aws_cloudfront_multitenant_distribution"
	want := []distView{
		{ID: mt + ".mt", Type: mt, Enabled: model.Known, EnabledV: true, Comment: "tenants", Line: 35,
			Behaviors: []behaviorView{
				{Path: "*", Default: true, State: model.Absent},
				{Path: "/t/*", State: model.Known, ARN: arnExisting, Ref: cfgExisting},
			}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("distributions (-want +got):\n%s", diff)
	}
	if c := inv.Configs[cfgExisting]; c == nil || c.ARN != arnExisting || c.Range.StartLine != 6 {
		t.Errorf("config %s: %+v", cfgExisting, c)
	}
}

// TestReadPlanSources: a finding points at the .tf source when the caller
// knows the address without instance keys, else at the plan's entry.
func TestReadPlanSources(t *testing.T) {
	var asked []string
	src := model.Range{File: "infra/modules/cdn/main.tf", StartLine: 3, EndLine: 40}
	inv, data := readPlan(t, "real/modules-create.json", func(addr string) (model.Range, bool) {
		asked = append(asked, addr)
		if addr == "module.cdn.aws_cloudfront_distribution.this" {
			return src, true
		}
		return model.Range{}, false
	})
	lines := strings.Split(string(data), "\n")
	n := 0
	for _, d := range inv.Distributions {
		if strings.HasPrefix(d.ID, "module.cdn[") {
			n++
			if d.Range != src {
				t.Errorf("%s: range %+v, want the source's %+v", d.ID, d.Range, src)
			}
			continue
		}
		if l := d.Range.StartLine; d.Range.File != "plans/real/modules-create.json" || l < 1 || !strings.Contains(lines[l-1], `"address": "`+d.ID) {
			t.Errorf("%s: range %+v, want its entry in the plan", d.ID, d.Range)
		}
	}
	if n != 2 {
		t.Errorf("%d instances of module.cdn, want 2", n)
	}
	for _, a := range asked {
		if strings.Contains(a, "[") {
			t.Errorf("sources asked with an instance key: %q", a)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		data string
		want bool
	}{
		{`{"format_version":"1.2","resource_changes":[]}`, true},
		{"\xef\xbb\xbf\n  {\"format_version\":\"1.2\",\"planned_values\":{}}", true},
		{`{"format_version":"1.0","values":{}}`, false}, // state, not a plan
		{`{"AWSTemplateFormatVersion":"2010-09-09","Resources":{}}`, false},
		{`["format_version","resource_changes"]`, false},
		{``, false},
		{`Resources: {}`, false},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.data, got, tt.want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	fixture, err := os.ReadFile("testdata/real/site-create.json")
	if err != nil {
		t.Fatal(err)
	}
	// Cut the fixture in the middle of line 1002.
	cut := 0
	for i, n := 0, 0; i < len(fixture); i++ {
		if fixture[i] == '\n' {
			n++
			if n == 1001 {
				cut = i + 10
				break
			}
		}
	}
	tests := []struct {
		name     string
		data     []byte
		wantLine int
		wantMsg  string
	}{
		{name: "truncated", data: fixture[:cut], wantLine: 1002, wantMsg: "unexpected end of JSON input"},
		{name: "bad character", data: []byte("{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [x]\n}\n"), wantLine: 3, wantMsg: "invalid character 'x'"},
		{name: "wrong type", data: []byte("{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": {}\n}\n"), wantLine: 3, wantMsg: "cannot unmarshal"},
		{name: "unsupported version", data: []byte(`{"format_version": "2.0", "resource_changes": []}`), wantMsg: "unsupported plan format version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := Read("plan.json", tt.data, nil)
			if inv != nil || err == nil {
				t.Fatalf("Read = %v, %v; want an error", inv, err)
			}
			var re *model.ReadError
			if !errors.As(err, &re) {
				t.Fatalf("error %T is not a *model.ReadError", err)
			}
			if re.Operation != "parse" || re.Range.File != "plan.json" || re.Range.StartLine != tt.wantLine || !strings.Contains(re.Message, tt.wantMsg) {
				t.Errorf("error = %+v (%v)", re, re)
			}
		})
	}
}

func TestAddressParts(t *testing.T) {
	tests := []struct{ addr, stripped string }{
		{"aws_cloudfront_distribution.this", "aws_cloudfront_distribution.this"},
		{"module.cdn[0].aws_cloudfront_distribution.this[1]", "module.cdn.aws_cloudfront_distribution.this"},
		{`module.a["x.y]"].module.b["k\"."].aws_cloudfront_distribution.d["a.b"]`, "module.a.module.b.aws_cloudfront_distribution.d"},
	}
	for _, tt := range tests {
		if got := stripKeys(tt.addr); got != tt.stripped {
			t.Errorf("stripKeys(%q) = %q, want %q", tt.addr, got, tt.stripped)
		}
	}
}

// TestEntryLinesOnce: only resource_changes entries are indexed, not the
// addresses of prior_state, planned_values, configuration or
// resource_drift, which a real update plan all has.
func TestEntryLinesOnce(t *testing.T) {
	data, err := os.ReadFile("testdata/real/modules-update.json")
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		ResourceChanges []json.RawMessage `json:"resource_changes"`
	}
	if err := json.Unmarshal(data, &plan); err != nil {
		t.Fatal(err)
	}
	lines := entryLines(data, newLineIndex(data))
	text := strings.Split(string(data), "\n")
	if len(lines) == 0 {
		t.Fatal("no entries")
	}
	for addr, l := range lines {
		q, _ := json.Marshal(addr)
		if want := `"address": ` + string(q) + `,`; strings.TrimSpace(text[l-1]) != want {
			t.Errorf("%s: line %d is %q", addr, l, text[l-1])
		}
	}
	if len(lines) != len(plan.ResourceChanges) {
		t.Errorf("%d entries indexed, resource_changes has %d", len(lines), len(plan.ResourceChanges))
	}
	if _, ok := lines["module.cdn[\"blog\"]"]; ok {
		t.Error("module address from planned_values indexed")
	}
	if n := bytes.Count(data, []byte(`"address"`)); len(lines) >= n {
		t.Errorf("%d lines indexed of %d addresses", len(lines), n)
	}
}
