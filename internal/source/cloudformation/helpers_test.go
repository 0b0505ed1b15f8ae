package cloudformation

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
)

// yamlPreamble is the template the function tests evaluate expressions in.
const yamlPreamble = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: prod}
  NoDefault: {Type: String}
  Empty: {Type: String, Default: ""}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
  Ssm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /my/param}
  Port: {Type: Number, Default: 443}
Mappings:
  RegionMap:
    us-east-1: {Arn: "arn:aws:cloudfront::111122223333:realtime-log-config/m", Zones: [a, b]}
    prod: {Name: production}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  Unresolvable: !Equals [!Ref NoDefault, x]
  Loop: !Not [!Condition Loop]
Resources:
  Config:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties: {Name: main, SamplingRate: 100}
  Bucket:
    Type: AWS::S3::Bucket
`

// jsonPreamble is yamlPreamble in JSON, with the closing brace left out so
// that a test can add "Test".
const jsonPreamble = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {
    "Env": {"Type": "String", "Default": "prod"},
    "NoDefault": {"Type": "String"},
    "Empty": {"Type": "String", "Default": ""},
    "Names": {"Type": "CommaDelimitedList", "Default": "a,b,c"},
    "Ssm": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/my/param"},
    "Port": {"Type": "Number", "Default": 443}
  },
  "Mappings": {
    "RegionMap": {
      "us-east-1": {"Arn": "arn:aws:cloudfront::111122223333:realtime-log-config/m", "Zones": ["a", "b"]},
      "prod": {"Name": "production"}
    }
  },
  "Conditions": {
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "IsDev": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
    "Unresolvable": {"Fn::Equals": [{"Ref": "NoDefault"}, "x"]},
    "Loop": {"Fn::Not": [{"Condition": "Loop"}]}
  },
  "Resources": {
    "Config": {"Type": "AWS::CloudFront::RealtimeLogConfig", "Properties": {"Name": "main", "SamplingRate": 100}},
    "Bucket": {"Type": "AWS::S3::Bucket"}
  }`

// outcome is what a test asserts about a value.
type outcome struct {
	State    model.State
	Value    any // a string, a []any of items, or "{object}"
	Config   string
	Dangling string
}

func summarize(v val) outcome {
	o := outcome{State: v.state, Config: v.config, Dangling: v.danglingRef()}
	if v.state == model.Known {
		o.Value = knownValue(v)
	}
	return o
}

func knownValue(v val) any {
	switch v.kind {
	case list:
		out := make([]any, len(v.list))
		for i, x := range v.list {
			out[i] = knownValue(x)
		}
		return out
	case object:
		return "{object}"
	}
	return v.s
}

// Shorthands for expected outcomes.
func known(v any) outcome               { return outcome{State: model.Known, Value: v} }
func unknownOutcome() outcome           { return outcome{State: model.Unknown} }
func absentOutcome() outcome            { return outcome{State: model.Absent} }
func configOutcome(id string) outcome   { return outcome{State: model.Unknown, Config: id} }
func danglingOutcome(id string) outcome { return outcome{State: model.Unknown, Dangling: id} }

// evalYAML evaluates expr, written as the value of a top-level key Test in
// YAML, in yamlPreamble.
func evalYAML(t *testing.T, expr string) val {
	t.Helper()
	return evalTest(t, yamlPreamble+"Test: "+expr+"\n")
}

// evalJSON evaluates expr, JSON, in jsonPreamble.
func evalJSON(t *testing.T, expr string) val {
	t.Helper()
	return evalTest(t, jsonPreamble+",\n  \"Test\": "+expr+"\n}\n")
}

func evalTest(t *testing.T, src string) val {
	t.Helper()
	doc, err := parse([]byte(src))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	if strings.HasPrefix(src, "{") && !doc.json {
		t.Fatalf("JSON test source was not parsed as JSON:\n%s", src)
	}
	root := deref(doc.root)
	tpl, errs := newTemplate("t.yaml", doc, root)
	if len(errs) > 0 {
		t.Fatalf("template errors: %v", errs)
	}
	_, n := lookup(root, "Test")
	return newEvaluator(tpl).eval(n)
}

// fnCase is one expression and what it evaluates to. A case with json set
// is evaluated in jsonPreamble, otherwise in yamlPreamble.
type fnCase struct {
	name string
	expr string
	json bool
	want outcome
}

func runFnCases(t *testing.T, cases []fnCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v val
			if tc.json {
				v = evalJSON(t, tc.expr)
			} else {
				v = evalYAML(t, tc.expr)
			}
			if diff := cmp.Diff(tc.want, summarize(v)); diff != "" {
				t.Errorf("%s: (-want +got)\n%s", tc.expr, diff)
			}
		})
	}
}

// mustRead reads src as file t.yaml and fails the test on a parse error.
func mustRead(t *testing.T, src string) *model.Inventory {
	t.Helper()
	inv, err := Read("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return inv
}
