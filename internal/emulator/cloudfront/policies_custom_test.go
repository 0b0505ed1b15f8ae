package cloudfront_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// policyOps drives one kind of policy through the SDK with the same
// operations, so that one table covers the three kinds.
type policyOps struct {
	kind     string
	managed  string // a managed policy's ID
	noSuch   string
	exists   string
	inUse    string
	create   func(c *cloudfront.Client, name string) (id, etag string, err error)
	get      func(c *cloudfront.Client, id string) (name, etag string, err error)
	getCfg   func(c *cloudfront.Client, id string) (name, etag string, err error)
	update   func(c *cloudfront.Client, id, ifMatch, name string) (etag string, err error)
	del      func(c *cloudfront.Client, id, ifMatch string) error
	list     func(c *cloudfront.Client, typ, marker string, max int32) (ids []string, next string, err error)
	attach   func(b *types.DefaultCacheBehavior, id string)
	nManaged int
}

func cachePolicyConfig(name string) *types.CachePolicyConfig {
	return &types.CachePolicyConfig{
		Name: aws.String(name), Comment: aws.String("api responses"), MinTTL: aws.Int64(1),
		ParametersInCacheKeyAndForwardedToOrigin: &types.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(true), EnableAcceptEncodingBrotli: aws.Bool(true),
			HeadersConfig: &types.CachePolicyHeadersConfig{HeaderBehavior: types.CachePolicyHeaderBehaviorWhitelist,
				Headers: &types.Headers{Quantity: aws.Int32(1), Items: []string{"Authorization"}}},
			CookiesConfig:      &types.CachePolicyCookiesConfig{CookieBehavior: types.CachePolicyCookieBehaviorNone},
			QueryStringsConfig: &types.CachePolicyQueryStringsConfig{QueryStringBehavior: types.CachePolicyQueryStringBehaviorAll},
		},
	}
}

func originRequestPolicyConfig(name string) *types.OriginRequestPolicyConfig {
	return &types.OriginRequestPolicyConfig{
		Name:               aws.String(name),
		HeadersConfig:      &types.OriginRequestPolicyHeadersConfig{HeaderBehavior: types.OriginRequestPolicyHeaderBehaviorAllViewer},
		CookiesConfig:      &types.OriginRequestPolicyCookiesConfig{CookieBehavior: types.OriginRequestPolicyCookieBehaviorAll},
		QueryStringsConfig: &types.OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: types.OriginRequestPolicyQueryStringBehaviorNone},
	}
}

func responseHeadersPolicyConfig(name string) *types.ResponseHeadersPolicyConfig {
	return &types.ResponseHeadersPolicyConfig{
		Name:    aws.String(name),
		Comment: aws.String("site headers"),
		CorsConfig: &types.ResponseHeadersPolicyCorsConfig{
			AccessControlAllowCredentials: aws.Bool(false),
			AccessControlAllowHeaders:     &types.ResponseHeadersPolicyAccessControlAllowHeaders{Quantity: aws.Int32(1), Items: []string{"X-Team"}},
			AccessControlAllowMethods: &types.ResponseHeadersPolicyAccessControlAllowMethods{Quantity: aws.Int32(2),
				Items: []types.ResponseHeadersPolicyAccessControlAllowMethodsValues{"GET", "OPTIONS"}},
			AccessControlAllowOrigins:  &types.ResponseHeadersPolicyAccessControlAllowOrigins{Quantity: aws.Int32(1), Items: []string{"https://example.com"}},
			AccessControlExposeHeaders: &types.ResponseHeadersPolicyAccessControlExposeHeaders{Quantity: aws.Int32(0)},
			AccessControlMaxAgeSec:     aws.Int32(600),
			OriginOverride:             aws.Bool(true),
		},
		SecurityHeadersConfig: &types.ResponseHeadersPolicySecurityHeadersConfig{
			ContentSecurityPolicy:   &types.ResponseHeadersPolicyContentSecurityPolicy{ContentSecurityPolicy: aws.String("default-src 'self'"), Override: aws.Bool(true)},
			ContentTypeOptions:      &types.ResponseHeadersPolicyContentTypeOptions{Override: aws.Bool(true)},
			FrameOptions:            &types.ResponseHeadersPolicyFrameOptions{FrameOption: types.FrameOptionsListDeny, Override: aws.Bool(true)},
			ReferrerPolicy:          &types.ResponseHeadersPolicyReferrerPolicy{ReferrerPolicy: types.ReferrerPolicyListSameOrigin, Override: aws.Bool(false)},
			StrictTransportSecurity: &types.ResponseHeadersPolicyStrictTransportSecurity{AccessControlMaxAgeSec: aws.Int32(63072000), IncludeSubdomains: aws.Bool(true), Preload: aws.Bool(true), Override: aws.Bool(true)},
			XSSProtection:           &types.ResponseHeadersPolicyXSSProtection{Protection: aws.Bool(true), ModeBlock: aws.Bool(true), Override: aws.Bool(true)},
		},
		CustomHeadersConfig: &types.ResponseHeadersPolicyCustomHeadersConfig{Quantity: aws.Int32(1), Items: []types.ResponseHeadersPolicyCustomHeader{
			{Header: aws.String("X-Served-By"), Value: aws.String("edge"), Override: aws.Bool(false)}}},
		ServerTimingHeadersConfig: &types.ResponseHeadersPolicyServerTimingHeadersConfig{Enabled: aws.Bool(true), SamplingRate: aws.Float64(12.5)},
		RemoveHeadersConfig: &types.ResponseHeadersPolicyRemoveHeadersConfig{Quantity: aws.Int32(1), Items: []types.ResponseHeadersPolicyRemoveHeader{
			{Header: aws.String("Server")}}},
	}
}

