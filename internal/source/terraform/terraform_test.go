package terraform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
)

const (
	arnA = "arn:aws:cloudfront::111122223333:realtime-log-config/a"
	arnB = "arn:aws:cloudfront::111122223333:realtime-log-config/b"
)

// writeTree writes files (slash-separated paths) under a new temporary
// directory and makes it the working directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return dir
}

// readTree reads the root module "." of files.
func readTree(t *testing.T, files map[string]string) *model.Inventory {
	t.Helper()
	writeTree(t, files)
	inv, err := ReadModule(".", ".")
	if err != nil {
		t.Fatalf("ReadModule: %v", err)
	}
	return inv
}

// behaviorView is what the tests compare of a behavior.
type behaviorView struct {
	Path     string
	Default  bool
	State    model.State
	ARN      string
	Ref      string
	Dangling string
}

func viewBehaviors(d *model.Distribution) []behaviorView {
	var out []behaviorView
	for _, b := range d.Behaviors {
		out = append(out, behaviorView{b.PathPattern, b.Default, b.RealtimeLogConfigARN.State, b.RealtimeLogConfigARN.V, b.ConfigRef, b.DanglingRef})
	}
	return out
}

func findDist(t *testing.T, inv *model.Inventory, id string) *model.Distribution {
	t.Helper()
	for _, d := range inv.Distributions {
		if d.ID == id {
			return d
		}
	}
	var ids []string
	for _, d := range inv.Distributions {
		ids = append(ids, d.ID)
	}
	t.Fatalf("distribution %s not found; have %v (errors: %v)", id, ids, inv.Errors)
	return nil
}

// dist wraps behavior blocks in a distribution resource named "d".
func dist(body string) string {
	return "resource \"aws_cloudfront_distribution\" \"d\" {\n  enabled = true\n" + body + "\n}\n"
}

const configX = `
resource "aws_cloudfront_realtime_log_config" "x" {
  name          = "x"
  sampling_rate = 100
  fields        = ["timestamp"]
  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = "arn:aws:iam::111122223333:role/r"
      stream_arn = "arn:aws:kinesis:us-east-1:111122223333:stream/s"
    }
  }
}
`

