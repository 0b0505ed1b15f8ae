package fixaws

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

var cmpSDK = cmp.Exporter(func(reflect.Type) bool { return true })

func TestCopyConfig(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := range 20 {
		c := randomConfig(r, i, []string{"arn:aws:cloudfront::111122223333:realtime-log-config/x"})
		cp := CopyConfig(c)
		if diff := cmp.Diff(c, cp, cmpSDK); diff != "" {
			t.Fatalf("copy differs (-orig +copy):\n%s", diff)
		}
		// Nothing is shared: changing the copy leaves the original alone.
		cp.DefaultCacheBehavior.TargetOriginId = aws.String("changed")
		cp.Origins.Items[0].DomainName = aws.String("changed")
		if aws.ToString(c.DefaultCacheBehavior.TargetOriginId) == "changed" || aws.ToString(c.Origins.Items[0].DomainName) == "changed" {
			t.Fatal("copy shares memory with the original")
		}
	}
	if CopyConfig(nil) != nil {
		t.Error("copy of nil")
	}
}

// TestCheckOnlyARNsAdded: the last check before an update accepts exactly
// the added ARNs and refuses any other difference.
func TestCheckOnlyARNsAdded(t *testing.T) {
	const arn = "arn:aws:cloudfront::111122223333:realtime-log-config/new"
	const other = "arn:aws:cloudfront::111122223333:realtime-log-config/other"
	base := func() *cftypes.DistributionConfig {
		c := randomConfig(rand.New(rand.NewSource(3)), 0, nil)
		c.DefaultCacheBehavior.RealtimeLogConfigArn = nil
		c.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(2), Items: []cftypes.CacheBehavior{
			{PathPattern: aws.String("/api/*"), TargetOriginId: c.DefaultCacheBehavior.TargetOriginId, ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyHttpsOnly,
				CachePolicyId: aws.String("p"), RealtimeLogConfigArn: aws.String("")},
			{PathPattern: aws.String("/img/*"), TargetOriginId: c.DefaultCacheBehavior.TargetOriginId, ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyHttpsOnly,
				CachePolicyId: aws.String("p"), RealtimeLogConfigArn: aws.String(other)},
		}}
		return c
	}
	gained := []fixplan.Behavior{{PathPattern: "*", Default: true}, {PathPattern: "/api/*"}}
	fixed := func() *cftypes.DistributionConfig {
		c := base()
		at := attach(c, gained, arn)
		if len(at.gained) != 2 {
			t.Fatalf("attach gained %v", at.gained)
		}
		return c
	}
	if err := CheckOnlyARNsAdded(base(), fixed(), arn, gained); err != nil {
		t.Fatalf("the fix itself is refused: %v", err)
	}
	// Replacing a config is an ARN change too, when it is planned.
	replaced := fixed()
	replaced.CacheBehaviors.Items[1].RealtimeLogConfigArn = aws.String(arn)
	if err := CheckOnlyARNsAdded(base(), replaced, arn, append(gained, fixplan.Behavior{PathPattern: "/img/*", From: other})); err != nil {
		t.Errorf("planned replacement refused: %v", err)
	}
	for _, tt := range []struct {
		name   string
		change func(c *cftypes.DistributionConfig)
		gained []fixplan.Behavior
		want   string
	}{
		{"comment", func(c *cftypes.DistributionConfig) { c.Comment = aws.String("x") }, gained, "Comment"},
		{"enabled", func(c *cftypes.DistributionConfig) { c.Enabled = aws.Bool(!aws.ToBool(c.Enabled)) }, gained, "Enabled"},
		{"origin", func(c *cftypes.DistributionConfig) { c.Origins.Items[0].DomainName = aws.String("evil.example.com") }, gained, "DomainName"},
		{"behavior field", func(c *cftypes.DistributionConfig) {
			c.CacheBehaviors.Items[0].ViewerProtocolPolicy = cftypes.ViewerProtocolPolicyAllowAll
		}, gained, "ViewerProtocolPolicy"},
		{"unplanned ARN", func(c *cftypes.DistributionConfig) { c.CacheBehaviors.Items[1].RealtimeLogConfigArn = aws.String(arn) }, gained, "RealtimeLogConfigArn"},
		{"ARN removed", func(c *cftypes.DistributionConfig) { c.CacheBehaviors.Items[1].RealtimeLogConfigArn = nil }, gained, "RealtimeLogConfigArn"},
		{"wrong ARN", func(c *cftypes.DistributionConfig) { c.DefaultCacheBehavior.RealtimeLogConfigArn = aws.String(other) }, gained, "would get RealtimeLogConfigArn"},
		{"behavior added", func(c *cftypes.DistributionConfig) {
			c.CacheBehaviors.Items = append(c.CacheBehaviors.Items, c.CacheBehaviors.Items[0])
			c.CacheBehaviors.Quantity = aws.Int32(3)
		}, gained, "CacheBehaviors"},
		{"behaviors reordered", func(c *cftypes.DistributionConfig) {
			it := c.CacheBehaviors.Items
			it[0], it[1] = it[1], it[0]
		}, gained, "refusing"},
		{"unknown behavior", func(*cftypes.DistributionConfig) {}, append(gained, fixplan.Behavior{PathPattern: "/nope/*"}), "not in both configs"},
		{"nil vs empty", func(c *cftypes.DistributionConfig) {
			if c.Aliases == nil {
				c.Aliases = &cftypes.Aliases{Quantity: aws.Int32(0)}
			} else {
				c.Aliases = nil
			}
		}, gained, "Aliases"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			after := fixed()
			tt.change(after)
			err := CheckOnlyARNsAdded(base(), after, arn, tt.gained)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if err := CheckOnlyARNsAdded(nil, fixed(), arn, gained); err == nil {
		t.Error("nil config accepted")
	}
}

func TestAttach(t *testing.T) {
	const arn = "arn:new"
	c := &cftypes.DistributionConfig{
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{RealtimeLogConfigArn: aws.String(arn)},
		CacheBehaviors: &cftypes.CacheBehaviors{Quantity: aws.Int32(4), Items: []cftypes.CacheBehavior{
			{PathPattern: aws.String("/a")},
			{PathPattern: aws.String("/b"), RealtimeLogConfigArn: aws.String("arn:other")},
			{PathPattern: aws.String("/c"), RealtimeLogConfigArn: aws.String("arn:old")},
			{PathPattern: aws.String("/d")},
		}},
	}
	at := attach(c, []fixplan.Behavior{{PathPattern: "*", Default: true}, {PathPattern: "/a"}, {PathPattern: "/b"}, {PathPattern: "/c", From: "arn:old"}, {PathPattern: "/gone"}}, arn)
	want := attachment{
		gained:    []fixplan.Behavior{{PathPattern: "/a"}, {PathPattern: "/c", From: "arn:old"}},
		already:   []fixplan.Behavior{{PathPattern: "*", Default: true}},
		gone:      []fixplan.Behavior{{PathPattern: "/gone"}},
		taken:     []fixplan.Behavior{{PathPattern: "/b"}},
		unplanned: []fixplan.Behavior{{PathPattern: "/d"}},
	}
	if diff := cmp.Diff(want, at, cmp.AllowUnexported(attachment{})); diff != "" {
		t.Errorf("attachment (-want +got):\n%s", diff)
	}
	if aws.ToString(c.CacheBehaviors.Items[1].RealtimeLogConfigArn) != "arn:other" || aws.ToString(c.CacheBehaviors.Items[2].RealtimeLogConfigArn) != arn {
		t.Errorf("ARNs after attach: %+v", c.CacheBehaviors.Items)
	}
}
