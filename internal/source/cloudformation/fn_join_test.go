package cloudformation

import "testing"

func TestJoin(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "literals, short", expr: "!Join ['', [a, b, c]]", want: known("abc")},
		{name: "long", expr: "{Fn::Join: [':', [a, {Ref: Env}]]}", want: known("a:prod")},
		{name: "JSON", expr: `{"Fn::Join": ["/", ["x", "y"]]}`, json: true, want: known("x/y")},
		{name: "NoValue items are dropped", expr: "!Join ['-', [a, !Ref AWS::NoValue, b]]", want: known("a-b")},
		{name: "list parameter", expr: "!Join ['+', !Ref Names]", want: known("a+b+c")},
		{name: "pseudo parameter", expr: "!Join ['', ['arn:', !Ref AWS::Partition, ':x']]", want: unknownOutcome()},
		{name: "dangling item", expr: "!Join ['', [!Ref Missing]]", want: danglingOutcome("Missing")},
		{name: "unresolvable list", expr: "!Join ['', !Ref NoDefault]", want: unknownOutcome()},
		{name: "wrong argument count", expr: "!Join ['']", want: unknownOutcome()},
	})
}
