package terraform

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
)

// TestJSONSyntax reads a module written in Terraform's JSON syntax
// (*.tf.json): resources, variables with types and defaults, locals,
// interpolations, dynamic blocks with an iterator, count and module calls,
// with the lines of what they declare.
func TestJSONSyntax(t *testing.T) {
	inv := readTree(t, map[string]string{
		"main.tf.json": `{
  "//": "written by a generator",
  "variable": {
    "behaviors": {
      "type": "list(object({path = string, arn = optional(string)}))",
      "default": [{"path": "/api/*", "arn": "` + arnA + `"}, {"path": "/img/*"}]
    }
  },
  "locals": {"on": true},
  "resource": {
    "aws_cloudfront_realtime_log_config": {
      "x": {"name": "x", "sampling_rate": 100, "fields": ["timestamp"]}
    },
    "aws_cloudfront_distribution": {
      "d": {
        "count": 1,
        "enabled": "${local.on}",
        "default_cache_behavior": {
          "realtime_log_config_arn": "${aws_cloudfront_realtime_log_config.x.arn}"
        },
        "dynamic": {
          "ordered_cache_behavior": {
            "for_each": "${var.behaviors}",
            "iterator": "b",
            "content": {
              "path_pattern": "${b.value.path}",
              "realtime_log_config_arn": "${b.value.arn}"
            }
          }
        }
      }
    }
  },
  "module": {
    "cdn": {"source": "./cdn", "arn": "` + arnB + `"}
  }
}
`,
		"cdn/main.tf.json": `{
  "variable": {"arn": {}},
  "resource": {"aws_cloudfront_distribution": {"this": {
    "enabled": true,
    "default_cache_behavior": [{"realtime_log_config_arn": "${var.arn}"}],
    "ordered_cache_behavior": [{"path_pattern": "/x/*"}]
  }}}
}
`,
	})
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	d := findDist(t, inv, "aws_cloudfront_distribution.d[0]")
	want := []behaviorView{
		{Path: "*", Default: true, State: model.Unknown, Ref: "aws_cloudfront_realtime_log_config.x"},
		{Path: "/api/*", State: model.Known, ARN: arnA},
		{Path: "/img/*", State: model.Absent},
	}
	if diff := cmp.Diff(want, viewBehaviors(d)); diff != "" {
		t.Errorf("behaviors (-want +got):\n%s", diff)
	}
	if d.Enabled.State != model.Known || !d.Enabled.V {
		t.Errorf("enabled = %+v", d.Enabled)
	}
	if want := (model.Range{File: "main.tf.json", StartLine: 15, EndLine: 31}); d.Range != want {
		t.Errorf("range = %+v, want %+v", d.Range, want)
	}
	if got := d.Behaviors[0].Range; got.StartLine != 18 || got.EndLine != 20 {
		t.Errorf("default behavior range = %+v, want lines 18-20", got)
	}
	m := findDist(t, inv, "module.cdn.aws_cloudfront_distribution.this")
	want = []behaviorView{
		{Path: "*", Default: true, State: model.Known, ARN: arnB},
		{Path: "/x/*", State: model.Absent},
	}
	if diff := cmp.Diff(want, viewBehaviors(m)); diff != "" {
		t.Errorf("module behaviors (-want +got):\n%s", diff)
	}
	if m.Range.File != "cdn/main.tf.json" || m.Range.StartLine != 3 {
		t.Errorf("module range = %+v", m.Range)
	}
	if c := inv.Configs["aws_cloudfront_realtime_log_config.x"]; c == nil || c.SamplingRate.V != 100 {
		t.Errorf("config: %+v", c)
	}
}

// TestJSONSyntaxErrors: a .tf.json file that is not valid JSON is an error
// with its line; the module's other files are still read.
func TestJSONSyntaxErrors(t *testing.T) {
	inv := readTree(t, map[string]string{
		"bad.tf.json": "{\n  \"resource\": {\n    \"aws_cloudfront_distribution\": ,\n  }\n}\n",
		"main.tf":     dist("default_cache_behavior {}"),
	})
	if len(inv.Errors) != 1 || inv.Errors[0].Range.File != "bad.tf.json" || inv.Errors[0].Range.StartLine != 3 {
		t.Errorf("errors = %v", inv.Errors)
	}
	findDist(t, inv, "aws_cloudfront_distribution.d")
}

// TestJSONVariableFiles: terraform.tfvars.json and *.auto.tfvars.json are
// loaded like their HCL twins, in Terraform's order, their values literal.
func TestJSONVariableFiles(t *testing.T) {
	inv := readTree(t, map[string]string{
		"main.tf": `
variable "a" {}
variable "b" {}
variable "c" {}
` + dist(`
  default_cache_behavior {
    realtime_log_config_arn = var.a
  }
  ordered_cache_behavior {
    path_pattern            = "/b/*"
    realtime_log_config_arn = var.b
  }
  ordered_cache_behavior {
    path_pattern            = var.c
  }`),
		"terraform.tfvars":      `a = "no"`,
		"terraform.tfvars.json": `{"a": "` + arnA + `", "c": "${literal}"}`,
		"x.auto.tfvars.json":    `{"b": ""}`,
		"ignored.tfvars.json":   `{"a": "no"}`,
	})
	if len(inv.Errors) > 0 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	want := []behaviorView{
		{Path: "*", Default: true, State: model.Known, ARN: arnA},
		{Path: "/b/*", State: model.Absent},
		{Path: "${literal}", State: model.Absent},
	}
	if diff := cmp.Diff(want, viewBehaviors(findDist(t, inv, "aws_cloudfront_distribution.d"))); diff != "" {
		t.Errorf("behaviors (-want +got):\n%s", diff)
	}
}
