package cloudformation

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/model"
)

func TestIgnoresYAML(t *testing.T) {
	src := `Resources:
  # cloudassure:ignore CF-003 sampling agreed with SRE
  # an unrelated comment
  A:   # cloudassure:ignore CF-001,CF-002 legacy, replaced in Q3
    Type: AWS::CloudFront::Distribution
    Metadata:
      cloudassure:
        ignore:
          - id: CF-002
            reason: from metadata
          - CF-004
    Properties:
      DistributionConfig:
        Enabled: true
        # cloudassure:ignore CF-005, CF-006   inside the body
        DefaultCacheBehavior: {}

  # cloudassure:ignore CF-009 belongs to B, not A
  B:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Comment: "not # cloudassure:ignore CF-001 a comment"
        Origins: ['# cloudassure:ignore CF-002 nor this'] #cloudassure:ignore CF-007
        DefaultCacheBehavior: {}
  # cloudassure:ignore
  C:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        DefaultCacheBehavior: {} # cloudassure:ignored CF-001 not the marker
`
	inv := mustRead(t, src)
	c := func(rule, reason string, line int) model.Ignore {
		return model.Ignore{RuleID: rule, Reason: reason, Source: "comment", Range: rng("t.yaml", line, line)}
	}
	m := func(rule, reason string, start, end int) model.Ignore {
		return model.Ignore{RuleID: rule, Reason: reason, Source: "metadata", Range: rng("t.yaml", start, end)}
	}
	want := map[string][]model.Ignore{
		"A": {
			c("CF-003", "sampling agreed with SRE", 2),
			c("CF-001", "legacy, replaced in Q3", 4),
			c("CF-002", "legacy, replaced in Q3", 4),
			m("CF-002", "from metadata", 9, 10),
			m("CF-004", "", 11, 11),
			c("CF-005", "inside the body", 15),
			c("CF-006", "inside the body", 15),
		},
		"B": {
			c("CF-009", "belongs to B, not A", 18),
			c("CF-007", "", 24),
		},
		"C": nil,
	}
	got := map[string][]model.Ignore{}
	for _, d := range inv.Distributions {
		got[d.ID] = d.Ignores
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ignores (-want +got)\n%s", diff)
	}
}

func TestIgnoresJSONMetadata(t *testing.T) {
	src := `{
  "Resources": {
    "A": {
      "Type": "AWS::CloudFront::Distribution",
      "Metadata": {"cloudassure": {"ignore": [
        {"id": "CF-001", "reason": "internal only"},
        {"id": "CF-002,CF-003", "reason": "two at once"}
      ]}},
      "Properties": {"DistributionConfig": {
        "Comment": "# cloudassure:ignore CF-009 JSON has no comments",
        "DefaultCacheBehavior": {}
      }}
    }
  }
}`
	inv := mustRead(t, src)
	want := []model.Ignore{
		{RuleID: "CF-001", Reason: "internal only", Source: "metadata", Range: rng("t.yaml", 6, 6)},
		{RuleID: "CF-002", Reason: "two at once", Source: "metadata", Range: rng("t.yaml", 7, 7)},
		{RuleID: "CF-003", Reason: "two at once", Source: "metadata", Range: rng("t.yaml", 7, 7)},
	}
	if diff := cmp.Diff(want, inv.Distributions[0].Ignores); diff != "" {
		t.Errorf("ignores (-want +got)\n%s", diff)
	}
}

func TestCommentStart(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int
	}{
		{"# c", 0},
		{"a: b # c", 5},
		{"a: b#c", -1},
		{`a: "b # c" # d`, 11},
		{`a: 'it''s # x' # d`, 15},
		{`a: it's # d`, 8},
		{`a: "esc \" # x"`, -1},
		{`- '# x'`, -1},
		{"\t# tab", 1},
	} {
		if got := commentStart([]byte(tc.line)); got != tc.want {
			t.Errorf("commentStart(%q) = %d, want %d", tc.line, got, tc.want)
		}
	}
}
