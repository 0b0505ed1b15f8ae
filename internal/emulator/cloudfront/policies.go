package cloudfront

import (
	"encoding/xml"
	"strconv"
	"time"
)

// The AWS managed cache and origin request policies, with the IDs, names
// and settings the CloudFront Developer Guide lists ("Use managed cache
// policies", "Use managed origin request policies"). Every account sees
// them; they cannot be changed or deleted. The custom policies an account
// creates are in policies_custom.go, the response headers policies in
// policies_response_headers.go.

// cfNameList is a Quantity/Items list of Name elements (headers, cookies,
// query strings).
type cfNameList struct {
	Quantity int
	Items    *struct {
		Names []string `xml:"Name"`
	} `xml:",omitempty"`
}

func cfNames(names ...string) *cfNameList {
	l := &cfNameList{Quantity: len(names)}
	if len(names) > 0 {
		l.Items = &struct {
			Names []string `xml:"Name"`
		}{names}
	}
	return l
}

// names returns the list's items, nil for a nil list.
func (l *cfNameList) names() []string {
	if l == nil || l.Items == nil {
		return nil
	}
	return l.Items.Names
}

type cfHeadersConfig struct {
	HeaderBehavior string
	Headers        *cfNameList `xml:",omitempty"`
}

type cfCookiesConfig struct {
	CookieBehavior string
	Cookies        *cfNameList `xml:",omitempty"`
}

type cfQueryStringsConfig struct {
	QueryStringBehavior string
	QueryStrings        *cfNameList `xml:",omitempty"`
}

type cfCacheKeyParams struct {
	EnableAcceptEncodingGzip   *bool                 `xml:",omitempty"`
	EnableAcceptEncodingBrotli *bool                 `xml:",omitempty"`
	HeadersConfig              *cfHeadersConfig      `xml:",omitempty"`
	CookiesConfig              *cfCookiesConfig      `xml:",omitempty"`
	QueryStringsConfig         *cfQueryStringsConfig `xml:",omitempty"`
}

// cfCachePolicyConfig is a CachePolicyConfig as CloudFront returns it:
// members a request left out stay out, except the TTLs CloudFront
// defaults.
type cfCachePolicyConfig struct {
	XMLName                                  xml.Name          `xml:"CachePolicyConfig"`
	Xmlns                                    string            `xml:"xmlns,attr,omitempty"`
	Comment                                  *string           `xml:",omitempty"`
	Name                                     string            `xml:"Name"`
	DefaultTTL                               *int64            `xml:",omitempty"`
	MaxTTL                                   *int64            `xml:",omitempty"`
	MinTTL                                   *int64            `xml:",omitempty"`
	ParametersInCacheKeyAndForwardedToOrigin *cfCacheKeyParams `xml:",omitempty"`
}

// cfOriginRequestPolicyConfig is an OriginRequestPolicyConfig.
type cfOriginRequestPolicyConfig struct {
	XMLName            xml.Name              `xml:"OriginRequestPolicyConfig"`
	Xmlns              string                `xml:"xmlns,attr,omitempty"`
	Comment            *string               `xml:",omitempty"`
	Name               string                `xml:"Name"`
	HeadersConfig      *cfHeadersConfig      `xml:",omitempty"`
	CookiesConfig      *cfCookiesConfig      `xml:",omitempty"`
	QueryStringsConfig *cfQueryStringsConfig `xml:",omitempty"`
}

// cfManagedPolicyTime is the LastModifiedTime the managed policies report.
var cfManagedPolicyTime = time.Date(2020, 7, 22, 0, 0, 0, 0, time.UTC)

// cfManagedETag is the ETag of a managed policy: it never changes.
func cfManagedETag(id string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return "E" + strconv.FormatUint(uint64(h), 36) + "MANAGED"
}

func cfHeaders(behavior string, names ...string) *cfHeadersConfig {
	c := &cfHeadersConfig{HeaderBehavior: behavior}
	if behavior != "none" && behavior != "allViewer" {
		c.Headers = cfNames(names...)
	}
	return c
}