var policyKinds = []policyOps{
	{
		kind: "cache", managed: "658327ea-f89d-4fab-a63d-7e88639e58f6", nManaged: 7,
		noSuch: "NoSuchCachePolicy", exists: "CachePolicyAlreadyExists", inUse: "CachePolicyInUse",
		create: func(c *cloudfront.Client, name string) (string, string, error) {
			out, err := c.CreateCachePolicy(context.Background(), &cloudfront.CreateCachePolicyInput{CachePolicyConfig: cachePolicyConfig(name)})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.CachePolicy.Id), aws.ToString(out.ETag), nil
		},
		get: func(c *cloudfront.Client, id string) (string, string, error) {
			out, err := c.GetCachePolicy(context.Background(), &cloudfront.GetCachePolicyInput{Id: &id})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.CachePolicy.CachePolicyConfig.Name), aws.ToString(out.ETag), nil
		},
		getCfg: func(c *cloudfront.Client, id string) (string, string, error) {
			out, err := c.GetCachePolicyConfig(context.Background(), &cloudfront.GetCachePolicyConfigInput{Id: &id})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.CachePolicyConfig.Name), aws.ToString(out.ETag), nil
		},
		update: func(c *cloudfront.Client, id, ifMatch, name string) (string, error) {
			out, err := c.UpdateCachePolicy(context.Background(), &cloudfront.UpdateCachePolicyInput{Id: &id, IfMatch: &ifMatch, CachePolicyConfig: cachePolicyConfig(name)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.ETag), nil
		},
		del: func(c *cloudfront.Client, id, ifMatch string) error {
			_, err := c.DeleteCachePolicy(context.Background(), &cloudfront.DeleteCachePolicyInput{Id: &id, IfMatch: &ifMatch})
			return err
		},
		list: func(c *cloudfront.Client, typ, marker string, max int32) ([]string, string, error) {
			in := &cloudfront.ListCachePoliciesInput{Type: types.CachePolicyType(typ), MaxItems: &max}
			if marker != "" {
				in.Marker = &marker
			}
			out, err := c.ListCachePolicies(context.Background(), in)
			if err != nil {
				return nil, "", err
			}
			var ids []string
			for _, s := range out.CachePolicyList.Items {
				ids = append(ids, aws.ToString(s.CachePolicy.Id))
			}
			return ids, aws.ToString(out.CachePolicyList.NextMarker), nil
		},
		attach: func(b *types.DefaultCacheBehavior, id string) { b.CachePolicyId = &id },
	},
	{
		kind: "origin request", managed: "216adef6-5c7f-47e4-b989-5492eafa07d3", nManaged: 8,
		noSuch: "NoSuchOriginRequestPolicy", exists: "OriginRequestPolicyAlreadyExists", inUse: "OriginRequestPolicyInUse",
		create: func(c *cloudfront.Client, name string) (string, string, error) {
			out, err := c.CreateOriginRequestPolicy(context.Background(), &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: originRequestPolicyConfig(name)})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.OriginRequestPolicy.Id), aws.ToString(out.ETag), nil
		},
		get: func(c *cloudfront.Client, id string) (string, string, error) {
			out, err := c.GetOriginRequestPolicy(context.Background(), &cloudfront.GetOriginRequestPolicyInput{Id: &id})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.OriginRequestPolicy.OriginRequestPolicyConfig.Name), aws.ToString(out.ETag), nil
		},
		getCfg: func(c *cloudfront.Client, id string) (string, string, error) {
			out, err := c.GetOriginRequestPolicyConfig(context.Background(), &cloudfront.GetOriginRequestPolicyConfigInput{Id: &id})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.OriginRequestPolicyConfig.Name), aws.ToString(out.ETag), nil
		},
		update: func(c *cloudfront.Client, id, ifMatch, name string) (string, error) {
			out, err := c.UpdateOriginRequestPolicy(context.Background(), &cloudfront.UpdateOriginRequestPolicyInput{Id: &id, IfMatch: &ifMatch, OriginRequestPolicyConfig: originRequestPolicyConfig(name)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.ETag), nil
		},
		del: func(c *cloudfront.Client, id, ifMatch string) error {
			_, err := c.DeleteOriginRequestPolicy(context.Background(), &cloudfront.DeleteOriginRequestPolicyInput{Id: &id, IfMatch: &ifMatch})
			return err
		},
		list: func(c *cloudfront.Client, typ, marker string, max int32) ([]string, string, error) {
			in := &cloudfront.ListOriginRequestPoliciesInput{Type: types.OriginRequestPolicyType(typ), MaxItems: &max}
			if marker != "" {
				in.Marker = &marker
			}
			out, err := c.ListOriginRequestPolicies(context.Background(), in)
			if err != nil {
				return nil, "", err
			}
			var ids []string
			for _, s := range out.OriginRequestPolicyList.Items {
				ids = append(ids, aws.ToString(s.OriginRequestPolicy.Id))
			}
			return ids, aws.ToString(out.OriginRequestPolicyList.NextMarker), nil
		},
		attach: func(b *types.DefaultCacheBehavior, id string) { b.OriginRequestPolicyId = &id },
	},
	{
		kind: "response headers", managed: "67f7725c-6f97-4210-82d7-5512b31e9d03", nManaged: 5,
		noSuch: "NoSuchResponseHeadersPolicy", exists: "ResponseHeadersPolicyAlreadyExists", inUse: "ResponseHeadersPolicyInUse",
		create: func(c *cloudfront.Client, name string) (string, string, error) {
			out, err := c.CreateResponseHeadersPolicy(context.Background(), &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: responseHeadersPolicyConfig(name)})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.ResponseHeadersPolicy.Id), aws.ToString(out.ETag), nil
		},
		get: func(c *cloudfront.Client, id string) (string, string, error) {
			out, err := c.GetResponseHeadersPolicy(context.Background(), &cloudfront.GetResponseHeadersPolicyInput{Id: &id})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.ResponseHeadersPolicy.ResponseHeadersPolicyConfig.Name), aws.ToString(out.ETag), nil
		},
		getCfg: func(c *cloudfront.Client, id string) (string, string, error) {
			out, err := c.GetResponseHeadersPolicyConfig(context.Background(), &cloudfront.GetResponseHeadersPolicyConfigInput{Id: &id})
			if err != nil {
				return "", "", err
			}
			return aws.ToString(out.ResponseHeadersPolicyConfig.Name), aws.ToString(out.ETag), nil
		},
		update: func(c *cloudfront.Client, id, ifMatch, name string) (string, error) {
			out, err := c.UpdateResponseHeadersPolicy(context.Background(), &cloudfront.UpdateResponseHeadersPolicyInput{Id: &id, IfMatch: &ifMatch, ResponseHeadersPolicyConfig: responseHeadersPolicyConfig(name)})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.ETag), nil
		},
		del: func(c *cloudfront.Client, id, ifMatch string) error {
			_, err := c.DeleteResponseHeadersPolicy(context.Background(), &cloudfront.DeleteResponseHeadersPolicyInput{Id: &id, IfMatch: &ifMatch})
			return err
		},
		list: func(c *cloudfront.Client, typ, marker string, max int32) ([]string, string, error) {
			in := &cloudfront.ListResponseHeadersPoliciesInput{Type: types.ResponseHeadersPolicyType(typ), MaxItems: &max}
			if marker != "" {
				in.Marker = &marker
			}
			out, err := c.ListResponseHeadersPolicies(context.Background(), in)
			if err != nil {
				return nil, "", err
			}
			var ids []string
			for _, s := range out.ResponseHeadersPolicyList.Items {
				ids = append(ids, aws.ToString(s.ResponseHeadersPolicy.Id))
			}
			return ids, aws.ToString(out.ResponseHeadersPolicyList.NextMarker), nil
		},
		attach: func(b *types.DefaultCacheBehavior, id string) { b.ResponseHeadersPolicyId = &id },
	},
}

