package cloudformation

import "testing"

func TestIf(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "true condition, short", expr: "!If [IsProd, yes-branch, no-branch]", want: known("yes-branch")},
		{name: "false condition, short", expr: "!If [IsDev, yes-branch, no-branch]", want: known("no-branch")},
		{name: "true condition, long", expr: "{Fn::If: [IsProd, a, b]}", want: known("a")},
		{name: "true condition, JSON", expr: `{"Fn::If": ["IsProd", "a", "b"]}`, json: true, want: known("a")},
		{name: "false condition to NoValue", expr: "!If [IsDev, a, !Ref AWS::NoValue]", want: absentOutcome()},
		{name: "unresolvable, both absent", expr: "!If [Unresolvable, !Ref AWS::NoValue, ~]", want: absentOutcome()},
		{name: "unresolvable, one absent", expr: "!If [Unresolvable, !GetAtt Config.Arn, !Ref AWS::NoValue]", want: configOutcome("Config")},
		{name: "unresolvable, one absent, JSON", expr: `{"Fn::If": ["Unresolvable", {"Ref": "AWS::NoValue"}, "arn:x"]}`, json: true, want: unknownOutcome()},
		{name: "unresolvable, different values", expr: "!If [Unresolvable, a, b]", want: unknownOutcome()},
		{name: "unresolvable, same value", expr: "!If [Unresolvable, a, a]", want: known("a")},
		{name: "unresolvable, same config", expr: "!If [Unresolvable, !Ref Config, !GetAtt Config.Arn]", want: configOutcome("Config")},
		{name: "unresolvable, config or other", expr: "!If [Unresolvable, !Ref Config, arn:x]", want: unknownOutcome()},
		{name: "unresolvable, dangling branch", expr: "!If [Unresolvable, !Ref Missing, arn:x]", want: danglingOutcome("Missing")},
		{name: "undefined condition", expr: "!If [Nope, a, b]", want: unknownOutcome()},
		{name: "self-referring condition", expr: "!If [Loop, a, b]", want: unknownOutcome()},
		{name: "nested", expr: "!If [IsDev, a, !If [IsProd, b, c]]", want: known("b")},
		{name: "wrong argument count", expr: "!If [IsProd, a]", want: unknownOutcome()},
	})
}
