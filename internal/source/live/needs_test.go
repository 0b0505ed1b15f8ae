package live

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/model"
)

// TestReadNeeds checks that a read limited to what the rules need makes only
// those calls: CF-001 alone lists the distributions and nothing else (the
// account comes from their ARNs), CF-003 adds the configs, CF-002 all.
func TestReadNeeds(t *testing.T) {
	url, cases := seededDemo(t, nil)
	tests := []struct {
		name  string
		needs *model.Needs
		calls []string
	}{
		{"CF-001", &model.Needs{}, []string{"cloudfront:ListDistributions"}},
		{"CF-003", &model.Needs{Configs: true}, []string{"cloudfront:ListDistributions", "cloudfront:ListRealtimeLogConfigs"}},
		{"account only", &model.Needs{Account: true}, []string{"cloudfront:ListDistributions", "sts:GetCallerIdentity"}},
		{"CF-002", &model.Needs{Account: true, Configs: true, Delivery: true}, []string{
			"cloudfront:ListDistributions", "cloudfront:ListRealtimeLogConfigs", "iam:GetRole", "iam:GetRolePolicy",
			"iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "kinesis:DescribeStreamSummary", "sts:GetCallerIdentity"}},
		{"delivery implies configs", &model.Needs{Delivery: true}, []string{
			"cloudfront:ListDistributions", "cloudfront:ListRealtimeLogConfigs", "iam:GetRole", "iam:GetRolePolicy",
			"iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "kinesis:DescribeStreamSummary"}},
		{"nil reads everything", nil, []string{
			"cloudfront:ListDistributions", "cloudfront:ListRealtimeLogConfigs", "iam:GetRole", "iam:GetRolePolicy",
			"iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "kinesis:DescribeStreamSummary", "sts:GetCallerIdentity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter := NewCallCounter()
			inv, err := Read(context.Background(), Options{Config: EndpointConfig(url, counter), Needs: tt.needs})
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(counter.Counts())); !slices.Equal(got, tt.calls) {
				t.Errorf("calls %s, want only %v", counter, tt.calls)
			}
			if len(inv.Distributions) != len(cases) || inv.Account != emulator.DefaultAccountID || inv.Partition != "aws" || len(inv.Errors) != 0 {
				t.Errorf("%d distributions (want %d), account %q, partition %q, errors %v",
					len(inv.Distributions), len(cases), inv.Account, inv.Partition, inv.Errors)
			}
		})
	}
}