// TestCustomPolicyLifecycle runs create, get, update, delete, If-Match,
// in-use and managed immutability for every kind of policy.
func TestCustomPolicyLifecycle(t *testing.T) {
	for _, k := range policyKinds {
		t.Run(k.kind, func(t *testing.T) {
			_, c := newCloudFrontClient(t, emulator.Options{})
			id, etag, err := k.create(c, "team-a")
			if err != nil {
				t.Fatal(err)
			}
			if id == "" || etag == "" {
				t.Fatalf("create: id %q, ETag %q", id, etag)
			}
			_, _, err = k.create(c, "team-a")
			cfWantAPIError(t, err, k.exists)
			for _, get := range []func(*cloudfront.Client, string) (string, string, error){k.get, k.getCfg} {
				name, e, err := get(c, id)
				if err != nil || name != "team-a" || e != etag {
					t.Fatalf("get: %q, ETag %q (want %q), %v", name, e, etag, err)
				}
			}
			_, err = k.update(c, id, "", "team-b")
			cfWantAPIError(t, err, "InvalidIfMatchVersion")
			_, err = k.update(c, id, "EWRONG", "team-b")
			cfWantAPIError(t, err, "PreconditionFailed")
			_, err = k.update(c, "00000000-0000-0000-0000-000000000000", etag, "team-b")
			cfWantAPIError(t, err, k.noSuch)
			other, otherETag, err := k.create(c, "team-c")
			if err != nil {
				t.Fatal(err)
			}
			_, err = k.update(c, other, otherETag, "team-a")
			cfWantAPIError(t, err, k.exists)
			newETag, err := k.update(c, id, etag, "team-b")
			if err != nil {
				t.Fatal(err)
			}
			if newETag == etag {
				t.Errorf("ETag %q did not change on update", etag)
			}
			if name, e, err := k.get(c, id); err != nil || name != "team-b" || e != newETag {
				t.Fatalf("after update: %q, ETag %q (want %q), %v", name, e, newETag, err)
			}
			cfWantAPIError(t, k.del(c, id, etag), "PreconditionFailed")

			// In use by a distribution: refused until the distribution is gone.
			cfg := emutest.DistributionConfig("uses-"+k.kind, "")
			k.attach(cfg.DefaultCacheBehavior, id)
			if k.kind == "origin request" {
				cfg.DefaultCacheBehavior.CachePolicyId = aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")
			}
			dist := createDistribution(t, c, cfg)
			cfWantAPIError(t, k.del(c, id, newETag), k.inUse)
			disabled := *cfg
			disabled.Enabled = aws.Bool(false)
			upd, err := c.UpdateDistribution(context.Background(), &cloudfront.UpdateDistributionInput{
				Id: dist.Distribution.Id, IfMatch: dist.ETag, DistributionConfig: &disabled})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.DeleteDistribution(context.Background(), &cloudfront.DeleteDistributionInput{Id: dist.Distribution.Id, IfMatch: upd.ETag}); err != nil {
				t.Fatal(err)
			}
			if err := k.del(c, id, newETag); err != nil {
				t.Fatal(err)
			}
			_, _, err = k.get(c, id)
			cfWantAPIError(t, err, k.noSuch)
			cfWantAPIError(t, k.del(c, id, newETag), k.noSuch)

			// Managed policies are read-only.
			_, managedETag, err := k.get(c, k.managed)
			if err != nil {
				t.Fatal(err)
			}
			_, err = k.update(c, k.managed, managedETag, "mine")
			cfWantAPIError(t, err, "IllegalUpdate")
			cfWantAPIError(t, k.del(c, k.managed, managedETag), "IllegalDelete")
		})
	}
}

