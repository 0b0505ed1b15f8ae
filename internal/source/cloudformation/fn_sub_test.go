package cloudformation

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSub(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "no variables, short", expr: `!Sub "arn:aws:cloudfront::111122223333:realtime-log-config/x"`, want: known("arn:aws:cloudfront::111122223333:realtime-log-config/x")},
		{name: "no variables, long", expr: `{Fn::Sub: "/api/*"}`, want: known("/api/*")},
		{name: "no variables, JSON", expr: `{"Fn::Sub": "/api/*"}`, json: true, want: known("/api/*")},
		{name: "escaped variable is literal", expr: `!Sub "/${!Literal}/*"`, want: known("/${Literal}/*")},
		{name: "empty", expr: `!Sub ""`, want: known("")},
		{name: "pseudo parameter", expr: `!Sub "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:realtime-log-config/x"`, want: unknownOutcome()},
		{name: "pseudo parameter, JSON", expr: `{"Fn::Sub": "arn:${AWS::Partition}:x"}`, json: true, want: unknownOutcome()},
		{name: "parameter with default", expr: `!Sub "/${Env}/*"`, want: known("/prod/*")},
		{name: "parameter without default", expr: `!Sub "/${NoDefault}/*"`, want: unknownOutcome()},
		{name: "variable map, literal", expr: `!Sub ["/${Stage}/*", {Stage: v1}]`, want: known("/v1/*")},
		{name: "variable map, long form", expr: `{Fn::Sub: ["/${Stage}/*", {Stage: !Ref Env}]}`, want: known("/prod/*")},
		{name: "variable map, unresolvable", expr: `!Sub ["/${Stage}/*", {Stage: !ImportValue x}]`, want: unknownOutcome()},
		{name: "only a config Arn", expr: `!Sub "${Config.Arn}"`, want: configOutcome("Config")},
		{name: "only a config Ref", expr: `!Sub "${Config}"`, want: configOutcome("Config")},
		{name: "config inside text", expr: `!Sub "x-${Config}"`, want: unknownOutcome()},
		{name: "undefined variable", expr: `!Sub "arn:${Missing}"`, want: danglingOutcome("Missing")},
		{name: "AWS::NoValue is not a string", expr: `!Sub "${AWS::NoValue}"`, want: unknownOutcome()},
		{name: "text not literal", expr: `!Sub [!Ref Env]`, want: unknownOutcome()},
	})
}

func TestParseSub(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []subPart
	}{
		{"plain", []subPart{{text: "plain"}}},
		{"", []subPart{{text: ""}}},
		{"${A}", []subPart{{text: "A", variable: true}}},
		{"a${B}c", []subPart{{text: "a"}, {text: "B", variable: true}, {text: "c"}}},
		{"${!A}b", []subPart{{text: "${A}b"}}},
		{"${ A.Arn }", []subPart{{text: "A.Arn", variable: true}}},
		{"a${unclosed", []subPart{{text: "a${unclosed"}}},
	} {
		if diff := cmp.Diff(tc.want, parseSub(tc.in), cmp.AllowUnexported(subPart{})); diff != "" {
			t.Errorf("parseSub(%q): (-want +got)\n%s", tc.in, diff)
		}
	}
}
