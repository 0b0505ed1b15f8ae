package cloudformation

import "testing"

func TestOr(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "one true, short", expr: "!Or [!Condition IsDev, !Condition IsProd]", want: known("true")},
		{name: "all false, short", expr: "!Or [!Condition IsDev, !Equals [a, b]]", want: known("false")},
		{name: "long", expr: "{Fn::Or: [{Condition: IsDev}, {Condition: IsDev}]}", want: known("false")},
		{name: "JSON", expr: `{"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "IsProd"}]}`, json: true, want: known("true")},
		{name: "true decides despite unknown", expr: "!Or [!Condition Unresolvable, !Condition IsProd]", want: known("true")},
		{name: "false and unknown", expr: "!Or [!Condition IsDev, !Condition Unresolvable]", want: unknownOutcome()},
		{name: "not a list", expr: "!Or IsProd", want: unknownOutcome()},
	})
}