// TestCustomPolicyListing checks Type filtering and paging over managed
// and custom policies together.
func TestCustomPolicyListing(t *testing.T) {
	for _, k := range policyKinds {
		t.Run(k.kind, func(t *testing.T) {
			_, c := newCloudFrontClient(t, emulator.Options{})
			var custom []string
			for _, name := range []string{"p1", "p2", "p3", "p4", "p5"} {
				id, _, err := k.create(c, name)
				if err != nil {
					t.Fatal(err)
				}
				custom = append(custom, id)
			}
			all := func(typ string, size int32) ([]string, int) {
				var ids []string
				var marker string
				pages := 0
				for {
					page, next, err := k.list(c, typ, marker, size)
					if err != nil {
						t.Fatal(err)
					}
					pages++
					ids = append(ids, page...)
					if next == "" {
						return ids, pages
					}
					marker = next
				}
			}
			tests := []struct {
				typ       string
				size      int32
				wantCount int
				wantPages int
			}{
				{"custom", 2, 5, 3},
				{"custom", 100, 5, 1},
				{"managed", 100, k.nManaged, 1},
				{"", 4, k.nManaged + 5, (k.nManaged + 5 + 3) / 4},
			}
			for _, tt := range tests {
				ids, pages := all(tt.typ, tt.size)
				if len(ids) != tt.wantCount || pages != tt.wantPages {
					t.Errorf("Type=%q MaxItems=%d: %d policies in %d pages, want %d in %d", tt.typ, tt.size, len(ids), pages, tt.wantCount, tt.wantPages)
				}
				if tt.typ == "custom" && !cmp.Equal(ids, custom) {
					t.Errorf("custom policies %v, want %v in creation order", ids, custom)
				}
			}
			_, _, err := k.list(c, "bogus", "", 10)
			cfWantAPIError(t, err, "InvalidArgument")
			_, _, err = k.list(c, "", "not-a-marker", 10)
			cfWantAPIError(t, err, "InvalidArgument")
		})
	}
}

