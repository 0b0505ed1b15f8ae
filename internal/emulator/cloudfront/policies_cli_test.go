package cloudfront_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// TestCloudFrontPoliciesCLI drives custom policies with the AWS CLI v2:
// create, get, update with If-Match, paging with --marker, managed
// policies read-only, delete.
func TestCloudFrontPoliciesCLI(t *testing.T) {
	emutest.AWSCLI(t)
	t.Parallel()
	t.Run("cache-policy", testCLICachePolicy)
	t.Run("origin-request-policy", testCLIOriginRequestPolicy)
	t.Run("response-headers-policy", testCLIResponseHeadersPolicy)
}

const cliCachePolicy = `{"Name":"%s","Comment":"api","MinTTL":0,"DefaultTTL":60,"MaxTTL":600,` +
	`"ParametersInCacheKeyAndForwardedToOrigin":{"EnableAcceptEncodingGzip":true,"EnableAcceptEncodingBrotli":false,` +
	`"HeadersConfig":{"HeaderBehavior":"whitelist","Headers":{"Quantity":1,"Items":["Authorization"]}},` +
	`"CookiesConfig":{"CookieBehavior":"none"},"QueryStringsConfig":{"QueryStringBehavior":"all"}}}`

func testCLICachePolicy(t *testing.T) {
	t.Parallel()
	s, _ := newCloudFrontClient(t, emulator.Options{})
	url := s.URL()
	var created struct {
		ETag        string
		CachePolicy types.CachePolicy
	}
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "create-cache-policy",
		"--cache-policy-config", strings.ReplaceAll(cliCachePolicy, "%s", "api")), &created)
	id := *created.CachePolicy.Id
	if created.ETag == "" || *created.CachePolicy.CachePolicyConfig.DefaultTTL != 60 {
		t.Fatalf("created %+v", created)
	}
	var cfg struct {
		ETag              string
		CachePolicyConfig types.CachePolicyConfig
	}
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "get-cache-policy-config", "--id", id), &cfg)
	if cfg.ETag != created.ETag || *cfg.CachePolicyConfig.Name != "api" ||
		cfg.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers.Items[0] != "Authorization" {
		t.Fatalf("config %+v", cfg)
	}
	var updated struct{ ETag string }
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "update-cache-policy", "--id", id, "--if-match", created.ETag,
		"--cache-policy-config", strings.ReplaceAll(cliCachePolicy, "%s", "api-v2")), &updated)
	if updated.ETag == "" || updated.ETag == created.ETag {
		t.Fatalf("ETag %q after update, was %q", updated.ETag, created.ETag)
	}
	if out := emutest.RunCLI(t, url, true, "cloudfront", "delete-cache-policy", "--id", id, "--if-match", created.ETag); !strings.Contains(out, "PreconditionFailed") {
		t.Errorf("delete with the old ETag: %s", out)
	}
	var list struct{ CachePolicyList types.CachePolicyList }
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "list-cache-policies", "--type", "custom"), &list)
	if *list.CachePolicyList.Quantity != 1 || *list.CachePolicyList.Items[0].CachePolicy.CachePolicyConfig.Name != "api-v2" ||
		list.CachePolicyList.Items[0].Type != types.CachePolicyTypeCustom {
		t.Errorf("custom policies %+v", list.CachePolicyList)
	}
	const optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	if out := emutest.RunCLI(t, url, true, "cloudfront", "delete-cache-policy", "--id", optimized, "--if-match", "E1"); !strings.Contains(out, "IllegalDelete") {
		t.Errorf("delete of a managed policy: %s", out)
	}
	emutest.RunCLI(t, url, false, "cloudfront", "delete-cache-policy", "--id", id, "--if-match", updated.ETag)
	if out := emutest.RunCLI(t, url, true, "cloudfront", "get-cache-policy", "--id", id); !strings.Contains(out, "NoSuchCachePolicy") {
		t.Errorf("get after delete: %s", out)
	}
}

