package tfplan

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
)

const (
	arnExisting = "arn:aws:cloudfront::111122223333:realtime-log-config/existing"
	cfgMain     = "aws_cloudfront_realtime_log_config.main"
	cfgExisting = "aws_cloudfront_realtime_log_config.existing"
	cfgLogs     = "module.logs.aws_cloudfront_realtime_log_config.this[0]"
)

func readFixture(t *testing.T, sources func(string) (model.Range, bool)) *model.Inventory {
	t.Helper()
	data, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if !Detect(data) {
		t.Fatal("Detect(plan.json) = false")
	}
	inv, err := Read("plans/plan.json", data, sources)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors: %v", inv.Errors)
	}
	return inv
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

func TestReadPlan(t *testing.T) {
	inv := readFixture(t, nil)
	if inv.Source != "terraform-plan" || inv.Live {
		t.Errorf("source %q live %v", inv.Source, inv.Live)
	}
	var got []distView
	for _, d := range inv.Distributions {
		if d.Range.File != "plans/plan.json" || d.Range.EndLine != d.Range.StartLine {
			t.Errorf("%s: range %+v", d.ID, d.Range)
		}
		got = append(got, view(d))
	}
	const dist = "aws_cloudfront_distribution"
	want := []distView{
		{ID: dist + ".known", Type: dist, Enabled: model.Known, EnabledV: true, Comment: "known", ARN: "arn:aws:cloudfront::111122223333:distribution/E2KNOWN", Line: 777,
			Behaviors: []behaviorView{
				{Path: "*", Default: true, State: model.Known, ARN: arnExisting, Ref: cfgExisting}, // matched by ARN
				{Path: "/api/*", State: model.Absent},
			}},
		{ID: dist + ".new", Type: dist, Enabled: model.Known, EnabledV: true, Comment: "new", Line: 1002,
			Behaviors: []behaviorView{
				{Path: "*", Default: true, State: model.Unknown, Ref: cfgMain}, // known after apply, ref from configuration
				{Path: "/static/*", State: model.Unknown, Ref: cfgMain},
				{Path: "/img/*", State: model.Absent},
			}},
		{ID: dist + ".replaced", Type: dist, Enabled: model.Known, Comment: "replaced", Line: 1272,
			Behaviors: []behaviorView{{Path: "*", Default: true, State: model.Absent}}},
		{ID: "module.cdn[0]." + dist + ".this", Type: dist, Enabled: model.Known, EnabledV: true, Comment: "cdn", Line: 1462,
			Behaviors: []behaviorView{{Path: "*", Default: true, State: model.Unknown, Ref: cfgMain}}}, // through var.log_arn
		{ID: dist + ".via_output", Type: dist, Enabled: model.Known, EnabledV: true, Comment: "via output", Line: 1634,
			Behaviors: []behaviorView{{Path: "*", Default: true, State: model.Unknown, Ref: cfgLogs}}}, // through module.logs.arn
		{ID: "aws_cloudfront_multitenant_distribution.mt", Type: "aws_cloudfront_multitenant_distribution", Enabled: model.Known, EnabledV: true, Comment: "tenants", Line: 1750,
			Behaviors: []behaviorView{
				{Path: "*", Default: true, State: model.Absent},
				{Path: "/t/*", State: model.Known, ARN: arnExisting, Ref: cfgExisting},
			}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("distributions (-want +got):\n%s", diff)
	}

	type cfgView struct {
		Name      string
		ARN       string
		Rate      int
		Fields    []string
		Endpoints int
		Stream    model.State
		Line      int
	}
	gotCfg := map[string]cfgView{}
	for k, c := range inv.Configs {
		v := cfgView{Name: c.Name, ARN: c.ARN, Rate: c.SamplingRate.V, Fields: c.Fields.V, Endpoints: len(c.Endpoints), Line: c.Range.StartLine}
		if len(c.Endpoints) > 0 {
			v.Stream = c.Endpoints[0].StreamARN.State
		}
		gotCfg[k] = v
	}
	fields := []string{"c-ip", "cs-method", "sc-status", "timestamp"}
	wantCfg := map[string]cfgView{
		cfgMain:     {Name: "main", Rate: 50, Fields: fields, Endpoints: 1, Stream: model.Known, Line: 643},
		cfgExisting: {Name: "existing", ARN: arnExisting, Rate: 100, Fields: fields, Endpoints: 1, Stream: model.Known, Line: 696},
		cfgLogs:     {Name: "logs", Rate: 5, Fields: fields, Endpoints: 1, Stream: model.Known, Line: 1579},
	}
	if diff := cmp.Diff(wantCfg, gotCfg); diff != "" {
		t.Errorf("configs (-want +got):\n%s", diff)
	}
}

func TestReadPlanSources(t *testing.T) {
	var asked []string
	src := model.Range{File: "infra/modules/cdn/main.tf", StartLine: 3, EndLine: 40}
	inv := readFixture(t, func(addr string) (model.Range, bool) {
		asked = append(asked, addr)
		if addr == "module.cdn.aws_cloudfront_distribution.this" {
			return src, true
		}
		return model.Range{}, false
	})
	for _, d := range inv.Distributions {
		switch d.ID {
		case "module.cdn[0].aws_cloudfront_distribution.this":
			if d.Range != src {
				t.Errorf("%s: range %+v, want the source's %+v", d.ID, d.Range, src)
			}
		case "aws_cloudfront_distribution.new":
			if want := (model.Range{File: "plans/plan.json", StartLine: 1002, EndLine: 1002}); d.Range != want {
				t.Errorf("%s: range %+v, want %+v", d.ID, d.Range, want)
			}
		}
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
	fixture, err := os.ReadFile("testdata/plan.json")
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

// A plan whose configuration does not list the ordered behaviors one for
// one (they came from a dynamic block) is matched by path pattern.
func TestOrderedBehaviorsMatchedByPath(t *testing.T) {
	plan := `{
  "format_version": "1.2",
  "terraform_version": "1.9.5",
  "resource_changes": [
    {
      "address": "aws_cloudfront_distribution.d",
      "mode": "managed",
      "type": "aws_cloudfront_distribution",
      "name": "d",
      "provider_name": "registry.terraform.io/hashicorp/aws",
      "change": {
        "actions": ["update"],
        "before": {},
        "after": {
          "enabled": true,
          "default_cache_behavior": [{"realtime_log_config_arn": null}],
          "ordered_cache_behavior": [
            {"path_pattern": "/dyn/*", "realtime_log_config_arn": null},
            {"path_pattern": "/api/*", "realtime_log_config_arn": null}
          ]
        },
        "after_unknown": {
          "default_cache_behavior": [{}],
          "ordered_cache_behavior": [{"realtime_log_config_arn": true}, {"realtime_log_config_arn": true}]
        }
      }
    },
    {
      "address": "aws_cloudfront_realtime_log_config.c",
      "mode": "managed",
      "type": "aws_cloudfront_realtime_log_config",
      "name": "c",
      "change": {"actions": ["create"], "before": null, "after": {"name": "c"}, "after_unknown": {"arn": true}}
    }
  ],
  "configuration": {
    "root_module": {
      "resources": [
        {
          "address": "aws_cloudfront_distribution.d",
          "mode": "managed",
          "type": "aws_cloudfront_distribution",
          "name": "d",
          "expressions": {
            "ordered_cache_behavior": [
              {"path_pattern": {"constant_value": "/api/*"}, "realtime_log_config_arn": {"references": ["aws_cloudfront_realtime_log_config.c.arn", "aws_cloudfront_realtime_log_config.c"]}}
            ]
          },
          "schema_version": 1
        }
      ]
    }
  }
}
`
	inv, err := Read("p.json", []byte(plan), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := view(inv.Distributions[0]).Behaviors
	want := []behaviorView{
		{Path: "*", Default: true, State: model.Absent},
		{Path: "/dyn/*", State: model.Unknown},
		{Path: "/api/*", State: model.Unknown, Ref: "aws_cloudfront_realtime_log_config.c"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("behaviors (-want +got):\n%s", diff)
	}
	if d := inv.Distributions[0]; d.Range.StartLine != 6 {
		t.Errorf("line %d, want 6", d.Range.StartLine)
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

func TestEntryLinesOnce(t *testing.T) {
	data, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	lines := entryLines(data, newLineIndex(data))
	// Only resource_changes entries, not planned_values or configuration.
	if got := lines["aws_cloudfront_realtime_log_config.main"]; got != 643 {
		t.Errorf("line = %d, want 643", got)
	}
	if _, ok := lines["module.cdn[0]"]; ok {
		t.Error("module address from planned_values indexed")
	}
	if n := bytes.Count(data, []byte(`"address"`)); len(lines) >= n {
		t.Errorf("%d lines indexed of %d addresses", len(lines), n)
	}
}