// TestCustomPolicyRoundTrip checks that every member a client sends comes
// back as sent, and that CloudFront's TTL defaults are filled in.
func TestCustomPolicyRoundTrip(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ctx := context.Background()
	opts := cmpopts.IgnoreUnexported(
		types.ResponseHeadersPolicyConfig{}, types.ResponseHeadersPolicyCorsConfig{}, types.ResponseHeadersPolicySecurityHeadersConfig{},
		types.ResponseHeadersPolicyAccessControlAllowHeaders{}, types.ResponseHeadersPolicyAccessControlAllowMethods{},
		types.ResponseHeadersPolicyAccessControlAllowOrigins{}, types.ResponseHeadersPolicyAccessControlExposeHeaders{},
		types.ResponseHeadersPolicyContentSecurityPolicy{}, types.ResponseHeadersPolicyContentTypeOptions{},
		types.ResponseHeadersPolicyFrameOptions{}, types.ResponseHeadersPolicyReferrerPolicy{},
		types.ResponseHeadersPolicyStrictTransportSecurity{}, types.ResponseHeadersPolicyXSSProtection{},
		types.ResponseHeadersPolicyCustomHeadersConfig{}, types.ResponseHeadersPolicyCustomHeader{},
		types.ResponseHeadersPolicyServerTimingHeadersConfig{}, types.ResponseHeadersPolicyRemoveHeadersConfig{},
		types.ResponseHeadersPolicyRemoveHeader{},
		types.CachePolicyConfig{}, types.ParametersInCacheKeyAndForwardedToOrigin{}, types.CachePolicyHeadersConfig{},
		types.Headers{}, types.CachePolicyCookiesConfig{}, types.CachePolicyQueryStringsConfig{},
		types.OriginRequestPolicyConfig{}, types.OriginRequestPolicyHeadersConfig{}, types.OriginRequestPolicyCookiesConfig{},
		types.OriginRequestPolicyQueryStringsConfig{})

	rh := responseHeadersPolicyConfig("full")
	created, err := c.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: rh})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.Location) == "" {
		t.Error("CreateResponseHeadersPolicy: no Location")
	}
	got, err := c.GetResponseHeadersPolicyConfig(ctx, &cloudfront.GetResponseHeadersPolicyConfigInput{Id: created.ResponseHeadersPolicy.Id})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(rh, got.ResponseHeadersPolicyConfig, opts); d != "" {
		t.Errorf("response headers policy config (-sent +got):\n%s", d)
	}

	orp := originRequestPolicyConfig("orp")
	orp.Comment = nil
	createdORP, err := c.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: orp})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(orp, createdORP.OriginRequestPolicy.OriginRequestPolicyConfig, opts); d != "" {
		t.Errorf("origin request policy config (-sent +got):\n%s", d)
	}

	for _, tt := range []struct {
		min, def, max *int64
		want          [3]int64
	}{
		{aws.Int64(1), nil, nil, [3]int64{1, 86400, 31536000}},
		{aws.Int64(100000), nil, nil, [3]int64{100000, 100000, 31536000}},
		{aws.Int64(0), aws.Int64(40000000), nil, [3]int64{0, 40000000, 40000000}},
		{aws.Int64(0), aws.Int64(60), aws.Int64(600), [3]int64{0, 60, 600}},
	} {
		cp := cachePolicyConfig("ttl")
		cp.MinTTL, cp.DefaultTTL, cp.MaxTTL = tt.min, tt.def, tt.max
		out, err := c.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: cp})
		if err != nil {
			t.Fatal(err)
		}
		g := out.CachePolicy.CachePolicyConfig
		if got := [3]int64{aws.ToInt64(g.MinTTL), aws.ToInt64(g.DefaultTTL), aws.ToInt64(g.MaxTTL)}; got != tt.want {
			t.Errorf("TTLs %v, want %v", got, tt.want)
		}
		want := cachePolicyConfig("ttl")
		want.MinTTL, want.DefaultTTL, want.MaxTTL = g.MinTTL, g.DefaultTTL, g.MaxTTL
		if d := cmp.Diff(want, g, opts); d != "" {
			t.Errorf("cache policy config (-sent +got):\n%s", d)
		}
		if _, err := c.DeleteCachePolicy(ctx, &cloudfront.DeleteCachePolicyInput{Id: out.CachePolicy.Id, IfMatch: out.ETag}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCustomPolicyValidation checks the documented required members and
// enumerations.
func TestCustomPolicyValidation(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"cache policy with MinTTL above MaxTTL", func() error {
			cp := cachePolicyConfig("x")
			cp.MinTTL, cp.DefaultTTL, cp.MaxTTL = aws.Int64(10), aws.Int64(10), aws.Int64(5)
			_, err := c.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: cp})
			return err
		}, "InvalidArgument"},
		{"cache policy header behavior allViewer", func() error {
			cp := cachePolicyConfig("x")
			cp.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.HeaderBehavior = "allViewer"
			_, err := c.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: cp})
			return err
		}, "InvalidArgument"},
		{"cache policy inconsistent quantities", func() error {
			cp := cachePolicyConfig("x")
			cp.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers.Quantity = aws.Int32(3)
			_, err := c.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: cp})
			return err
		}, "InconsistentQuantities"},
		{"comment over 128 characters", func() error {
			op := originRequestPolicyConfig("x")
			op.Comment = aws.String(strings.Repeat("c", 129))
			_, err := c.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: op})
			return err
		}, "InvalidArgument"},
		{"frame option ALLOW", func() error {
			rh := responseHeadersPolicyConfig("x")
			rh.SecurityHeadersConfig.FrameOptions.FrameOption = "ALLOW"
			_, err := c.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: rh})
			return err
		}, "InvalidArgument"},
		{"report URI with mode block", func() error {
			rh := responseHeadersPolicyConfig("x")
			rh.SecurityHeadersConfig.XSSProtection.ReportUri = aws.String("https://example.com/r")
			_, err := c.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: rh})
			return err
		}, "InvalidArgument"},
		{"sampling rate over 100", func() error {
			rh := responseHeadersPolicyConfig("x")
			rh.ServerTimingHeadersConfig.SamplingRate = aws.Float64(101)
			_, err := c.CreateResponseHeadersPolicy(ctx, &cloudfront.CreateResponseHeadersPolicyInput{ResponseHeadersPolicyConfig: rh})
			return err
		}, "InvalidArgument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { cfWantAPIError(t, tt.call(), tt.code) })
	}
}

