package cloudformation

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
)

func TestReadParseErrors(t *testing.T) {
	seedYAML, err := os.ReadFile("testdata/seed-tabs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		src  string
		want *model.ReadError
	}{
		{
			name: "tab-indented YAML (the seed article's)",
			src:  string(seedYAML),
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 2, 2),
				Message: "yaml: line 2: found character that cannot start any token"},
		},
		{
			name: "tab in block indentation",
			src:  "Resources:\n  A:\n\tType: x\n",
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 3, 3),
				Message: "yaml: line 3: found character that cannot start any token"},
		},
		{
			name: "truncated JSON",
			src:  smallJSON[:strings.Index(smallJSON, `"Site"`)],
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 23, 23),
				Message: "json: line 23: unexpected end of JSON input"},
		},
		{
			name: "JSON syntax error",
			src:  "{\n  \"Resources\": {\n    \"A\": ,\n  }\n}\n",
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 3, 3),
				Message: "json: line 3: invalid character ',' looking for beginning of value"},
		},
		{
			name: "JSON with data after the object",
			src:  "{\"Resources\": {}}\n{}\n",
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 2, 2),
				Message: "json: line 2: unexpected data after the top-level value"},
		},
		{
			name: "top level is a list",
			src:  "- a\n- b\n",
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 1, 1),
				Message: "not a CloudFormation template: the top level is a list, not a mapping"},
		},
		{
			name: "duplicate key in YAML",
			src:  "Resources:\n  Cdn:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n        Enabled: false\n",
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 7, 7),
				Message: `duplicate key "Enabled" (first on line 6): CloudFormation rejects the template`},
		},
		{
			name: "duplicate resource in YAML",
			src:  "Resources:\n  Cdn:\n    Type: A\n  Other:\n    Type: B\n  Cdn:\n    Type: C\n",
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 6, 6),
				Message: `duplicate key "Cdn" (first on line 2): CloudFormation rejects the template`},
		},
		{
			name: "duplicate key in JSON",
			src:  "{\n  \"Resources\": {\n    \"Cdn\": {\"Type\": \"A\",\n      \"Type\": \"B\"}\n  }\n}\n",
			want: &model.ReadError{Operation: "parse", Range: rng("bad", 4, 4),
				Message: `duplicate key "Type" (first on line 3): CloudFormation rejects the template`},
		},
		{
			name: "empty file",
			src:  "# nothing\n",
			want: &model.ReadError{Operation: "parse", Range: model.Range{File: "bad"},
				Message: "not a CloudFormation template: the file is empty"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv, err := Read("bad", []byte(tc.src))
			if inv != nil {
				t.Errorf("want no inventory, got %+v", inv)
			}
			var re *model.ReadError
			if !errors.As(err, &re) {
				t.Fatalf("want a *model.ReadError, got %T %v", err, err)
			}
			if diff := cmp.Diff(tc.want, re); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestReadResourceErrors(t *testing.T) {
	src := `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Broken:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig: "oops"
  Good:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior: [not, a, mapping]
        CacheBehaviors:
          - just-a-string
          - {PathPattern: /ok/*}
  NoProps:
    Type: AWS::CloudFront::Distribution
  NotAMapping: 42
  Unresolvable:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig: !ImportValue shared-config
  Cfg:
    Type: AWS::CloudFront::RealtimeLogConfig
    Properties:
      Name: c
      EndPoints: "kinesis"
`
	inv := mustRead(t, src)
	type e struct {
		Resource string
		Start    int
		Message  string
	}
	var got []e
	for _, x := range inv.Errors {
		if x.Operation != "parse" || x.Range.File != "t.yaml" {
			t.Errorf("error %v: operation %q file %q", x, x.Operation, x.Range.File)
		}
		got = append(got, e{x.Resource, x.Range.StartLine, x.Message})
	}
	want := []e{
		{"NotAMapping", 18, "resource is a number, not a mapping"},
		{"Broken", 6, "DistributionConfig is a string, not a mapping"},
		{"Good", 12, "DefaultCacheBehavior is a list, not a mapping"},
		{"Good", 14, "CacheBehaviors item is a string, not a mapping"},
		{"NoProps", 16, "AWS::CloudFront::Distribution has no Properties"},
		{"Unresolvable", 22, "DistributionConfig is an unresolvable Fn::ImportValue; the distribution is not checked"},
		{"Cfg", 27, "EndPoints is a string, not a list"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got)\n%s", diff)
	}
	if s := inv.Errors[1].Error(); s != "t.yaml:6: Broken: parse: DistributionConfig is a string, not a mapping" {
		t.Errorf("Error() = %q", s)
	}
	// The rest is still read.
	if len(inv.Distributions) != 1 || inv.Distributions[0].ID != "Good" {
		t.Fatalf("distributions: %+v", inv.Distributions)
	}
	if bs := inv.Distributions[0].Behaviors; len(bs) != 1 || bs[0].PathPattern != "/ok/*" {
		t.Errorf("Good behaviors: %+v", bs)
	}
	if c := inv.Configs["t.yaml#Cfg"]; c == nil || len(c.Endpoints) != 0 {
		t.Errorf("Cfg: %+v", c)
	}
}

func TestReadResourcesNotAMapping(t *testing.T) {
	inv := mustRead(t, "AWSTemplateFormatVersion: x\nResources: [a]\n")
	if len(inv.Errors) != 1 || inv.Errors[0].Message != "Resources is a list, not a mapping" || inv.Errors[0].Range.StartLine != 2 {
		t.Errorf("errors: %v", inv.Errors)
	}
}

// TestReadBudgetExhausted: an alias bomb used as one CacheBehaviors item
// uses up the evaluation budget. The distribution is an error naming it, not
// a distribution whose later behaviors count as set.
func TestReadBudgetExhausted(t *testing.T) {
	var b strings.Builder
	b.WriteString("x0: &a0 {PathPattern: /lol, RealtimeLogConfigArn: [l, l, l, l, l, l, l, l, l, l]}\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [*a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d]\n", i, i, i-1)
	}
	b.WriteString("Resources:\n  Bomb:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        Enabled: true\n" +
		"        DefaultCacheBehavior: {RealtimeLogConfigArn: arn:aws:cloudfront::111122223333:realtime-log-config/a}\n" +
		"        CacheBehaviors:\n          - *a8\n          - PathPattern: /api/*\n          - PathPattern: /img/*\n")
	inv := mustRead(t, b.String())
	for _, d := range inv.Distributions {
		t.Errorf("distribution %s was judged from a partial read: %+v", d.ID, d.Behaviors)
	}
	if len(inv.Errors) != 1 {
		t.Fatalf("errors: %v", inv.Errors)
	}
	e := inv.Errors[0]
	if e.Resource != "Bomb" || e.Range.File != "t.yaml" || e.Range.StartLine == 0 || !strings.Contains(e.Message, "evaluation budget") {
		t.Errorf("error = %+v", e)
	}
}

// TestReadTooManyBranches: more branches of unresolvable conditions than
// can be judged one by one is an error, not a PASS over the ones kept.
func TestReadTooManyBranches(t *testing.T) {
	var b strings.Builder
	b.WriteString("Parameters: {P: {Type: String}}\nConditions:\n")
	for i := range 8 {
		fmt.Fprintf(&b, "  C%d: !Equals [!Ref P, v%d]\n", i, i)
	}
	expr := "!Ref AWS::NoValue"
	for i := range 8 {
		expr = fmt.Sprintf("!If [C%d, arn:x%d, %s]", i, i, expr)
		expr = "{Fn::If: [C" + fmt.Sprint(i) + ", " + expr + ", " + expr + "]}"
	}
	b.WriteString("Resources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        DefaultCacheBehavior: {RealtimeLogConfigArn: " + expr + "}\n")
	inv := mustRead(t, b.String())
	if len(inv.Distributions) != 0 || len(inv.Errors) != 1 || inv.Errors[0].Resource != "D" {
		t.Errorf("distributions %d, errors %v", len(inv.Distributions), inv.Errors)
	}
}
