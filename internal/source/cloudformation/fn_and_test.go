package cloudformation

import "testing"

func TestAnd(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "all true, short", expr: "!And [!Condition IsProd, !Equals [a, a]]", want: known("true")},
		{name: "one false, short", expr: "!And [!Condition IsProd, !Condition IsDev]", want: known("false")},
		{name: "long", expr: "{Fn::And: [{Condition: IsProd}, {Condition: IsProd}]}", want: known("true")},
		{name: "JSON", expr: `{"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsDev"}]}`, json: true, want: known("false")},
		{name: "false decides despite unknown", expr: "!And [!Condition Unresolvable, !Condition IsDev]", want: known("false")},
		{name: "true and unknown", expr: "!And [!Condition IsProd, !Condition Unresolvable]", want: unknownOutcome()},
		{name: "not a list", expr: "!And IsProd", want: unknownOutcome()},
	})
}
