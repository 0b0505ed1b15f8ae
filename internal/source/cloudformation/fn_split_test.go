package cloudformation

import "testing"

func TestSplit(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "short", expr: "!Split [',', 'a,b']", want: known([]any{"a", "b"})},
		{name: "long", expr: "{Fn::Split: ['|', 'a|b|c']}", want: known([]any{"a", "b", "c"})},
		{name: "JSON", expr: `{"Fn::Split": [",", "x"]}`, json: true, want: known([]any{"x"})},
		{name: "parameter default", expr: "!Split ['o', !Ref Env]", want: known([]any{"pr", "d"})},
		{name: "unresolvable text", expr: "!Split [',', !ImportValue list]", want: unknownOutcome()},
		{name: "empty delimiter", expr: "!Split ['', abc]", want: unknownOutcome()},
		{name: "wrong argument count", expr: "!Split [',']", want: unknownOutcome()},
	})
}