// TestBehaviorCustomPolicyReferences checks that a distribution may name
// custom and managed policies of every kind and is refused one that does
// not exist, on create and on update.
func TestBehaviorCustomPolicyReferences(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	ctx := context.Background()
	cp, _, err := policyKinds[0].create(c, "cp")
	if err != nil {
		t.Fatal(err)
	}
	orp, _, _ := policyKinds[1].create(c, "orp")
	rhp, _, _ := policyKinds[2].create(c, "rhp")
	cfg := emutest.DistributionConfig("refs", "")
	cfg.DefaultCacheBehavior.CachePolicyId = &cp
	cfg.DefaultCacheBehavior.OriginRequestPolicyId = &orp
	cfg.DefaultCacheBehavior.ResponseHeadersPolicyId = &rhp
	created := createDistribution(t, c, cfg)

	managed := emutest.DistributionConfig("managed-rhp", "")
	managed.DefaultCacheBehavior.ResponseHeadersPolicyId = aws.String("60669652-455b-4ae9-85a4-c4c02393f86c")
	createDistribution(t, c, managed)

	missing := "11111111-2222-3333-4444-555555555555"
	for _, tt := range []struct {
		set  func(b *types.DefaultCacheBehavior)
		code string
	}{
		{func(b *types.DefaultCacheBehavior) { b.CachePolicyId = &missing }, "NoSuchCachePolicy"},
		{func(b *types.DefaultCacheBehavior) { b.OriginRequestPolicyId = &missing }, "NoSuchOriginRequestPolicy"},
		{func(b *types.DefaultCacheBehavior) { b.ResponseHeadersPolicyId = &missing }, "NoSuchResponseHeadersPolicy"},
	} {
		bad := emutest.DistributionConfig("bad-"+tt.code, "")
		tt.set(bad.DefaultCacheBehavior)
		_, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: bad})
		cfWantAPIError(t, err, tt.code)

		upd := *cfg
		b := *cfg.DefaultCacheBehavior
		upd.DefaultCacheBehavior = &b
		tt.set(upd.DefaultCacheBehavior)
		_, err = c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: created.Distribution.Id, IfMatch: created.ETag, DistributionConfig: &upd})
		cfWantAPIError(t, err, tt.code)
	}
}

