package cloudformation

import "testing"

func TestRef(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "parameter default, short", expr: "!Ref Env", want: known("prod")},
		{name: "parameter default, long", expr: "{Ref: Env}", want: known("prod")},
		{name: "parameter default, JSON", expr: `{"Ref": "Env"}`, json: true, want: known("prod")},
		{name: "number default", expr: "!Ref Port", want: known("443")},
		{name: "parameter without default", expr: "!Ref NoDefault", want: unknownOutcome()},
		{name: "parameter without default, JSON", expr: `{"Ref": "NoDefault"}`, json: true, want: unknownOutcome()},
		{name: "empty default is known empty", expr: "!Ref Empty", want: known("")},
		{name: "comma-delimited list default", expr: "!Ref Names", want: known([]any{"a", "b", "c"})},
		{name: "SSM parameter is resolved at deploy", expr: "!Ref Ssm", want: unknownOutcome()},
		{name: "AWS::NoValue is absent", expr: "!Ref AWS::NoValue", want: absentOutcome()},
		{name: "AWS::NoValue is absent, JSON", expr: `{"Ref": "AWS::NoValue"}`, json: true, want: absentOutcome()},
		{name: "AWS::Region", expr: "!Ref AWS::Region", want: unknownOutcome()},
		{name: "AWS::AccountId", expr: "!Ref AWS::AccountId", want: unknownOutcome()},
		{name: "AWS::Partition", expr: "{Ref: AWS::Partition}", want: unknownOutcome()},
		{name: "AWS::StackName", expr: "!Ref AWS::StackName", want: unknownOutcome()},
		{name: "AWS::URLSuffix", expr: "!Ref AWS::URLSuffix", want: unknownOutcome()},
		{name: "real-time log config", expr: "!Ref Config", want: configOutcome("Config")},
		{name: "real-time log config, JSON", expr: `{"Ref": "Config"}`, json: true, want: configOutcome("Config")},
		{name: "other resource", expr: "!Ref Bucket", want: unknownOutcome()},
		{name: "undefined logical ID", expr: "!Ref Missing", want: danglingOutcome("Missing")},
		{name: "undefined logical ID, JSON", expr: `{"Ref": "Missing"}`, json: true, want: danglingOutcome("Missing")},
		{name: "name not literal", expr: "!Ref [a, b]", want: unknownOutcome()},
	})
}

func TestRefWithTransformIsNotDangling(t *testing.T) {
	v := evalTest(t, "Transform: AWS::Serverless-2016-10-31\nResources: {}\nTest: !Ref ServerlessRestApi\n")
	if got := summarize(v); got != unknownOutcome() {
		t.Errorf("got %+v, want unknown without dangling reference", got)
	}
}
