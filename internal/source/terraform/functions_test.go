package terraform

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/cloudassure/cloudassure/internal/model"
)

// TestFunctions evaluates Terraform's built-in functions on known values as
// Terraform does: each expression must give the value Terraform gives.
func TestFunctions(t *testing.T) {
	vars := map[string]cty.Value{
		"obj":   cty.ObjectVal(map[string]cty.Value{"path_pattern": cty.StringVal("/api/*"), "arn": cty.StringVal(arnA)}),
		"m":     cty.MapVal(map[string]cty.Value{"a": cty.StringVal("x"), "b": cty.StringVal("y")}),
		"later": cty.ObjectVal(map[string]cty.Value{"known": cty.StringVal("k"), "id": cty.UnknownVal(cty.String)}),
	}
	tests := []struct {
		expr string
		want cty.Value
	}{
		{`lookup(obj, "realtime_log_config_arn", null)`, cty.NullVal(cty.DynamicPseudoType)},
		{`lookup(obj, "arn", null)`, cty.StringVal(arnA)},
		{`lookup(m, "a", "z")`, cty.StringVal("x")},
		{`lookup(m, "c", "z")`, cty.StringVal("z")},
		{`lookup(m, "c", null)`, cty.NullVal(cty.String)},
		{`lookup(later, "realtime_log_config_arn", null)`, cty.NullVal(cty.DynamicPseudoType)},
		{`try(obj.realtime_log_config_arn, null)`, cty.NullVal(cty.DynamicPseudoType)},
		{`try(obj.arn, null)`, cty.StringVal(arnA)},
		{`can(obj.realtime_log_config_arn)`, cty.False},
		{`coalesce("", "b")`, cty.StringVal("b")},
		{`merge({a = 1}, {b = "x"}).b`, cty.StringVal("x")},
		{`length(concat(["a"], ["b", "c"]))`, cty.NumberIntVal(3)},
		{`element(["a", "b"], 3)`, cty.StringVal("b")},
		{`length(flatten([["a"], ["b", ["c"]]]))`, cty.NumberIntVal(3)},
		{`contains(["a", "b"], "b")`, cty.True},
		{`length("abc")`, cty.NumberIntVal(3)},
		{`length(keys(m))`, cty.NumberIntVal(2)},
		{`values(m)[1]`, cty.StringVal("y")},
		{`tostring(5)`, cty.StringVal("5")},
		{`jsonencode({a = 1})`, cty.StringVal(`{"a":1}`)},
		{`jsondecode("{\"a\":\"b\"}").a`, cty.StringVal("b")},
		{`format("%s/%d", "x", 2)`, cty.StringVal("x/2")},
		{`join(",", ["a", "b"])`, cty.StringVal("a,b")},
		{`split(",", "a,b")[1]`, cty.StringVal("b")},
		{`replace("a-b-c", "-", "+")`, cty.StringVal("a+b+c")},
		{`replace("a1b22c", "/[0-9]+/", "_")`, cty.StringVal("a_b_c")},
		{`lower("AbC")`, cty.StringVal("abc")},
		{`upper("AbC")`, cty.StringVal("ABC")},
		{`true ? "a" : "b"`, cty.StringVal("a")},
		{`[for k, v in m : "${k}=${v}"][1]`, cty.StringVal("b=y")},
		{`{for k, v in m : v => k}["y"]`, cty.StringVal("b")},
		{`one(["a"])`, cty.StringVal("a")},
		{`startswith("/api/x", "/api")`, cty.True},
		{`endswith("/api/x", "/x")`, cty.True},
		{`alltrue([true, true])`, cty.True},
		{`anytrue([false, true])`, cty.True},
		{`sum([1, 2])`, cty.NumberIntVal(3)},
		{`index(["a", "b"], "b")`, cty.NumberIntVal(1)},
		{`length(range(3))`, cty.NumberIntVal(3)},
		// Only what depends on deploy time stays unknown.
		{`lookup(later, "id", null)`, cty.UnknownVal(cty.String)},
		{`length(aws_s3_bucket.b.id)`, cty.UnknownVal(cty.Number)},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, diags := hclsyntax.ParseExpression([]byte(tt.expr), "test.tf", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			ctx := &hcl.EvalContext{Functions: functions, Variables: vars}
			ctx.Variables["aws_s3_bucket"] = cty.DynamicVal
			got, diags := e.Value(ctx)
			if diags.HasErrors() {
				t.Fatalf("%s: %v", tt.expr, diags)
			}
			if got.IsKnown() != tt.want.IsKnown() || (tt.want.IsKnown() && !got.RawEquals(tt.want)) {
				if tt.want.IsKnown() && got.IsKnown() && got.IsNull() && tt.want.IsNull() {
					return // null of any type is null
				}
				t.Errorf("%s = %#v, want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

// TestLookupNullDefaultIsMissing is the public-module pattern
// `realtime_log_config_arn = lookup(i.value, "realtime_log_config_arn", null)`
// over behaviors given as known objects: a behavior without the key has no
// config (missing, not "set at deploy time").
func TestLookupNullDefaultIsMissing(t *testing.T) {
	inv := readTree(t, map[string]string{
		"modules/cdn/main.tf": `
variable "default_cache_behavior" {
  type = any
}
variable "ordered_cache_behavior" {
  type    = any
  default = []
}
variable "create_distribution" {
  type    = bool
  default = true
}
resource "aws_cloudfront_distribution" "this" {
  count   = var.create_distribution ? 1 : 0
  enabled = true
  dynamic "default_cache_behavior" {
    for_each = [var.default_cache_behavior]
    iterator = i
    content {
      target_origin_id        = i.value["target_origin_id"]
      realtime_log_config_arn = lookup(i.value, "realtime_log_config_arn", null)
    }
  }
  dynamic "ordered_cache_behavior" {
    for_each = var.ordered_cache_behavior
    iterator = i
    content {
      path_pattern            = i.value["path_pattern"]
      target_origin_id        = i.value["target_origin_id"]
      realtime_log_config_arn = try(i.value.realtime_log_config_arn, null)
    }
  }
}
`,
		"main.tf": `
resource "aws_s3_bucket" "b" {}
module "cdn" {
  source = "./modules/cdn"
  default_cache_behavior = {
    target_origin_id        = aws_s3_bucket.b.id
    realtime_log_config_arn = "` + arnA + `"
  }
  ordered_cache_behavior = [
    {
      path_pattern     = "/static/*"
      target_origin_id = aws_s3_bucket.b.id
    },
    {
      path_pattern            = "/api/*"
      target_origin_id        = "s3"
      realtime_log_config_arn = "` + arnB + `"
    },
  ]
}
`})
	d := findDist(t, inv, "module.cdn.aws_cloudfront_distribution.this[0]")
	want := []behaviorView{
		{Path: "*", Default: true, State: model.Known, ARN: arnA},
		{Path: "/static/*", State: model.Absent},
		{Path: "/api/*", State: model.Known, ARN: arnB},
	}
	if got := viewBehaviors(d); !equalViews(got, want) {
		t.Errorf("behaviors = %+v, want %+v", got, want)
	}
}

func equalViews(a, b []behaviorView) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
