package iac_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/iac"
)

// TestScanRealPlans scans plans the real Terraform CLI and hashicorp/aws
// 5.100.0 made (`terraform show -json` of the stacks in
// internal/e2e/terraform/testdata; that test keeps them current, with
// -update-plans). The verdicts are the ones the code implies, and the ones
// scan aws gives once the stacks are applied.
func TestScanRealPlans(t *testing.T) {
	for _, tt := range []struct {
		plan string
		want []string
	}{
		{"site", []string{
			`CF-001 aws_cloudfront_distribution.site["legacy"] SKIP`,
			`CF-001 aws_cloudfront_distribution.site["shop"] FAIL`,
			`CF-001 aws_cloudfront_distribution.site["www"] PASS`,
			`CF-003 aws_cloudfront_distribution.site["legacy"] SKIP`,
			`CF-003 aws_cloudfront_distribution.site["shop"] PASS`,
			`CF-003 aws_cloudfront_distribution.site["www"] PASS`,
		}},
		{"ondemand", []string{
			`CF-001 aws_cloudfront_distribution.api FAIL`,
			`CF-001 aws_cloudfront_distribution.static FAIL`,
			`CF-003 aws_cloudfront_distribution.api FAIL`,
			`CF-003 aws_cloudfront_distribution.static SKIP`,
		}},
	} {
		t.Run(tt.plan, func(t *testing.T) {
			inv, err := iac.Read(context.Background(), iac.Options{Paths: []string{"../tfplan/testdata/real/" + tt.plan + ".json"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Errors) > 0 {
				t.Fatalf("read errors: %v", inv.Errors)
			}
			var got []string
			for _, f := range engine.Judge(inv, rules.All(), engine.Settings{}).Findings() {
				if f.RuleID == "CF-002" { // needs a live account
					continue
				}
				got = append(got, fmt.Sprintf("%s %s %s", f.RuleID, f.Resource.ID, f.Status))
			}
			sort.Strings(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
