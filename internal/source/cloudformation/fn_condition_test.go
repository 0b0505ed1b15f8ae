package cloudformation

import "testing"

func TestCondition(t *testing.T) {
	runFnCases(t, []fnCase{
		{name: "true, short", expr: "!Condition IsProd", want: known("true")},
		{name: "false, short", expr: "!Condition IsDev", want: known("false")},
		{name: "true, long", expr: "{Condition: IsProd}", want: known("true")},
		{name: "true, JSON", expr: `{"Condition": "IsProd"}`, json: true, want: known("true")},
		{name: "unresolvable", expr: "!Condition Unresolvable", want: unknownOutcome()},
		{name: "undefined", expr: "!Condition Nope", want: unknownOutcome()},
		{name: "refers to itself", expr: "!Condition Loop", want: unknownOutcome()},
		{name: "name not literal", expr: "!Condition [IsProd]", want: unknownOutcome()},
	})
}

func TestConditionChain(t *testing.T) {
	src := `Parameters:
  Env: {Type: String, Default: prod}
Conditions:
  A: !Equals [!Ref Env, prod]
  B: !Condition A
  C: !And [!Condition B, {Condition: A}]
  D: !Not [{Condition: C}]
Resources: {}
Test: [!Condition A, !Condition B, !Condition C, !Condition D]
`
	got := summarize(evalTest(t, src))
	want := known([]any{"true", "true", "true", "false"})
	if got.State != want.State || len(got.Value.([]any)) != 4 {
		t.Fatalf("got %+v", got)
	}
	for i, v := range want.Value.([]any) {
		if got.Value.([]any)[i] != v {
			t.Errorf("condition %d = %v, want %v", i, got.Value.([]any)[i], v)
		}
	}
}
