package cloudfront

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// The AWS managed cache and origin request policies, with the IDs and
// settings the CloudFront Developer Guide lists ("Use managed cache
// policies", "Use managed origin request policies"). Every account sees
// them; they cannot be changed or deleted. Custom policies are not
// emulated.

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
	EnableAcceptEncodingGzip   bool
	EnableAcceptEncodingBrotli bool
	HeadersConfig              cfHeadersConfig
	CookiesConfig              cfCookiesConfig
	QueryStringsConfig         cfQueryStringsConfig
}

type cfCachePolicyConfig struct {
	Comment                                  string
	Name                                     string
	DefaultTTL                               int64
	MaxTTL                                   int64
	MinTTL                                   int64
	ParametersInCacheKeyAndForwardedToOrigin cfCacheKeyParams
}

type cfCachePolicy struct {
	Id                string
	LastModifiedTime  string
	CachePolicyConfig cfCachePolicyConfig
}

type cfOriginRequestPolicyConfig struct {
	Comment            string
	Name               string
	HeadersConfig      cfHeadersConfig
	CookiesConfig      cfCookiesConfig
	QueryStringsConfig cfQueryStringsConfig
}

type cfOriginRequestPolicy struct {
	Id                        string
	LastModifiedTime          string
	OriginRequestPolicyConfig cfOriginRequestPolicyConfig
}

// cfManagedPolicyTime is the LastModifiedTime the managed policies report.
var cfManagedPolicyTime = cfTime(time.Date(2020, 7, 22, 0, 0, 0, 0, time.UTC))

// cfManagedETag is the ETag of a managed policy: it never changes.
func cfManagedETag(id string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return "E" + strconv.FormatUint(uint64(h), 36) + "MANAGED"
}

func cfHeaders(behavior string, names ...string) cfHeadersConfig {
	c := cfHeadersConfig{HeaderBehavior: behavior}
	if behavior != "none" && behavior != "allViewer" {
		c.Headers = cfNames(names...)
	}
	return c
}

func cfCookies(behavior string) cfCookiesConfig { return cfCookiesConfig{CookieBehavior: behavior} }

func cfQueryStrings(behavior string, names ...string) cfQueryStringsConfig {
	c := cfQueryStringsConfig{QueryStringBehavior: behavior}
	if len(names) > 0 {
		c.QueryStrings = cfNames(names...)
	}
	return c
}

// cfManagedCachePolicies returns the AWS managed cache policies in the
// order ListCachePolicies returns them.
func cfManagedCachePolicies() []cfCachePolicy {
	const year = 31536000
	p := func(id, name, comment string, minTTL, defTTL, maxTTL int64, gzip, brotli bool,
		h cfHeadersConfig, c cfCookiesConfig, q cfQueryStringsConfig) cfCachePolicy {
		return cfCachePolicy{Id: id, LastModifiedTime: cfManagedPolicyTime, CachePolicyConfig: cfCachePolicyConfig{
			Comment: comment, Name: name, DefaultTTL: defTTL, MaxTTL: maxTTL, MinTTL: minTTL,
			ParametersInCacheKeyAndForwardedToOrigin: cfCacheKeyParams{
				EnableAcceptEncodingGzip: gzip, EnableAcceptEncodingBrotli: brotli,
				HeadersConfig: h, CookiesConfig: c, QueryStringsConfig: q,
			},
		}}
	}
	return []cfCachePolicy{
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
		p("83da9c7e-98b4-4e11-a168-04f0df8e2c65", "Managed-UseOriginCacheControlHeaders", "Policy for origins that return Cache-Control headers. Query strings are not included in the cache key.",
			0, 0, year, true, true,
			cfHeaders("whitelist", "host", "origin", "x-http-method-override", "x-http-method", "x-method-override"), cfCookies("all"), cfQueryStrings("none")),
		p("4cc15a8a-d715-48a4-82b8-cc0b614638fe", "Managed-UseOriginCacheControlHeaders-QueryStrings", "Policy for origins that return Cache-Control headers and serve different content based on values present in the query string.",
			0, 0, year, true, true,
			cfHeaders("whitelist", "host", "origin", "x-http-method-override", "x-http-method", "x-method-override"), cfCookies("all"), cfQueryStrings("all")),
	}
}

