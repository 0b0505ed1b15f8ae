package cloudformation

import "testing"

func TestEquals(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "equal literals, short", expr: "!Equals [a, a]", want: known("true")},
		{name: "different literals, short", expr: "!Equals [a, b]", want: known("false")},
		{name: "parameter default, long", expr: "{Fn::Equals: [{Ref: Env}, prod]}", want: known("true")},
		{name: "parameter default, JSON", expr: `{"Fn::Equals": [{"Ref": "Env"}, "dev"]}`, json: true, want: known("false")},
		{name: "number and string compare as text", expr: "!Equals [!Ref Port, '443']", want: known("true")},
		{name: "empty default equals empty string", expr: `!Equals [!Ref Empty, ""]`, want: known("true")},
		{name: "NoValue equals empty string", expr: `!Equals [!Ref AWS::NoValue, ""]`, want: known("true")},
		{name: "lists", expr: "!Equals [!Ref Names, [a, b, c]]", want: known("true")},
		{name: "list and string", expr: "!Equals [!Ref Names, a]", want: known("false")},
		{name: "unresolvable", expr: "!Equals [!Ref NoDefault, x]", want: unknownOutcome()},
		{name: "pseudo parameter", expr: "!Equals [!Ref AWS::Region, us-east-1]", want: unknownOutcome()},
		{name: "wrong argument count", expr: "!Equals [a]", want: unknownOutcome()},
	})
}
