package cloudformation

import "testing"

func TestGetAZs(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "short", expr: "!GetAZs ''", want: unknownOutcome()},
		{name: "long with Ref", expr: "{Fn::GetAZs: {Ref: AWS::Region}}", want: unknownOutcome()},
		{name: "JSON", expr: `{"Fn::GetAZs": "us-east-1"}`, json: true, want: unknownOutcome()},
	})
}
