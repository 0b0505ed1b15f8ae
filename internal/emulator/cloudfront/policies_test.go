package cloudfront_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// TestCloudFrontManagedCachePolicies checks what the Terraform provider's
// aws_cloudfront_cache_policy data source does: list, match the name, get.
func TestCloudFrontManagedCachePolicies(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ctx := context.Background()
	byName := map[string]types.CachePolicy{}
	var pages int
	var marker *string
	for {
		out, err := c.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{Marker: marker, MaxItems: aws.Int32(3)})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range out.CachePolicyList.Items {
			if s.Type != types.CachePolicyTypeManaged {
				t.Errorf("policy %s has type %s", aws.ToString(s.CachePolicy.Id), s.Type)
			}
			byName[aws.ToString(s.CachePolicy.CachePolicyConfig.Name)] = *s.CachePolicy
		}
		if out.CachePolicyList.NextMarker == nil {
			break
		}
		marker = out.CachePolicyList.NextMarker
	}
	if len(byName) != 7 || pages != 3 {
		t.Fatalf("%d policies in %d pages, want 7 in 3", len(byName), pages)
	}
	for name, id := range map[string]string{
		"Managed-CachingOptimized":     "658327ea-f89d-4fab-a63d-7e88639e58f6",
		"Managed-CachingDisabled":      "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
		"Managed-Amplify":              "2e54312d-136d-493c-8eb9-b001f22f67d2",
		"UseOriginCacheControlHeaders": "83da9c7e-98b4-4e11-a168-04f0df8e2c65",
	} {
		if got := aws.ToString(byName[name].Id); got != id {
			t.Errorf("%s has ID %q, want %s", name, got, id)
		}
	}
	got, err := c.GetCachePolicy(ctx, &cloudfront.GetCachePolicyInput{Id: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := got.CachePolicy.CachePolicyConfig
	p := cfg.ParametersInCacheKeyAndForwardedToOrigin
	if aws.ToInt64(cfg.MinTTL) != 1 || aws.ToInt64(cfg.DefaultTTL) != 86400 || aws.ToInt64(cfg.MaxTTL) != 31536000 ||
		!aws.ToBool(p.EnableAcceptEncodingGzip) || !aws.ToBool(p.EnableAcceptEncodingBrotli) ||
		p.HeadersConfig.HeaderBehavior != types.CachePolicyHeaderBehaviorNone || p.CookiesConfig.CookieBehavior != types.CachePolicyCookieBehaviorNone ||
		p.QueryStringsConfig.QueryStringBehavior != types.CachePolicyQueryStringBehaviorNone || aws.ToString(got.ETag) == "" {
		t.Errorf("CachingOptimized: %+v, ETag %q", cfg, aws.ToString(got.ETag))
	}
	custom, err := c.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{Type: types.CachePolicyTypeCustom})
	if err != nil || aws.ToInt32(custom.CachePolicyList.Quantity) != 0 {
		t.Errorf("custom policies: %v, %+v", err, custom)
	}
	_, err = c.GetCachePolicy(ctx, &cloudfront.GetCachePolicyInput{Id: aws.String("00000000-0000-0000-0000-000000000000")})
	cfWantAPIError(t, err, "NoSuchCachePolicy")
	_, err = c.ListCachePolicies(ctx, &cloudfront.ListCachePoliciesInput{Marker: aws.String("nope")})
	cfWantAPIError(t, err, "InvalidArgument")
}