// cfManagedOriginRequestPolicies returns the AWS managed origin request
// policies the emulator knows, in list order.
func cfManagedOriginRequestPolicies() []cfOriginRequestPolicy {
	p := func(id, name, comment string, h cfHeadersConfig, c cfCookiesConfig, q cfQueryStringsConfig) cfOriginRequestPolicy {
		return cfOriginRequestPolicy{Id: id, LastModifiedTime: cfManagedPolicyTime, OriginRequestPolicyConfig: cfOriginRequestPolicyConfig{
			Comment: comment, Name: name, HeadersConfig: h, CookiesConfig: c, QueryStringsConfig: q,
		}}
	}
	return []cfOriginRequestPolicy{
		p("216adef6-5c7f-47e4-b989-5492eafa07d3", "Managed-AllViewer", "Policy to forward all parameters in viewer requests",
			cfHeaders("allViewer"), cfCookies("all"), cfQueryStrings("all")),
		p("b689b0a8-53d0-40ab-baf2-68738e2966ac", "Managed-AllViewerExceptHostHeader", "Policy to forward all parameters in viewer requests except for the Host header",
			cfHeaders("allExcept", "host"), cfCookies("all"), cfQueryStrings("all")),
		p("59781a5b-3903-41f3-afcb-af62929ccde1", "Managed-CORS-CustomOrigin", "Policy for Custom Origin CORS requests",
			cfHeaders("whitelist", "origin"), cfCookies("none"), cfQueryStrings("none")),
		p("88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", "Managed-CORS-S3Origin", "Policy for S3 origin with CORS",
			cfHeaders("whitelist", "origin", "access-control-request-headers", "access-control-request-method"), cfCookies("none"), cfQueryStrings("none")),
		p("775133bc-15f2-49f9-abea-afb2e0bf67d2", "Managed-Elemental-MediaTailor-PersonalizedManifests", "Policy for Elemental MediaTailor Personalized Manifests",
			cfHeaders("whitelist", "origin", "access-control-request-headers", "x-forwarded-for", "access-control-request-method", "user-agent"), cfCookies("none"), cfQueryStrings("all")),
		p("acba4595-bd28-49b8-b9fe-13317c0390fa", "Managed-UserAgentRefererHeaders", "Policy for forwarding user-agent and referer headers",
			cfHeaders("whitelist", "user-agent", "referer"), cfCookies("none"), cfQueryStrings("all")),
	}
}

// cfPolicyPage cuts one page out of n policies: the marker is the ID of
// the last policy of the previous page. It returns the start and end
// indexes and the next marker.
func cfPolicyPage(ids []string, marker, maxItems string) (start, end int, next string, err *cfError) {
	size, err := cfPageSize(maxItems)
	if err != nil {
		return 0, 0, "", err
	}
	if marker != "" {
		start = -1
		for i, id := range ids {
			if id == marker {
				start = i + 1
			}
		}
		if start < 0 {
			return 0, 0, "", cfInvalidArgument("The marker %q is not valid.", marker)
		}
	}
	end = min(start+size, len(ids))
	if end < len(ids) {
		next = ids[end-1]
	}
	return start, end, next, nil
}

// cfPolicyType reads the Type filter: managed, custom or none.
func cfPolicyType(s string) (managed bool, err *cfError) {
	switch s {
	case "", "managed":
		return true, nil
	case "custom":
		return false, nil
	}
	return false, cfInvalidArgument("Type must be managed or custom, got %q.", s)
}

type cachePolicyListXML struct {
	XMLName    xml.Name `xml:"CachePolicyList"`
	Xmlns      string   `xml:"xmlns,attr"`
	NextMarker string   `xml:",omitempty"`
	MaxItems   int
	Quantity   int
	Items      *struct {
		Summaries []cachePolicySummaryXML `xml:"CachePolicySummary"`
	} `xml:",omitempty"`
}

type cachePolicySummaryXML struct {
	Type        string
	CachePolicy cfCachePolicy
}

func (c *cloudFront) listCachePolicies(w http.ResponseWriter, q map[string][]string) *cfError {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	managed, err := cfPolicyType(get("Type"))
	if err != nil {
		return err
	}
	var all []cfCachePolicy
	if managed {
		all = cfManagedCachePolicies()
	}
	ids := make([]string, len(all))
	for i, p := range all {
		ids[i] = p.Id
	}
	start, end, next, err := cfPolicyPage(ids, get("Marker"), get("MaxItems"))
	if err != nil {
		return err
	}
	size, _ := cfPageSize(get("MaxItems"))
	out := cachePolicyListXML{Xmlns: cloudFrontNS, NextMarker: next, MaxItems: size, Quantity: end - start}
	if end > start {
		out.Items = &struct {
			Summaries []cachePolicySummaryXML `xml:"CachePolicySummary"`
		}{}
		for _, p := range all[start:end] {
			out.Items.Summaries = append(out.Items.Summaries, cachePolicySummaryXML{Type: "managed", CachePolicy: p})
		}
	}
	core.WriteXML(w, http.StatusOK, out)
	return nil
}

