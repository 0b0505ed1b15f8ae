package cloudformation

import "testing"

func TestNot(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "condition, short", expr: "!Not [!Condition IsProd]", want: known("false")},
		{name: "equals, short", expr: "!Not [!Equals [a, b]]", want: known("true")},
		{name: "long", expr: "{Fn::Not: [{Condition: IsDev}]}", want: known("true")},
		{name: "JSON", expr: `{"Fn::Not": [{"Fn::Equals": [{"Ref": "Env"}, "prod"]}]}`, json: true, want: known("false")},
		{name: "unresolvable", expr: "!Not [!Condition Unresolvable]", want: unknownOutcome()},
		{name: "not a list", expr: "!Not IsProd", want: unknownOutcome()},
	})
}