// TestManagedResponseHeadersPolicies checks the names and IDs of the
// managed response headers policies the Developer Guide lists.
func TestManagedResponseHeadersPolicies(t *testing.T) {
	_, c := newCloudFrontClient(t, emulator.Options{})
	out, err := c.ListResponseHeadersPolicies(context.Background(), &cloudfront.ListResponseHeadersPoliciesInput{Type: types.ResponseHeadersPolicyTypeManaged})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range out.ResponseHeadersPolicyList.Items {
		got[aws.ToString(s.ResponseHeadersPolicy.ResponseHeadersPolicyConfig.Name)] = aws.ToString(s.ResponseHeadersPolicy.Id)
	}
	want := map[string]string{
		"Managed-CORS-and-SecurityHeadersPolicy":                "e61eb60c-9c35-4d20-a928-2b84e02af89c",
		"Managed-CORS-With-Preflight":                           "5cc3b908-e619-4b99-88e5-2cf7f45965bd",
		"Managed-CORS-with-preflight-and-SecurityHeadersPolicy": "eaab4381-ed33-4a86-88ca-d9558dc6cd63",
		"Managed-SecurityHeadersPolicy":                         "67f7725c-6f97-4210-82d7-5512b31e9d03",
		"Managed-SimpleCORS":                                    "60669652-455b-4ae9-85a4-c4c02393f86c",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("managed response headers policies (-want +got):\n%s", d)
	}
	sec, err := c.GetResponseHeadersPolicy(context.Background(), &cloudfront.GetResponseHeadersPolicyInput{Id: aws.String("67f7725c-6f97-4210-82d7-5512b31e9d03")})
	if err != nil {
		t.Fatal(err)
	}
	s := sec.ResponseHeadersPolicy.ResponseHeadersPolicyConfig.SecurityHeadersConfig
	if s == nil || s.FrameOptions.FrameOption != types.FrameOptionsListSameorigin || !aws.ToBool(s.ContentTypeOptions.Override) ||
		aws.ToInt32(s.StrictTransportSecurity.AccessControlMaxAgeSec) != 31536000 ||
		s.ReferrerPolicy.ReferrerPolicy != types.ReferrerPolicyListStrictOriginWhenCrossOrigin {
		t.Errorf("SecurityHeadersPolicy: %+v", s)
	}
}

