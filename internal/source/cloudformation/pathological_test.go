package cloudformation

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPathologicalInputsStayCheap reads hostile templates (alias bombs,
// exponential intrinsic trees, deep nesting): every one must be read or
// rejected without panicking and without exponential work. A regression shows
// up as this test hitting the go test timeout; the time taken is logged, never
// asserted (timing belongs in benchmarks).
func TestPathologicalInputsStayCheap(t *testing.T) {
	laughs := func(key string) string {
		var b strings.Builder
		b.WriteString("x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
		for i := 1; i < 10; i++ {
			fmt.Fprintf(&b, "x%d: &a%d [*a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d]\n", i, i, i-1)
		}
		b.WriteString("Resources:\n  C:\n    Type: AWS::CloudFront::RealtimeLogConfig\n    Properties:\n      " + key + ": *a9\n")
		b.WriteString("  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        DefaultCacheBehavior: {}\n        CacheBehaviors: *a9\n")
		return b.String()
	}
	nestedIf := func() string {
		expr := "!Ref C"
		for range 12 { // the text doubles each time
			expr = "{Fn::If: [U, " + expr + ", " + expr + "]}"
		}
		return "Parameters: {P: {Type: String}}\nConditions: {U: !Equals [!Ref P, x]}\nResources:\n  C: {Type: AWS::CloudFront::RealtimeLogConfig}\n" +
			"  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        DefaultCacheBehavior: {RealtimeLogConfigArn: " + expr + "}\n"
	}
	aliasIf := func() string {
		var b strings.Builder
		b.WriteString("Parameters: {P: {Type: String}}\nConditions: {U: !Equals [!Ref P, x]}\n")
		b.WriteString("i0: &i0 !Ref C\n")
		for i := 1; i < 60; i++ {
			fmt.Fprintf(&b, "i%d: &i%d !If [U, *i%d, *i%[3]d]\n", i, i, i-1)
		}
		b.WriteString("Resources:\n  C: {Type: AWS::CloudFront::RealtimeLogConfig}\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        DefaultCacheBehavior: {RealtimeLogConfigArn: *i59}\n        CacheBehaviors: [*i59, *i59]\n")
		return b.String()
	}
	oneLineFlow := func() string {
		var b strings.Builder
		b.WriteString("{Resources: {")
		for i := range 4000 {
			fmt.Fprintf(&b, "R%d: {Type: AWS::CloudFront::Distribution, Properties: {DistributionConfig: {DefaultCacheBehavior: {RealtimeLogConfigArn: [é]}}}}, ", i)
		}
		b.WriteString("}}")
		return b.String()
	}
	deep := "Resources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Properties:\n      DistributionConfig:\n        DefaultCacheBehavior: {RealtimeLogConfigArn: " +
		strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "}\n" + strings.Repeat("\n", 200000)
	blankLines := func() string {
		var b strings.Builder
		b.WriteString("Resources:\n  D:\n")
		for i := range 1000 {
			fmt.Fprintf(&b, "%sk%d:\n", strings.Repeat(" ", 4+2*i), i)
		}
		b.WriteString(strings.Repeat("\n", 50000))
		return b.String()
	}
	dupes := "Resources:\n" + strings.Repeat("  D: {Type: AWS::S3::Bucket}\n", 10000)
	conds := func() string {
		var b strings.Builder
		b.WriteString("Parameters: {P: {Type: String}}\nConditions:\n  C0: !Equals [!Ref P, x]\n")
		for i := 1; i < 500; i++ {
			fmt.Fprintf(&b, "  C%d: !And [!Condition C%d, !Condition C%[2]d]\n", i, i-1)
		}
		b.WriteString("Resources:\n  D:\n    Type: AWS::CloudFront::Distribution\n    Condition: C499\n    Properties: {DistributionConfig: {Enabled: !If [C499, true, false], DefaultCacheBehavior: {}}}\n")
		return b.String()
	}
	jsonDeep := `{"Resources": ` + strings.Repeat(`{"a": `, 5000) + "1" + strings.Repeat("}", 5000) + "}"

	for name, src := range map[string]string{
		"billion laughs in Fields":       laughs("Fields"),
		"billion laughs in EndPoints":    laughs("EndPoints"),
		"nested unresolved Fn::If":       nestedIf(),
		"aliased unresolved Fn::If":      aliasIf(),
		"one-line flow with non-ASCII":   oneLineFlow(),
		"deep flow nesting":              deep,
		"deep block nesting, many blank": blankLines(),
		"duplicate logical IDs":          dupes,
		"condition chain":                conds(),
		"deep JSON":                      jsonDeep,
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, _ = Read("p.yaml", []byte(src))
			_ = Detect([]byte(src))
			t.Logf("%v for %d bytes", time.Since(start), len(src))
		})
	}
}
