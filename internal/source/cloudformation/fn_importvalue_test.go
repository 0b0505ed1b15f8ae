package cloudformation

import "testing"

func TestImportValue(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "short", expr: "!ImportValue shared-log-config-arn", want: unknownOutcome()},
		{name: "long with Sub", expr: "{Fn::ImportValue: !Sub '${Env}-config'}", want: unknownOutcome()},
		{name: "JSON", expr: `{"Fn::ImportValue": "shared"}`, json: true, want: unknownOutcome()},
		{name: "dangling name part", expr: "!ImportValue {Fn::Sub: '${Missing}-arn'}", want: danglingOutcome("Missing")},
	})
}
