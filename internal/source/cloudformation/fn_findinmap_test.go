package cloudformation

import "testing"

func TestFindInMap(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "literal keys, short", expr: "!FindInMap [RegionMap, us-east-1, Arn]", want: known("arn:aws:cloudfront::111122223333:realtime-log-config/m")},
		{name: "list value", expr: "!FindInMap [RegionMap, us-east-1, Zones]", want: known([]any{"a", "b"})},
		{name: "long", expr: "{Fn::FindInMap: [RegionMap, prod, Name]}", want: known("production")},
		{name: "JSON", expr: `{"Fn::FindInMap": ["RegionMap", "prod", "Name"]}`, json: true, want: known("production")},
		{name: "key from parameter default", expr: "!FindInMap [RegionMap, !Ref Env, Name]", want: known("production")},
		{name: "key from pseudo parameter", expr: "!FindInMap [RegionMap, !Ref AWS::Region, Arn]", want: unknownOutcome()},
		{name: "missing entry", expr: "!FindInMap [RegionMap, eu-west-1, Arn]", want: unknownOutcome()},
		{name: "missing map", expr: "!FindInMap [Nope, a, b]", want: unknownOutcome()},
		{name: "missing entry with default", expr: "!FindInMap [RegionMap, eu-west-1, Arn, {DefaultValue: fallback}]", want: known("fallback")},
		{name: "wrong argument count", expr: "!FindInMap [RegionMap, prod]", want: unknownOutcome()},
	})
}