func TestBehaviors(t *testing.T) {
	const x = "aws_cloudfront_realtime_log_config.x"
	tests := []struct {
		name  string
		files map[string]string
		id    string
		want  []behaviorView
	}{
		{
			name: "default and ordered behaviors: literal, missing, empty, null",
			files: map[string]string{"main.tf": dist(`
  default_cache_behavior {
    realtime_log_config_arn = "` + arnA + `"
  }
  ordered_cache_behavior {
    path_pattern = "/api/*"
  }
  ordered_cache_behavior {
    path_pattern            = "/img/*"
    realtime_log_config_arn = ""
  }
  ordered_cache_behavior {
    path_pattern            = "/null/*"
    realtime_log_config_arn = null
  }`)},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Known, ARN: arnA},
				{Path: "/api/*", State: model.Absent},
				{Path: "/img/*", State: model.Absent},
				{Path: "/null/*", State: model.Absent},
			},
		},
		{
			name: "reference to a config in the module",
			files: map[string]string{"main.tf": configX + dist(`
  default_cache_behavior {
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.x.arn
  }
  ordered_cache_behavior {
    path_pattern            = "/api/*"
    realtime_log_config_arn = "${aws_cloudfront_realtime_log_config.x.arn}"
  }`)},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Unknown, Ref: x},
				{Path: "/api/*", State: model.Unknown, Ref: x},
			},
		},
		{
			name: "dangling config reference",
			files: map[string]string{"main.tf": configX + dist(`
  default_cache_behavior {
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.typo.arn
  }`)},
			want: []behaviorView{{Path: "*", Default: true, State: model.Unknown, Dangling: "aws_cloudfront_realtime_log_config.typo"}},
		},
		{
			name: "variables: default literal, no default, default null",
			files: map[string]string{"main.tf": `
variable "with_default" {
  type    = string
  default = "` + arnA + `"
}
variable "without_default" {}
variable "null_default" {
  default = null
}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = var.with_default
  }
  ordered_cache_behavior {
    path_pattern            = "/a"
    realtime_log_config_arn = var.without_default
  }
  ordered_cache_behavior {
    path_pattern            = "/b"
    realtime_log_config_arn = var.null_default
  }
  ordered_cache_behavior {
    path_pattern            = "/c"
    realtime_log_config_arn = var.undeclared
  }`)},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Known, ARN: arnA},
				{Path: "/a", State: model.Unknown},
				{Path: "/b", State: model.Absent},
				{Path: "/c", State: model.Unknown},
			},
		},
		{
			name: "locals chains, in any order, through functions and conditionals",
			files: map[string]string{
				"locals.tf": `
locals {
  first  = local.second
  second = local.third
  third  = var.arn
  ref    = local.enabled ? aws_cloudfront_realtime_log_config.x.arn : null
  enabled = true
  off    = !local.enabled ? local.first : null
  upper  = upper(local.first)
  cycle_a = local.cycle_b
  cycle_b = local.cycle_a
}
variable "arn" {
  default = "` + arnA + `"
}
`,
				"main.tf": configX + dist(`
  default_cache_behavior {
    realtime_log_config_arn = local.first
  }
  ordered_cache_behavior {
    path_pattern            = "/ref"
    realtime_log_config_arn = local.ref
  }
  ordered_cache_behavior {
    path_pattern            = "/off"
    realtime_log_config_arn = local.off
  }
  ordered_cache_behavior {
    path_pattern            = "/upper"
    realtime_log_config_arn = local.upper
  }
  ordered_cache_behavior {
    path_pattern            = "/cycle"
    realtime_log_config_arn = local.cycle_a
  }
  ordered_cache_behavior {
    path_pattern            = "/fn"
    realtime_log_config_arn = no_such_function(aws_cloudfront_realtime_log_config.x.arn)
  }`),
			},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Known, ARN: arnA},
				{Path: "/ref", State: model.Unknown, Ref: x},
				{Path: "/off", State: model.Absent},
				{Path: "/upper", State: model.Known, ARN: strings.ToUpper(arnA)},
				{Path: "/cycle", State: model.Unknown},
				{Path: "/fn", State: model.Unknown, Ref: x},
			},
		},
		{
			name: "local module with inputs evaluated in the caller",
			files: map[string]string{
				"main.tf": configX + `
module "cdn" {
  source  = "./modules/cdn"
  log_arn = aws_cloudfront_realtime_log_config.x.arn
  literal = "` + arnB + `"
}
`,
				"modules/cdn/main.tf": `
variable "log_arn" {
  type = string
}
variable "literal" {}
variable "unset" {
  default = ""
}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = var.log_arn
  }
  ordered_cache_behavior {
    path_pattern            = "/b"
    realtime_log_config_arn = var.literal
  }
  ordered_cache_behavior {
    path_pattern            = "/unset"
    realtime_log_config_arn = var.unset
  }`),
			},
			id: "module.cdn.aws_cloudfront_distribution.d",
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Unknown, Ref: x},
				{Path: "/b", State: model.Known, ARN: arnB},
				{Path: "/unset", State: model.Absent},
			},
		},
		{
			name: "module outputs and nested modules",
			files: map[string]string{
				"main.tf": `
module "logs" {
  source = "./logs"
}
locals {
  arn = module.logs.arn
}
module "cdn" {
  source  = "./cdn"
  log_arn = local.arn
}
module "remote" {
  source = "terraform-aws-modules/cloudfront/aws"
}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = module.logs.arn
  }
  ordered_cache_behavior {
    path_pattern            = "/remote"
    realtime_log_config_arn = module.remote.arn
  }`),
				"logs/main.tf": configX + `
output "arn" {
  value = aws_cloudfront_realtime_log_config.x.arn
}
`,
				"cdn/main.tf": `
variable "log_arn" {}
module "inner" {
  source  = "../inner"
  log_arn = var.log_arn
}
`,
				"inner/main.tf": `
variable "log_arn" {}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = var.log_arn
  }`),
			},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Unknown, Ref: "module.logs." + x},
				{Path: "/remote", State: model.Unknown},
			},
		},
		{
			name: "module output reaches a module called from another module",
			files: map[string]string{
				"main.tf": `
module "cdn" {
  source  = "./cdn"
  log_arn = local.arn
}
locals {
  arn = module.logs.arn
}
module "logs" {
  source = "./logs"
}
`,
				"logs/main.tf": configX + `
output "arn" {
  value = aws_cloudfront_realtime_log_config.x.arn
}
`,
				"cdn/main.tf": `
variable "log_arn" {}
module "inner" {
  source  = "../inner"
  log_arn = var.log_arn
}
`,
				"inner/main.tf": `
variable "log_arn" {}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = var.log_arn
  }`),
			},
			id:   "module.cdn.module.inner.aws_cloudfront_distribution.d",
			want: []behaviorView{{Path: "*", Default: true, State: model.Unknown, Ref: "module.logs." + x}},
		},
		{
			name: "dynamic ordered_cache_behavior with a known for_each",
			files: map[string]string{"main.tf": configX + `
locals {
  behaviors = [
    { path = "/api/*", log = true },
    { path = "/img/*", log = false },
  ]
}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.x.arn
  }
  dynamic "ordered_cache_behavior" {
    for_each = local.behaviors
    content {
      path_pattern            = ordered_cache_behavior.value.path
      realtime_log_config_arn = ordered_cache_behavior.value.log ? aws_cloudfront_realtime_log_config.x.arn : null
    }
  }
  ordered_cache_behavior {
    path_pattern = "/static/*"
  }
  dynamic "ordered_cache_behavior" {
    for_each = { "/a" = "`+arnA+`" }
    iterator = b
    content {
      path_pattern            = b.key
      realtime_log_config_arn = b.value
    }
  }`)},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Unknown, Ref: x},
				{Path: "/api/*", State: model.Unknown, Ref: x},
				{Path: "/img/*", State: model.Absent},
				{Path: "/static/*", State: model.Absent},
				{Path: "/a", State: model.Known, ARN: arnA},
			},
		},
		{
			name: "dynamic ordered_cache_behavior with an unknown for_each",
			files: map[string]string{"main.tf": configX + `
variable "behaviors" {
  type = list(object({ path = string }))
}
` + dist(`
  default_cache_behavior {}
  dynamic "ordered_cache_behavior" {
    for_each = var.behaviors
    content {
      path_pattern            = ordered_cache_behavior.value.path
      realtime_log_config_arn = aws_cloudfront_realtime_log_config.x.arn
    }
  }
  dynamic "ordered_cache_behavior" {
    for_each = var.behaviors
    content {
      path_pattern = "/literal/*"
    }
  }`)},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Absent},
				{Path: "ordered_cache_behavior.value.path", State: model.Unknown, Ref: x},
				{Path: "/literal/*", State: model.Absent},
			},
		},
		{
			name: "multi-tenant distribution",
			files: map[string]string{"main.tf": configX + `
resource "aws_cloudfront_multitenant_distribution" "d" {
  enabled = true
  comment = "tenants"
  default_cache_behavior {
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.x.arn
  }
  cache_behavior {
    path_pattern = "/t/*"
  }
}
`},
			id: "aws_cloudfront_multitenant_distribution.d",
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Unknown, Ref: x},
				{Path: "/t/*", State: model.Absent},
			},
		},
		{
			name: "variables from terraform.tfvars and *.auto.tfvars",
			files: map[string]string{
				"main.tf": `
variable "a" {
  default = ""
}
variable "b" {}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = var.a
  }
  ordered_cache_behavior {
    path_pattern            = "/b"
    realtime_log_config_arn = var.b
  }`),
				"terraform.tfvars":    `a = "` + arnA + `"`,
				"prod.auto.tfvars":    `b = "` + arnB + `"`,
				"ignored.tfvars":      `b = "no"`,
				"other/not-a-mod.txt": "",
			},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Known, ARN: arnA},
				{Path: "/b", State: model.Known, ARN: arnB},
			},
		},
		{
			name: "override file replaces attributes and blocks",
			files: map[string]string{
				"main.tf": dist(`
  default_cache_behavior {
  }
  ordered_cache_behavior {
    path_pattern = "/old"
  }`),
				"main_override.tf": `
resource "aws_cloudfront_distribution" "d" {
  ordered_cache_behavior {
    path_pattern            = "/new"
    realtime_log_config_arn = "` + arnA + `"
  }
}
`,
			},
			want: []behaviorView{
				{Path: "*", Default: true, State: model.Absent},
				{Path: "/new", State: model.Known, ARN: arnA},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := readTree(t, tt.files)
			if len(inv.Errors) > 0 {
				t.Errorf("errors: %v", inv.Errors)
			}
			id := tt.id
			if id == "" {
				id = "aws_cloudfront_distribution.d"
			}
			d := findDist(t, inv, id)
			if diff := cmp.Diff(tt.want, viewBehaviors(d)); diff != "" {
				t.Errorf("behaviors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestModuleRangesAndIDs(t *testing.T) {
	writeTree(t, map[string]string{
		"infra/main.tf": configX + `
module "cdn" {
  source  = "./modules/cdn"
  log_arn = aws_cloudfront_realtime_log_config.x.arn
}
`,
		"infra/modules/cdn/main.tf": "variable \"log_arn\" {}\n" + dist(`
  default_cache_behavior {
    realtime_log_config_arn = var.log_arn
  }`),
	})
	inv, err := ReadModule(".", "infra")
	if err != nil {
		t.Fatal(err)
	}
	d := findDist(t, inv, "module.cdn.aws_cloudfront_distribution.d")
	if want := (model.Range{File: filepath.Join("infra", "modules", "cdn", "main.tf"), StartLine: 2, EndLine: 8}); d.Range != want {
		t.Errorf("range = %+v, want %+v", d.Range, want)
	}
	if _, ok := inv.Configs["aws_cloudfront_realtime_log_config.x"]; !ok {
		t.Errorf("config keys = %v", keys(inv.Configs))
	}
	if inv.Source != "terraform" || inv.Live {
		t.Errorf("source %q live %v", inv.Source, inv.Live)
	}

	// The same tree read with root "infra" and dir relative to it.
	inv, err = ReadModule("infra", "modules/cdn")
	if err != nil {
		t.Fatal(err)
	}
	d = findDist(t, inv, "aws_cloudfront_distribution.d")
	if want := filepath.Join("infra", "modules", "cdn", "main.tf"); d.Range.File != want {
		t.Errorf("file = %q, want %q", d.Range.File, want)
	}
	if d.Behaviors[0].RealtimeLogConfigARN.State != model.Unknown {
		t.Errorf("module read on its own: variable without default should be unknown, got %v", d.Behaviors[0].RealtimeLogConfigARN.State)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestEnabledStagingComment(t *testing.T) {
	tests := []struct {
		name        string
		attrs       string
		enabled     model.State
		enabledV    bool
		staging     model.State
		stagingV    bool
		wantComment string
	}{
		{name: "literal false", attrs: "enabled = false", enabled: model.Known},
		{name: "literal true", attrs: "enabled = true\nstaging = true\ncomment = \"c\"", enabled: model.Known, enabledV: true, staging: model.Known, stagingV: true, wantComment: "c"},
		{name: "variable default", attrs: "enabled = var.on", enabled: model.Known, enabledV: true},
		{name: "string converts", attrs: "enabled = \"false\"", enabled: model.Known},
		{name: "unknown", attrs: "enabled = aws_s3_bucket.b.id != \"\"", enabled: model.Unknown},
		{name: "variable without default", attrs: "enabled = var.unset", enabled: model.Unknown},
		{name: "missing", attrs: "", enabled: model.Absent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := readTree(t, map[string]string{"main.tf": `
variable "on" {
  default = true
}
variable "unset" {
  type = bool
}
resource "aws_cloudfront_distribution" "d" {
  ` + tt.attrs + `
  default_cache_behavior {}
}
`})
			d := findDist(t, inv, "aws_cloudfront_distribution.d")
			if d.Enabled.State != tt.enabled || d.Enabled.V != tt.enabledV {
				t.Errorf("enabled = %v %v, want %v %v", d.Enabled.State, d.Enabled.V, tt.enabled, tt.enabledV)
			}
			if d.Staging.State != tt.staging || d.Staging.V != tt.stagingV {
				t.Errorf("staging = %v %v, want %v %v", d.Staging.State, d.Staging.V, tt.staging, tt.stagingV)
			}
			if d.Comment != tt.wantComment {
				t.Errorf("comment = %q", d.Comment)
			}
			if d.Type != TypeDistribution {
				t.Errorf("type = %q", d.Type)
			}
		})
	}
}

func TestCountAndForEach(t *testing.T) {
	inv := readTree(t, map[string]string{"main.tf": `
variable "n" {}
variable "zero" {
  default = 0
}
resource "aws_cloudfront_distribution" "none" {
  count   = 0
  enabled = true
}
resource "aws_cloudfront_distribution" "none_var" {
  count   = var.zero
  enabled = true
}
resource "aws_cloudfront_distribution" "empty" {
  for_each = {}
  enabled  = true
}
resource "aws_cloudfront_distribution" "one" {
  count   = 1
  enabled = true
}
resource "aws_cloudfront_distribution" "some" {
  count   = var.n
  enabled = count.index == 0
}
resource "aws_cloudfront_distribution" "each" {
  for_each = toset(["a", "b"])
  enabled  = true
  comment  = each.key
}
resource "aws_cloudfront_realtime_log_config" "gone" {
  count = 0
  name  = "gone"
}
module "skipped" {
  count  = 0
  source = "./does-not-exist"
}
`})
	var ids []string
	for _, d := range inv.Distributions {
		ids = append(ids, d.ID)
	}
	// One distribution per instance when count or for_each is known here;
	// one standing for all when it is not.
	want := []string{"aws_cloudfront_distribution.one[0]", "aws_cloudfront_distribution.some", `aws_cloudfront_distribution.each["a"]`, `aws_cloudfront_distribution.each["b"]`}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("distributions (-want +got):\n%s", diff)
	}
	if len(inv.Configs) != 0 {
		t.Errorf("configs = %v", keys(inv.Configs))
	}
	if len(inv.Errors) != 0 {
		t.Errorf("errors = %v", inv.Errors)
	}
	if d := findDist(t, inv, "aws_cloudfront_distribution.some"); d.Enabled.State != model.Unknown {
		t.Errorf("enabled from count.index = %v", d.Enabled.State)
	}
	if d := findDist(t, inv, `aws_cloudfront_distribution.each["b"]`); d.Comment != "b" {
		t.Errorf("comment from each.key = %q, want b", d.Comment)
	}
}

func TestConfigAttributes(t *testing.T) {
	inv := readTree(t, map[string]string{"main.tf": configX + `
variable "rate" {
  default = 5
}
variable "stream" {}
resource "aws_cloudfront_realtime_log_config" "y" {
  name          = "y-${var.rate}"
  sampling_rate = var.rate
  fields        = toset(["timestamp", "c-ip"])
  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.r.arn
      stream_arn = var.stream
    }
  }
}
resource "aws_cloudfront_realtime_log_config" "z" {
  name          = var.stream
  sampling_rate = 12.5
  fields        = [var.stream]
  endpoint {
    stream_type = "Kinesis"
  }
}
resource "aws_cloudfront_realtime_log_config" "empty" {
  name = "empty"
}
`})
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	type endpointView struct {
		Type, Stream, Role    string
		TypeS, StreamS, RoleS model.State
	}
	type view struct {
		Name      string
		Rate      int
		RateS     model.State
		Fields    []string
		FieldsS   model.State
		Endpoints []endpointView
	}
	got := map[string]view{}
	for k, c := range inv.Configs {
		v := view{Name: c.Name, Rate: c.SamplingRate.V, RateS: c.SamplingRate.State, Fields: c.Fields.V, FieldsS: c.Fields.State}
		for _, e := range c.Endpoints {
			v.Endpoints = append(v.Endpoints, endpointView{e.StreamType.V, e.StreamARN.V, e.RoleARN.V, e.StreamType.State, e.StreamARN.State, e.RoleARN.State})
		}
		got[k] = v
	}
	want := map[string]view{
		"aws_cloudfront_realtime_log_config.x": {Name: "x", Rate: 100, RateS: model.Known, Fields: []string{"timestamp"}, FieldsS: model.Known,
			Endpoints: []endpointView{{"Kinesis", "arn:aws:kinesis:us-east-1:111122223333:stream/s", "arn:aws:iam::111122223333:role/r", model.Known, model.Known, model.Known}}},
		"aws_cloudfront_realtime_log_config.y": {Name: "y-5", Rate: 5, RateS: model.Known, Fields: []string{"c-ip", "timestamp"}, FieldsS: model.Known,
			Endpoints: []endpointView{{"Kinesis", "", "", model.Known, model.Unknown, model.Unknown}}},
		"aws_cloudfront_realtime_log_config.z": {Name: "aws_cloudfront_realtime_log_config.z", RateS: model.Unknown, FieldsS: model.Unknown,
			Endpoints: []endpointView{{"Kinesis", "", "", model.Known, model.Absent, model.Absent}}},
		"aws_cloudfront_realtime_log_config.empty": {Name: "empty", RateS: model.Absent, FieldsS: model.Absent},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configs (-want +got):\n%s", diff)
	}
}

func TestRanges(t *testing.T) {
	src := `# line 1
resource "aws_cloudfront_distribution" "d" {
  enabled = true

  default_cache_behavior {
    realtime_log_config_arn = "` + arnA + `"
  }

  ordered_cache_behavior {
    path_pattern = "/api/*"
  }
}
`
	inv := readTree(t, map[string]string{"main.tf": src})
	d := findDist(t, inv, "aws_cloudfront_distribution.d")
	r := func(start, end int) model.Range { return model.Range{File: "main.tf", StartLine: start, EndLine: end} }
	checks := []struct {
		what string
		got  model.Range
		want model.Range
	}{
		{"distribution", d.Range, r(2, 12)},
		{"enabled", d.Enabled.Origin.Range, r(3, 3)},
		{"default behavior", d.Behaviors[0].Range, r(5, 7)},
		{"default arn", d.Behaviors[0].RealtimeLogConfigARN.Origin.Range, r(6, 6)},
		{"ordered behavior", d.Behaviors[1].Range, r(9, 11)},
		{"ordered arn (absent: the block)", d.Behaviors[1].RealtimeLogConfigARN.Origin.Range, r(9, 11)},
		{"staging (absent: the resource)", d.Staging.Origin.Range, r(2, 12)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: range %+v, want %+v", c.what, c.got, c.want)
		}
	}
}

func TestSuppressions(t *testing.T) {
	inv := readTree(t, map[string]string{"main.tf": `
resource "aws_s3_bucket" "b" {} # cloudassure:ignore CF-009 belongs to nothing above a blank

# cloudassure:ignore CF-001 staging copy, logs come from the primary
// cloudassure:ignore CF-002,CF-003 same reason
resource "aws_cloudfront_distribution" "a" { # cloudassure:ignore CF-004
  enabled = true
  /* cloudassure:ignore CF-005, CF-006 block comment */
  default_cache_behavior {}
}
# cloudassure:ignore CF-007 separated by a blank line

resource "aws_cloudfront_distribution" "b" {
  enabled = true
  # cloudassure:ignorethis is not a directive
}
`})
	type iv struct {
		Rule, Reason string
		Line         int
	}
	view := func(d *model.Distribution) []iv {
		var out []iv
		for _, ig := range d.Ignores {
			if ig.Source != "comment" || ig.Range.File != "main.tf" || ig.Range.StartLine != ig.Range.EndLine {
				t.Errorf("ignore %+v", ig)
			}
			out = append(out, iv{ig.RuleID, ig.Reason, ig.Range.StartLine})
		}
		return out
	}
	want := []iv{
		{"CF-001", "staging copy, logs come from the primary", 4},
		{"CF-002", "same reason", 5},
		{"CF-003", "same reason", 5},
		{"CF-004", "", 6},
		{"CF-005", "block comment", 8},
		{"CF-006", "block comment", 8},
	}
	if diff := cmp.Diff(want, view(findDist(t, inv, "aws_cloudfront_distribution.a"))); diff != "" {
		t.Errorf("a (-want +got):\n%s", diff)
	}
	if got := view(findDist(t, inv, "aws_cloudfront_distribution.b")); len(got) != 0 {
		t.Errorf("b: %v", got)
	}
}

func TestBrokenFileAndMissingModule(t *testing.T) {
	inv := readTree(t, map[string]string{
		"broken.tf": `resource "aws_cloudfront_distribution" "broken" {
  enabled = true
  default_cache_behavior {
`,
		"main.tf": dist(`  default_cache_behavior {}`) + `
module "cdn" {
  source = "./modules/missing"
}
`,
	})
	findDist(t, inv, "aws_cloudfront_distribution.d")
	if len(inv.Distributions) != 1 {
		t.Errorf("distributions: %d", len(inv.Distributions))
	}
	var parse, module []*model.ReadError
	for _, e := range inv.Errors {
		switch e.Operation {
		case "parse":
			parse = append(parse, e)
		case "read":
			module = append(module, e)
		}
	}
	if len(parse) == 0 || parse[0].Range.File != "broken.tf" || parse[0].Range.StartLine == 0 || parse[0].Message == "" {
		t.Errorf("parse errors: %v", parse)
	}
	if len(module) != 1 {
		t.Fatalf("module errors: %v", module)
	}
	e := module[0]
	if e.Range.File != "main.tf" || e.Range.StartLine != 7 || e.Resource != "module.cdn" || !strings.Contains(e.Message, "modules/missing") {
		t.Errorf("module error: %+v (%v)", e, e)
	}
}

// A config declared in a file that does not parse is not reported as a
// dangling reference: the reference is unknown.
func TestBrokenFileNoDanglingRef(t *testing.T) {
	inv := readTree(t, map[string]string{
		"logs.tf": configX + "\nresource \"broken\" {\n",
		"main.tf": dist(`
  default_cache_behavior {
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.x.arn
  }`),
	})
	want := []behaviorView{{Path: "*", Default: true, State: model.Unknown}}
	if diff := cmp.Diff(want, viewBehaviors(findDist(t, inv, "aws_cloudfront_distribution.d"))); diff != "" {
		t.Errorf("behaviors (-want +got):\n%s", diff)
	}
	if len(inv.Errors) == 0 || inv.Errors[0].Range.File != "logs.tf" {
		t.Errorf("errors: %v", inv.Errors)
	}
}

// ReadModule is called for many directories at once.
func TestConcurrentReads(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a/main.tf": configX + dist(`  default_cache_behavior {}`),
		"b/main.tf": seedExample,
	})
	done := make(chan error)
	for i := 0; i < 8; i++ {
		go func() {
			sub := filepath.Join(dir, []string{"a", "b"}[i%2])
			inv, err := ReadModule(dir, sub)
			if err == nil && len(inv.Distributions) != 1 {
				err = os.ErrInvalid
			}
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestNothingToRead(t *testing.T) {
	dir := writeTree(t, map[string]string{"README.md": "no terraform here"})
	if _, err := ReadModule(".", "."); err == nil {
		t.Error("no .tf files: want an error")
	}
	if _, err := ReadModule(".", filepath.Join(dir, "nope")); err == nil {
		t.Error("missing directory: want an error")
	}
	// Only broken files: the errors are in the inventory, not returned.
	writeTree(t, map[string]string{"main.tf": "resource {"})
	inv, err := ReadModule(".", ".")
	if err != nil || len(inv.Errors) == 0 {
		t.Errorf("broken only: err %v, inventory errors %v", err, inv.Errors)
	}
}

func TestModuleCycle(t *testing.T) {
	inv := readTree(t, map[string]string{"main.tf": `
module "self" {
  source = "./"
}
`})
	if len(inv.Errors) != 1 || !strings.Contains(inv.Errors[0].Message, "calls itself") {
		t.Errorf("errors: %v", inv.Errors)
	}
}

// The Terraform example of the seed article (knowledge base "Enable
// Real-Time Logging"), tabs and all.
const seedExample = `terraform {
	required_providers {
		aws = {
			source  = "hashicorp/aws"
			version = "~> 4.0"
		}
	}

	required_version = ">= 0.14.9"
}

provider "aws" {
	profile = "default"
	region  = "us-east-1"
}

resource "aws_cloudfront_realtime_log_config" "cloudfront-realtime-log-config" {
	name          = "cc-real-time-log-config"
	sampling_rate = 100
	fields        = ["timestamp", "c-ip", "time-to-first-byte", "x-edge-location", "x-edge-request-id", "x-host-header", "x-forwarded-for", "ssl-protocol", "ssl-cipher"]
	endpoint {
		stream_type = "Kinesis"
		kinesis_stream_config {
			role_arn   = "arn:aws:iam::123456789012:role/service-role/CloudFrontRealtimeLogConfigRole"
			stream_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/cc-real-time-log-stream"
		}
	}
}

resource "aws_cloudfront_distribution" "cloudfront-distribution" {

	enabled             = true
	default_root_object = "index.html"
	comment             = "CloudFront CDN Web Distribution"

	origin {
		domain_name = "domain.com"
		origin_id   = "cc-cdn-origin"
		custom_origin_config = {
			http_port                = 80
			https_port               = 443
			origin_keepalive_timeout = 15
			origin_ssl_protocols     = ["TLSv1.2"]
			origin_protocol_policy   = "https-only"
		}
	}

	default_cache_behavior {
		compress         = true
		target_origin_id = "cc-domain-origin"
		allowed_methods  = ["GET", "HEAD"]
		cached_methods   = ["GET", "HEAD"]
		forwarded_values {
			query_string = false
			cookies {
				forward = "none"
			}
		}
		min_ttl                 = 0
		default_ttl             = 3600
		max_ttl                 = 86400
		viewer_protocol_policy  = "https-only"
		realtime_log_config_arn = aws_cloudfront_realtime_log_config.cloudfront-realtime-log-config.arn
	}

	viewer_certificate {
		cloudfront_default_certificate = true
	}

	price_class = "PriceClass_All"

}
`

func TestSeedExample(t *testing.T) {
	inv := readTree(t, map[string]string{"main.tf": seedExample})
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	if len(inv.Distributions) != 1 {
		t.Fatalf("distributions: %d", len(inv.Distributions))
	}
	const cfgKey = "aws_cloudfront_realtime_log_config.cloudfront-realtime-log-config"
	d := inv.Distributions[0]
	want := &model.Distribution{
		ID:      "aws_cloudfront_distribution.cloudfront-distribution",
		Root:    ".",
		Type:    TypeDistribution,
		Comment: "CloudFront CDN Web Distribution",
		Enabled: model.KnownValue(true, model.Origin{}),
		Staging: model.AbsentValue[bool](model.Origin{}),
		Range:   model.Range{File: "main.tf", StartLine: 30, EndLine: 72},
		Behaviors: []*model.Behavior{{
			PathPattern:          "*",
			Default:              true,
			RealtimeLogConfigARN: model.UnknownValue[string](model.Origin{}),
			ConfigRef:            cfgKey,
			Range:                model.Range{File: "main.tf", StartLine: 48, EndLine: 64},
		}},
	}
	ignoreOrigins := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Origin" }, cmp.Ignore())
	if diff := cmp.Diff(want, d, ignoreOrigins); diff != "" {
		t.Errorf("distribution (-want +got):\n%s", diff)
	}
	cfg := inv.Configs[cfgKey]
	if cfg == nil {
		t.Fatalf("configs: %v", keys(inv.Configs))
	}
	if cfg.SamplingRate.State != model.Known || cfg.SamplingRate.V != 100 || cfg.Name != "cc-real-time-log-config" || len(cfg.Fields.V) != 9 || len(cfg.Endpoints) != 1 {
		t.Errorf("config: %+v", cfg)
	}
}