// TestCustomPolicyRawRequests sends documents the SDK would refuse to
// send: required members missing, the wrong root element.
func TestCustomPolicyRawRequests(t *testing.T) {
	s, _ := newCloudFrontClient(t, emulator.Options{})
	doc := func(root, inner string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><` + root + ` xmlns="` + cloudFrontNS + `">` + inner + `</` + root + `>`
	}
	const params = `<ParametersInCacheKeyAndForwardedToOrigin><EnableAcceptEncodingGzip>false</EnableAcceptEncodingGzip>` +
		`<HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>` +
		`<QueryStringsConfig><QueryStringBehavior>none</QueryStringBehavior></QueryStringsConfig></ParametersInCacheKeyAndForwardedToOrigin>`
	const cors = `<AccessControlAllowOrigins><Quantity>1</Quantity><Items><Origin>*</Origin></Items></AccessControlAllowOrigins>` +
		`<AccessControlAllowHeaders><Quantity>0</Quantity></AccessControlAllowHeaders>` +
		`<AccessControlAllowMethods><Quantity>1</Quantity><Items><Method>GET</Method></Items></AccessControlAllowMethods>` +
		`<AccessControlAllowCredentials>false</AccessControlAllowCredentials>`
	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"cache policy", "cache-policy", doc("CachePolicyConfig", `<Name>raw</Name><MinTTL>0</MinTTL>`+params), 201, ""},
		{"cache policy without MinTTL", "cache-policy", doc("CachePolicyConfig", `<Name>x</Name>`+params), 400, "InvalidArgument"},
		{"cache policy without Name", "cache-policy", doc("CachePolicyConfig", `<MinTTL>0</MinTTL>`+params), 400, "InvalidArgument"},
		{"cache policy, wrong root", "cache-policy", doc("OriginRequestPolicyConfig", `<Name>x</Name><MinTTL>0</MinTTL>`), 400, "MalformedXML"},
		{"cache policy, empty body", "cache-policy", "", 400, "MissingBody"},
		{"origin request policy without CookiesConfig", "origin-request-policy", doc("OriginRequestPolicyConfig",
			`<Name>x</Name><HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig>`+
				`<QueryStringsConfig><QueryStringBehavior>none</QueryStringBehavior></QueryStringsConfig>`), 400, "InvalidArgument"},
		{"CORS without OriginOverride", "response-headers-policy", doc("ResponseHeadersPolicyConfig",
			`<Name>x</Name><CorsConfig>`+cors+`</CorsConfig>`), 400, "InvalidArgument"},
		{"CORS", "response-headers-policy", doc("ResponseHeadersPolicyConfig",
			`<Name>x</Name><CorsConfig>`+cors+`<OriginOverride>true</OriginOverride></CorsConfig>`), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := cfRawRequest(t, http.MethodPost, s.URL()+"/2020-05-31/"+tt.path, tt.body, nil)
			if status != tt.status || (tt.code != "" && !strings.Contains(body, "<Code>"+tt.code+"</Code>")) {
				t.Errorf("%d %s, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
}