func cfCookies(behavior string) *cfCookiesConfig { return &cfCookiesConfig{CookieBehavior: behavior} }

func cfQueryStrings(behavior string, names ...string) *cfQueryStringsConfig {
	c := &cfQueryStringsConfig{QueryStringBehavior: behavior}
	if len(names) > 0 {
		c.QueryStrings = cfNames(names...)
	}
	return c
}

// managedPolicy is an AWS managed policy of one kind.
type managedPolicy[C any] struct {
	id  string
	cfg C
}

// cfManagedCachePolicies returns the AWS managed cache policies in the
// order ListCachePolicies returns them. UseOriginCacheControlHeaders and
// UseOriginCacheControlHeaders-QueryStrings are, unlike the older ones,
// named without the Managed- prefix.
func cfManagedCachePolicies() []managedPolicy[cfCachePolicyConfig] {
	const year = 31536000
	p := func(id, name, comment string, minTTL, defTTL, maxTTL int64, gzip, brotli bool,
		h *cfHeadersConfig, c *cfCookiesConfig, q *cfQueryStringsConfig) managedPolicy[cfCachePolicyConfig] {
		return managedPolicy[cfCachePolicyConfig]{id: id, cfg: cfCachePolicyConfig{
			Comment: &comment, Name: name, DefaultTTL: &defTTL, MaxTTL: &maxTTL, MinTTL: &minTTL,
			ParametersInCacheKeyAndForwardedToOrigin: &cfCacheKeyParams{
				EnableAcceptEncodingGzip: &gzip, EnableAcceptEncodingBrotli: &brotli,
				HeadersConfig: h, CookiesConfig: c, QueryStringsConfig: q,
			},
		}}
	}
	return []managedPolicy[cfCachePolicyConfig]{
		p("2e54312d-136d-493c-8eb9-b001f22f67d2", "Managed-Amplify", "Policy for Amplify Origin",
			2, 2, 600, true, true,
			cfHeaders("whitelist", "Authorization", "CloudFront-Viewer-Country", "Host"), cfCookies("all"), cfQueryStrings("all")),
		p("4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "Managed-CachingDisabled", "Policy with caching disabled",
			0, 0, 0, false, false,
			cfHeaders("none"), cfCookies("none"), cfQueryStrings("none")),
		p("658327ea-f89d-4fab-a63d-7e88639e58f6", "Managed-CachingOptimized", "Policy with caching enabled. Supports Gzip and Brotli compression.",
			1, 86400, year, true, true,
			cfHeaders("none"), cfCookies("none"), cfQueryStrings("none")),
		p("b2884449-e4de-46a7-ac36-70bc7f1ddd6d", "Managed-CachingOptimizedForUncompressedObjects", "Default policy when compression is disabled",
			1, 86400, year, false, false,
			cfHeaders("none"), cfCookies("none"), cfQueryStrings("none")),
		p("08627262-05a9-4f76-9ded-b50ca2e3a84f", "Managed-Elemental-MediaPackage", "Policy for Elemental MediaPackage Origin",
			0, 86400, year, true, false,
			cfHeaders("whitelist", "origin"), cfCookies("none"), cfQueryStrings("whitelist", "aws.manifestfilter", "start", "end", "m")),
		p("83da9c7e-98b4-4e11-a168-04f0df8e2c65", "UseOriginCacheControlHeaders", "Policy for origins that return Cache-Control headers. Query strings are not included in the cache key.",
			0, 0, year, true, true,
			cfHeaders("whitelist", "host", "origin", "x-http-method-override", "x-http-method", "x-method-override"), cfCookies("all"), cfQueryStrings("none")),
		p("4cc15a8a-d715-48a4-82b8-cc0b614638fe", "UseOriginCacheControlHeaders-QueryStrings", "Policy for origins that return Cache-Control headers and serve different content based on values present in the query string.",
			0, 0, year, true, true,
			cfHeaders("whitelist", "host", "origin", "x-http-method-override", "x-http-method", "x-method-override"), cfCookies("all"), cfQueryStrings("all")),
	}
}

