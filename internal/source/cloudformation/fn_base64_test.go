package cloudformation

import "testing"

func TestBase64(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "short", expr: "!Base64 hello", want: known("aGVsbG8=")},
		{name: "long with Ref", expr: "{Fn::Base64: {Ref: Env}}", want: known("cHJvZA==")},
		{name: "JSON", expr: `{"Fn::Base64": "hi"}`, json: true, want: known("aGk=")},
		{name: "unresolvable", expr: "!Base64 {Ref: AWS::StackName}", want: unknownOutcome()},
	})
}