func testCLIOriginRequestPolicy(t *testing.T) {
	t.Parallel()
	s, _ := newCloudFrontClient(t, emulator.Options{})
	url := s.URL()
	const orp = `{"Name":"%s","HeadersConfig":{"HeaderBehavior":"allExcept","Headers":{"Quantity":1,"Items":["Host"]}},` +
		`"CookiesConfig":{"CookieBehavior":"all"},"QueryStringsConfig":{"QueryStringBehavior":"none"}}`
	var ids []string
	for _, name := range []string{"one", "two"} {
		var created struct{ OriginRequestPolicy types.OriginRequestPolicy }
		cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "create-origin-request-policy",
			"--origin-request-policy-config", strings.ReplaceAll(orp, "%s", name)), &created)
		ids = append(ids, *created.OriginRequestPolicy.Id)
	}
	var page struct{ OriginRequestPolicyList types.OriginRequestPolicyList }
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "list-origin-request-policies", "--type", "custom", "--max-items", "1"), &page)
	if len(page.OriginRequestPolicyList.Items) != 1 || page.OriginRequestPolicyList.NextMarker == nil ||
		*page.OriginRequestPolicyList.Items[0].OriginRequestPolicy.Id != ids[0] {
		t.Fatalf("first page %+v", page.OriginRequestPolicyList)
	}
	var last struct{ OriginRequestPolicyList types.OriginRequestPolicyList }
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "list-origin-request-policies", "--type", "custom", "--max-items", "1",
		"--marker", *page.OriginRequestPolicyList.NextMarker), &last)
	if len(last.OriginRequestPolicyList.Items) != 1 || last.OriginRequestPolicyList.NextMarker != nil ||
		*last.OriginRequestPolicyList.Items[0].OriginRequestPolicy.Id != ids[1] {
		t.Fatalf("second page %+v", last.OriginRequestPolicyList)
	}
	if out := emutest.RunCLI(t, url, true, "cloudfront", "create-origin-request-policy",
		"--origin-request-policy-config", strings.ReplaceAll(orp, "%s", "one")); !strings.Contains(out, "OriginRequestPolicyAlreadyExists") {
		t.Errorf("duplicate name: %s", out)
	}
}

func testCLIResponseHeadersPolicy(t *testing.T) {
	t.Parallel()
	s, _ := newCloudFrontClient(t, emulator.Options{})
	url := s.URL()
	const rhp = `{"Name":"site","Comment":"headers",` +
		`"CorsConfig":{"AccessControlAllowOrigins":{"Quantity":1,"Items":["https://example.com"]},` +
		`"AccessControlAllowHeaders":{"Quantity":1,"Items":["*"]},"AccessControlAllowMethods":{"Quantity":2,"Items":["GET","OPTIONS"]},` +
		`"AccessControlAllowCredentials":false,"AccessControlMaxAgeSec":600,"OriginOverride":true},` +
		`"SecurityHeadersConfig":{"FrameOptions":{"Override":true,"FrameOption":"DENY"},` +
		`"StrictTransportSecurity":{"Override":true,"IncludeSubdomains":true,"Preload":false,"AccessControlMaxAgeSec":31536000}},` +
		`"ServerTimingHeadersConfig":{"Enabled":true,"SamplingRate":50},` +
		`"CustomHeadersConfig":{"Quantity":1,"Items":[{"Header":"X-Team","Value":"web","Override":false}]},` +
		`"RemoveHeadersConfig":{"Quantity":1,"Items":[{"Header":"Server"}]}}`
	var created struct {
		ETag                  string
		ResponseHeadersPolicy types.ResponseHeadersPolicy
	}
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "create-response-headers-policy", "--response-headers-policy-config", rhp), &created)
	var got struct {
		ETag                  string
		ResponseHeadersPolicy types.ResponseHeadersPolicy
	}
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "get-response-headers-policy", "--id", *created.ResponseHeadersPolicy.Id), &got)
	c := got.ResponseHeadersPolicy.ResponseHeadersPolicyConfig
	if got.ETag != created.ETag || *c.Name != "site" || c.CorsConfig.AccessControlAllowMethods.Items[1] != "OPTIONS" ||
		c.SecurityHeadersConfig.FrameOptions.FrameOption != types.FrameOptionsListDeny || *c.ServerTimingHeadersConfig.SamplingRate != 50 ||
		*c.CustomHeadersConfig.Items[0].Value != "web" || *c.RemoveHeadersConfig.Items[0].Header != "Server" {
		t.Errorf("response headers policy %+v", c)
	}
	var managed struct {
		ResponseHeadersPolicyList types.ResponseHeadersPolicyList
	}
	cfDecodeCLI(t, emutest.RunCLI(t, url, false, "cloudfront", "list-response-headers-policies", "--type", "managed"), &managed)
	if *managed.ResponseHeadersPolicyList.Quantity != 5 {
		t.Errorf("%d managed response headers policies, want 5", *managed.ResponseHeadersPolicyList.Quantity)
	}
	if out := emutest.RunCLI(t, url, true, "cloudfront", "update-response-headers-policy", "--id", "67f7725c-6f97-4210-82d7-5512b31e9d03",
		"--if-match", "E1", "--response-headers-policy-config", rhp); !strings.Contains(out, "IllegalUpdate") {
		t.Errorf("update of a managed policy: %s", out)
	}
	emutest.RunCLI(t, url, false, "cloudfront", "delete-response-headers-policy", "--id", *created.ResponseHeadersPolicy.Id, "--if-match", got.ETag)
}