func TestCloudFrontManagedOriginRequestPolicies(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ctx := context.Background()
	out, err := c.ListOriginRequestPolicies(ctx, &cloudfront.ListOriginRequestPoliciesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if n := aws.ToInt32(out.OriginRequestPolicyList.Quantity); n != 8 {
		t.Fatalf("%d managed origin request policies, want 8", n)
	}
	got, err := c.GetOriginRequestPolicy(ctx, &cloudfront.GetOriginRequestPolicyInput{Id: aws.String("b689b0a8-53d0-40ab-baf2-68738e2966ac")})
	if err != nil {
		t.Fatal(err)
	}
	h := got.OriginRequestPolicy.OriginRequestPolicyConfig.HeadersConfig
	if aws.ToString(got.OriginRequestPolicy.OriginRequestPolicyConfig.Name) != "Managed-AllViewerExceptHostHeader" ||
		h.HeaderBehavior != types.OriginRequestPolicyHeaderBehaviorAllExcept || len(h.Headers.Items) != 1 || h.Headers.Items[0] != "host" {
		t.Errorf("AllViewerExceptHostHeader: %+v", got.OriginRequestPolicy.OriginRequestPolicyConfig)
	}
	_, err = c.GetOriginRequestPolicy(ctx, &cloudfront.GetOriginRequestPolicyInput{Id: aws.String("x")})
	cfWantAPIError(t, err, "NoSuchOriginRequestPolicy")
}

// TestCloudFrontBehaviorPolicyReferences checks that a behavior naming a
// policy that does not exist is refused, as CloudFront refuses it.
func TestCloudFrontBehaviorPolicyReferences(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ctx := context.Background()
	cfg := emutest.DistributionConfig("bad-cache", "")
	cfg.DefaultCacheBehavior.CachePolicyId = aws.String("11111111-2222-3333-4444-555555555555")
	_, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	cfWantAPIError(t, err, "NoSuchCachePolicy")
	cfg = emutest.DistributionConfig("bad-origin-request", "")
	cfg.DefaultCacheBehavior.OriginRequestPolicyId = aws.String("nope")
	_, err = c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	cfWantAPIError(t, err, "NoSuchOriginRequestPolicy")
	cfg = emutest.DistributionConfig("good", "")
	cfg.DefaultCacheBehavior.OriginRequestPolicyId = aws.String("216adef6-5c7f-47e4-b989-5492eafa07d3")
	createDistribution(t, c, cfg)
}

func TestCloudFrontTags(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ctx := context.Background()
	created, err := c.CreateDistributionWithTags(ctx, &cloudfront.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &types.DistributionConfigWithTags{
			DistributionConfig: emutest.DistributionConfig("tagged", ""),
			Tags:               &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("edge")}, {Key: aws.String("env"), Value: aws.String("prod")}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.ETag) == "" || aws.ToString(created.Location) == "" {
		t.Errorf("CreateDistributionWithTags: ETag %q, Location %q", aws.ToString(created.ETag), aws.ToString(created.Location))
	}
	arn := created.Distribution.ARN
	tags := func() map[string]string {
		t.Helper()
		out, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tg := range out.Tags.Items {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		return m
	}
	if got := tags(); len(got) != 2 || got["team"] != "edge" || got["env"] != "prod" {
		t.Fatalf("tags after create: %v", got)
	}
	if _, err := c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("team"), Value: aws.String("cdn")}, {Key: aws.String("cost"), Value: aws.String("")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: arn, TagKeys: &types.TagKeys{Items: []string{"env", "absent"}}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); len(got) != 2 || got["team"] != "cdn" || got["cost"] != "" {
		t.Fatalf("tags after tag and untag: %v", got)
	}
	_, err = c.TagResource(ctx, &cloudfront.TagResourceInput{Resource: arn, Tags: &types.Tags{Items: []types.Tag{{Key: aws.String("bad<key>")}}}})
	cfWantAPIError(t, err, "InvalidTagging")
	_, err = c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String("arn:aws:cloudfront::111122223333:distribution/EMISSING")})
	cfWantAPIError(t, err, "NoSuchResource")
	// A plain CreateDistribution starts without tags.
	plain := createDistribution(t, c, emutest.DistributionConfig("plain", ""))
	out, err := c.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: plain.Distribution.ARN})
	if err != nil || len(out.Tags.Items) != 0 {
		t.Fatalf("untagged distribution: %v, %+v", err, out)
	}
}