func (c *cloudFront) getCachePolicy(w http.ResponseWriter, id string, configOnly bool) *cfError {
	for _, p := range cfManagedCachePolicies() {
		if p.Id != id {
			continue
		}
		w.Header().Set("ETag", cfManagedETag(p.Id))
		if configOnly {
			core.WriteXML(w, http.StatusOK, struct {
				XMLName xml.Name `xml:"CachePolicyConfig"`
				Xmlns   string   `xml:"xmlns,attr"`
				cfCachePolicyConfig
			}{Xmlns: cloudFrontNS, cfCachePolicyConfig: p.CachePolicyConfig})
			return nil
		}
		core.WriteXML(w, http.StatusOK, struct {
			XMLName xml.Name `xml:"CachePolicy"`
			Xmlns   string   `xml:"xmlns,attr"`
			cfCachePolicy
		}{Xmlns: cloudFrontNS, cfCachePolicy: p})
		return nil
	}
	return cfErr(http.StatusNotFound, "NoSuchCachePolicy", "The cache policy does not exist.")
}

type originRequestPolicyListXML struct {
	XMLName    xml.Name `xml:"OriginRequestPolicyList"`
	Xmlns      string   `xml:"xmlns,attr"`
	NextMarker string   `xml:",omitempty"`
	MaxItems   int
	Quantity   int
	Items      *struct {
		Summaries []originRequestPolicySummaryXML `xml:"OriginRequestPolicySummary"`
	} `xml:",omitempty"`
}

type originRequestPolicySummaryXML struct {
	Type                string
	OriginRequestPolicy cfOriginRequestPolicy
}

func (c *cloudFront) listOriginRequestPolicies(w http.ResponseWriter, q map[string][]string) *cfError {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	managed, err := cfPolicyType(get("Type"))
	if err != nil {
		return err
	}
	var all []cfOriginRequestPolicy
	if managed {
		all = cfManagedOriginRequestPolicies()
	}
	ids := make([]string, len(all))
	for i, p := range all {
		ids[i] = p.Id
	}
	start, end, next, err := cfPolicyPage(ids, get("Marker"), get("MaxItems"))
	if err != nil {
		return err
	}
	size, _ := cfPageSize(get("MaxItems"))
	out := originRequestPolicyListXML{Xmlns: cloudFrontNS, NextMarker: next, MaxItems: size, Quantity: end - start}
	if end > start {
		out.Items = &struct {
			Summaries []originRequestPolicySummaryXML `xml:"OriginRequestPolicySummary"`
		}{}
		for _, p := range all[start:end] {
			out.Items.Summaries = append(out.Items.Summaries, originRequestPolicySummaryXML{Type: "managed", OriginRequestPolicy: p})
		}
	}
	core.WriteXML(w, http.StatusOK, out)
	return nil
}

func (c *cloudFront) getOriginRequestPolicy(w http.ResponseWriter, id string, configOnly bool) *cfError {
	for _, p := range cfManagedOriginRequestPolicies() {
		if p.Id != id {
			continue
		}
		w.Header().Set("ETag", cfManagedETag(p.Id))
		if configOnly {
			core.WriteXML(w, http.StatusOK, struct {
				XMLName xml.Name `xml:"OriginRequestPolicyConfig"`
				Xmlns   string   `xml:"xmlns,attr"`
				cfOriginRequestPolicyConfig
			}{Xmlns: cloudFrontNS, cfOriginRequestPolicyConfig: p.OriginRequestPolicyConfig})
			return nil
		}
		core.WriteXML(w, http.StatusOK, struct {
			XMLName xml.Name `xml:"OriginRequestPolicy"`
			Xmlns   string   `xml:"xmlns,attr"`
			cfOriginRequestPolicy
		}{Xmlns: cloudFrontNS, cfOriginRequestPolicy: p})
		return nil
	}
	return cfErr(http.StatusNotFound, "NoSuchOriginRequestPolicy", "The origin request policy does not exist.")
}

// cfManagedPolicyExists reports whether id is a managed cache policy
// (cache true) or origin request policy (cache false).
func cfManagedPolicyExists(id string, cache bool) bool {
	if cache {
		for _, p := range cfManagedCachePolicies() {
			if p.Id == id {
				return true
			}
		}
		return false
	}
	for _, p := range cfManagedOriginRequestPolicies() {
		if p.Id == id {
			return true
		}
	}
	return false
}
