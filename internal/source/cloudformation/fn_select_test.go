package cloudformation

import "testing"

func TestSelect(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "literal list, short", expr: "!Select [1, [a, b, c]]", want: known("b")},
		{name: "string index", expr: "!Select ['0', [a, b]]", want: known("a")},
		{name: "long", expr: "{Fn::Select: [2, [a, b, c]]}", want: known("c")},
		{name: "JSON", expr: `{"Fn::Select": [0, ["x", "y"]]}`, json: true, want: known("x")},
		{name: "list parameter", expr: "!Select [2, !Ref Names]", want: known("c")},
		{name: "split", expr: "!Select [1, !Split [',', 'p,q']]", want: known("q")},
		{name: "config reference kept", expr: "!Select [0, [!GetAtt Config.Arn, x]]", want: configOutcome("Config")},
		{name: "index out of range", expr: "!Select [5, [a]]", want: unknownOutcome()},
		{name: "unresolvable index", expr: "!Select [!Ref NoDefault, [a]]", want: unknownOutcome()},
		{name: "unresolvable list", expr: "!Select [0, !GetAZs '']", want: unknownOutcome()},
		{name: "wrong argument count", expr: "!Select [0]", want: unknownOutcome()},
	})
}