// cfManagedOriginRequestPolicies returns the AWS managed origin request
// policies in list order. The guide gives no comment for
// AllViewerAndCloudFrontHeaders-2022-06 and HostHeaderOnly, so they have
// none here.
func cfManagedOriginRequestPolicies() []managedPolicy[cfOriginRequestPolicyConfig] {
	p := func(id, name, comment string, h *cfHeadersConfig, c *cfCookiesConfig, q *cfQueryStringsConfig) managedPolicy[cfOriginRequestPolicyConfig] {
		cfg := cfOriginRequestPolicyConfig{Name: name, HeadersConfig: h, CookiesConfig: c, QueryStringsConfig: q}
		if comment != "" {
			cfg.Comment = &comment
		}
		return managedPolicy[cfOriginRequestPolicyConfig]{id: id, cfg: cfg}
	}
	return []managedPolicy[cfOriginRequestPolicyConfig]{
		p("216adef6-5c7f-47e4-b989-5492eafa07d3", "Managed-AllViewer", "Policy to forward all parameters in viewer requests",
			cfHeaders("allViewer"), cfCookies("all"), cfQueryStrings("all")),
		p("33f36d7e-f396-46d9-90e0-52428a34d9dc", "Managed-AllViewerAndCloudFrontHeaders-2022-06", "",
			cfHeaders("allViewerAndWhitelistCloudFront",
				"CloudFront-Forwarded-Proto", "CloudFront-Is-Android-Viewer", "CloudFront-Is-Desktop-Viewer",
				"CloudFront-Is-IOS-Viewer", "CloudFront-Is-Mobile-Viewer", "CloudFront-Is-SmartTV-Viewer",
				"CloudFront-Is-Tablet-Viewer", "CloudFront-Viewer-Address", "CloudFront-Viewer-ASN",
				"CloudFront-Viewer-City", "CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Name",
				"CloudFront-Viewer-Country-Region", "CloudFront-Viewer-Country-Region-Name",
				"CloudFront-Viewer-Http-Version", "CloudFront-Viewer-Latitude", "CloudFront-Viewer-Longitude",
				"CloudFront-Viewer-Metro-Code", "CloudFront-Viewer-Postal-Code", "CloudFront-Viewer-Time-Zone",
				"CloudFront-Viewer-TLS"),
			cfCookies("all"), cfQueryStrings("all")),
		p("b689b0a8-53d0-40ab-baf2-68738e2966ac", "Managed-AllViewerExceptHostHeader", "Policy to forward all parameters in viewer requests except for the Host header",
			cfHeaders("allExcept", "host"), cfCookies("all"), cfQueryStrings("all")),
		p("59781a5b-3903-41f3-afcb-af62929ccde1", "Managed-CORS-CustomOrigin", "Policy for Custom Origin CORS requests",
			cfHeaders("whitelist", "origin"), cfCookies("none"), cfQueryStrings("none")),
		p("88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", "Managed-CORS-S3Origin", "Policy for S3 origin with CORS",
			cfHeaders("whitelist", "origin", "access-control-request-headers", "access-control-request-method"), cfCookies("none"), cfQueryStrings("none")),
		p("775133bc-15f2-49f9-abea-afb2e0bf67d2", "Managed-Elemental-MediaTailor-PersonalizedManifests", "Policy for Elemental MediaTailor Personalized Manifests",
			cfHeaders("whitelist", "origin", "access-control-request-headers", "x-forwarded-for", "access-control-request-method", "user-agent"), cfCookies("none"), cfQueryStrings("all")),
		p("bf0718e1-ba1e-49d1-88b1-f726733018ae", "Managed-HostHeaderOnly", "",
			cfHeaders("whitelist", "host"), cfCookies("none"), cfQueryStrings("none")),
		p("acba4595-bd28-49b8-b9fe-13317c0390fa", "Managed-UserAgentRefererHeaders", "Policy for forwarding user-agent and referer headers",
			cfHeaders("whitelist", "user-agent", "referer"), cfCookies("none"), cfQueryStrings("none")),
	}
}
