package cloudformation

import "testing"

func TestGetAtt(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "config Arn, dotted short", expr: "!GetAtt Config.Arn", want: configOutcome("Config")},
		{name: "config Arn, list short", expr: "!GetAtt [Config, Arn]", want: configOutcome("Config")},
		{name: "config Arn, long list", expr: "{Fn::GetAtt: [Config, Arn]}", want: configOutcome("Config")},
		{name: "config Arn, long string", expr: "{Fn::GetAtt: Config.Arn}", want: configOutcome("Config")},
		{name: "config Arn, JSON list", expr: `{"Fn::GetAtt": ["Config", "Arn"]}`, json: true, want: configOutcome("Config")},
		{name: "config Arn, JSON string", expr: `{"Fn::GetAtt": "Config.Arn"}`, json: true, want: configOutcome("Config")},
		{name: "attribute name from a parameter", expr: "!GetAtt [Config, !Ref Env]", want: unknownOutcome()},
		{name: "other attribute of the config", expr: "!GetAtt Config.Name", want: unknownOutcome()},
		{name: "other resource", expr: "!GetAtt Bucket.Arn", want: unknownOutcome()},
		{name: "nested attribute name", expr: "!GetAtt Bucket.Endpoint.Address", want: unknownOutcome()},
		{name: "undefined logical ID", expr: "!GetAtt Missing.Arn", want: danglingOutcome("Missing")},
		{name: "undefined logical ID, JSON", expr: `{"Fn::GetAtt": ["Missing", "Arn"]}`, json: true, want: danglingOutcome("Missing")},
		{name: "parameter is not a resource", expr: "!GetAtt Env.Arn", want: unknownOutcome()},
		{name: "no attribute", expr: "!GetAtt Config", want: unknownOutcome()},
		{name: "wrong argument count", expr: "!GetAtt [Config]", want: unknownOutcome()},
	})
}
