package cloudfront

import (
	"encoding/xml"
	"slices"
	"strings"
)

// Response headers policies: the headers CloudFront adds to or removes
// from its responses (CORS, security headers, custom headers,
// Server-Timing, removed headers).

type rhpHeaderList struct {
	Quantity int
	Items    *struct {
		Header []string `xml:"Header"`
	} `xml:",omitempty"`
}

type rhpMethodList struct {
	Quantity int
	Items    *struct {
		Method []string `xml:"Method"`
	} `xml:",omitempty"`
}

type rhpOriginList struct {
	Quantity int
	Items    *struct {
		Origin []string `xml:"Origin"`
	} `xml:",omitempty"`
}

type rhpCorsConfig struct {
	AccessControlAllowOrigins     *rhpOriginList `xml:",omitempty"`
	AccessControlAllowHeaders     *rhpHeaderList `xml:",omitempty"`
	AccessControlAllowMethods     *rhpMethodList `xml:",omitempty"`
	AccessControlAllowCredentials *bool          `xml:",omitempty"`
	AccessControlExposeHeaders    *rhpHeaderList `xml:",omitempty"`
	AccessControlMaxAgeSec        *int           `xml:",omitempty"`
	OriginOverride                *bool          `xml:",omitempty"`
}

type rhpXSSProtection struct {
	Override   *bool   `xml:",omitempty"`
	Protection *bool   `xml:",omitempty"`
	ModeBlock  *bool   `xml:",omitempty"`
	ReportUri  *string `xml:",omitempty"`
}

type rhpFrameOptions struct {
	Override    *bool   `xml:",omitempty"`
	FrameOption *string `xml:",omitempty"`
}

type rhpReferrerPolicy struct {
	Override       *bool   `xml:",omitempty"`
	ReferrerPolicy *string `xml:",omitempty"`
}

type rhpContentSecurityPolicy struct {
	Override              *bool   `xml:",omitempty"`
	ContentSecurityPolicy *string `xml:",omitempty"`
}

type rhpContentTypeOptions struct {
	Override *bool `xml:",omitempty"`
}

type rhpStrictTransportSecurity struct {
	Override               *bool `xml:",omitempty"`
	IncludeSubdomains      *bool `xml:",omitempty"`
	Preload                *bool `xml:",omitempty"`
	AccessControlMaxAgeSec *int  `xml:",omitempty"`
}

type rhpSecurityHeadersConfig struct {
	XSSProtection           *rhpXSSProtection           `xml:",omitempty"`
	FrameOptions            *rhpFrameOptions            `xml:",omitempty"`
	ReferrerPolicy          *rhpReferrerPolicy          `xml:",omitempty"`
	ContentSecurityPolicy   *rhpContentSecurityPolicy   `xml:",omitempty"`
	ContentTypeOptions      *rhpContentTypeOptions      `xml:",omitempty"`
	StrictTransportSecurity *rhpStrictTransportSecurity `xml:",omitempty"`
}

type rhpServerTiming struct {
	Enabled      *bool    `xml:",omitempty"`
	SamplingRate *float64 `xml:",omitempty"`
}

type rhpCustomHeader struct {
	Header   string
	Value    string
	Override *bool `xml:",omitempty"`
}

type rhpCustomHeadersConfig struct {
	Quantity int
	Items    *struct {
		Headers []rhpCustomHeader `xml:"ResponseHeadersPolicyCustomHeader"`
	} `xml:",omitempty"`
}

type rhpRemoveHeader struct {
	Header string
}

type rhpRemoveHeadersConfig struct {
	Quantity int
	Items    *struct {
		Headers []rhpRemoveHeader `xml:"ResponseHeadersPolicyRemoveHeader"`
	} `xml:",omitempty"`
}

// cfResponseHeadersPolicyConfig is a ResponseHeadersPolicyConfig.
type cfResponseHeadersPolicyConfig struct {
	XMLName                   xml.Name                  `xml:"ResponseHeadersPolicyConfig"`
	Xmlns                     string                    `xml:"xmlns,attr,omitempty"`
	Comment                   *string                   `xml:",omitempty"`
	Name                      string                    `xml:"Name"`
	CorsConfig                *rhpCorsConfig            `xml:",omitempty"`
	SecurityHeadersConfig     *rhpSecurityHeadersConfig `xml:",omitempty"`
	ServerTimingHeadersConfig *rhpServerTiming          `xml:",omitempty"`
	CustomHeadersConfig       *rhpCustomHeadersConfig   `xml:",omitempty"`
	RemoveHeadersConfig       *rhpRemoveHeadersConfig   `xml:",omitempty"`
}

func ptr[T any](v T) *T { return &v }

// checkResponseHeadersPolicy checks the members the API reference marks
// required and the values it enumerates.
func checkResponseHeadersPolicy(c *cfResponseHeadersPolicyConfig) *cfError {
	if err := checkPolicyNameComment(c.Name, c.Comment); err != nil {
		return err
	}
	if cors := c.CorsConfig; cors != nil {
		switch {
		case cors.AccessControlAllowOrigins == nil:
			return cfInvalidArgument("The parameter AccessControlAllowOrigins is required.")
		case cors.AccessControlAllowHeaders == nil:
			return cfInvalidArgument("The parameter AccessControlAllowHeaders is required.")
		case cors.AccessControlAllowMethods == nil:
			return cfInvalidArgument("The parameter AccessControlAllowMethods is required.")
		case cors.AccessControlAllowCredentials == nil:
			return cfInvalidArgument("The parameter AccessControlAllowCredentials is required.")
		case cors.OriginOverride == nil:
			return cfInvalidArgument("The parameter OriginOverride is required.")
		}
		if cors.AccessControlAllowMethods.Items != nil {
			for _, m := range cors.AccessControlAllowMethods.Items.Method {
				if !slices.Contains([]string{"GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "HEAD", "ALL"}, m) {
					return cfInvalidArgument("AccessControlAllowMethods: %q is not one of GET, POST, OPTIONS, PUT, DELETE, PATCH, HEAD, ALL.", m)
				}
			}
		}
	}
	if s := c.SecurityHeadersConfig; s != nil {
		if x := s.XSSProtection; x != nil {
			if x.Override == nil || x.Protection == nil {
				return cfInvalidArgument("XSSProtection requires Override and Protection.")
			}
			if x.ModeBlock != nil && *x.ModeBlock && x.ReportUri != nil && *x.ReportUri != "" {
				return cfInvalidArgument("XSSProtection: you cannot specify a ReportUri when ModeBlock is true.")
			}
		}
		if f := s.FrameOptions; f != nil {
			if f.Override == nil || f.FrameOption == nil {
				return cfInvalidArgument("FrameOptions requires Override and FrameOption.")
			}
			if *f.FrameOption != "DENY" && *f.FrameOption != "SAMEORIGIN" {
				return cfInvalidArgument("FrameOption must be DENY or SAMEORIGIN, got %q.", *f.FrameOption)
			}
		}
		if r := s.ReferrerPolicy; r != nil {
			if r.Override == nil || r.ReferrerPolicy == nil {
				return cfInvalidArgument("ReferrerPolicy requires Override and ReferrerPolicy.")
			}
			if !slices.Contains([]string{"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
				"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"}, *r.ReferrerPolicy) {
				return cfInvalidArgument("ReferrerPolicy %q is not valid.", *r.ReferrerPolicy)
			}
		}
		if p := s.ContentSecurityPolicy; p != nil && (p.Override == nil || p.ContentSecurityPolicy == nil) {
			return cfInvalidArgument("ContentSecurityPolicy requires Override and ContentSecurityPolicy.")
		}
		if o := s.ContentTypeOptions; o != nil && o.Override == nil {
			return cfInvalidArgument("ContentTypeOptions requires Override.")
		}
		if h := s.StrictTransportSecurity; h != nil && (h.Override == nil || h.AccessControlMaxAgeSec == nil) {
			return cfInvalidArgument("StrictTransportSecurity requires Override and AccessControlMaxAgeSec.")
		}
	}
	if t := c.ServerTimingHeadersConfig; t != nil {
		if t.Enabled == nil {
			return cfInvalidArgument("The parameter ServerTimingHeadersConfig.Enabled is required.")
		}
		if t.SamplingRate != nil && (*t.SamplingRate < 0 || *t.SamplingRate > 100) {
			return cfInvalidArgument("SamplingRate must be from 0 to 100, got %v.", *t.SamplingRate)
		}
	}
	if h := c.CustomHeadersConfig; h != nil && h.Items != nil {
		for _, ch := range h.Items.Headers {
			if strings.TrimSpace(ch.Header) == "" || ch.Override == nil {
				return cfInvalidArgument("Every custom header requires Header, Value and Override.")
			}
		}
	}
	if h := c.RemoveHeadersConfig; h != nil && h.Items != nil {
		for _, rh := range h.Items.Headers {
			if strings.TrimSpace(rh.Header) == "" {
				return cfInvalidArgument("Every removed header requires Header.")
			}
		}
	}
	return nil
}

// cfManagedResponseHeadersPolicies returns the AWS managed response
// headers policies, with the IDs and settings the CloudFront Developer
// Guide lists ("Use managed response headers policies"); the guide gives
// them no comments.
func cfManagedResponseHeadersPolicies() []managedPolicy[cfResponseHeadersPolicyConfig] {
	no, yes := false, true
	simpleCORS := func() *rhpCorsConfig {
		return &rhpCorsConfig{
			AccessControlAllowOrigins: &rhpOriginList{Quantity: 1, Items: &struct {
				Origin []string `xml:"Origin"`
			}{[]string{"*"}}},
			AccessControlAllowHeaders:     &rhpHeaderList{},
			AccessControlAllowMethods:     &rhpMethodList{},
			AccessControlAllowCredentials: &no,
			OriginOverride:                &no,
		}
	}
	preflightCORS := func() *rhpCorsConfig {
		c := simpleCORS()
		c.AccessControlAllowHeaders = &rhpHeaderList{Quantity: 1, Items: &struct {
			Header []string `xml:"Header"`
		}{[]string{"*"}}}
		methods := []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}
		c.AccessControlAllowMethods = &rhpMethodList{Quantity: len(methods), Items: &struct {
			Method []string `xml:"Method"`
		}{methods}}
		c.AccessControlExposeHeaders = &rhpHeaderList{Quantity: 1, Items: &struct {
			Header []string `xml:"Header"`
		}{[]string{"*"}}}
		return c
	}
	security := func() *rhpSecurityHeadersConfig {
		return &rhpSecurityHeadersConfig{
			XSSProtection:           &rhpXSSProtection{Override: &no, Protection: &yes, ModeBlock: &yes},
			FrameOptions:            &rhpFrameOptions{Override: &no, FrameOption: ptr("SAMEORIGIN")},
			ReferrerPolicy:          &rhpReferrerPolicy{Override: &no, ReferrerPolicy: ptr("strict-origin-when-cross-origin")},
			ContentTypeOptions:      &rhpContentTypeOptions{Override: &yes},
			StrictTransportSecurity: &rhpStrictTransportSecurity{Override: &no, IncludeSubdomains: &no, Preload: &no, AccessControlMaxAgeSec: ptr(31536000)},
		}
	}
	p := func(id, name string, cors *rhpCorsConfig, sec *rhpSecurityHeadersConfig) managedPolicy[cfResponseHeadersPolicyConfig] {
		return managedPolicy[cfResponseHeadersPolicyConfig]{id: id, cfg: cfResponseHeadersPolicyConfig{Name: name, CorsConfig: cors, SecurityHeadersConfig: sec}}
	}
	return []managedPolicy[cfResponseHeadersPolicyConfig]{
		p("e61eb60c-9c35-4d20-a928-2b84e02af89c", "Managed-CORS-and-SecurityHeadersPolicy", simpleCORS(), security()),
		p("5cc3b908-e619-4b99-88e5-2cf7f45965bd", "Managed-CORS-With-Preflight", preflightCORS(), nil),
		p("eaab4381-ed33-4a86-88ca-d9558dc6cd63", "Managed-CORS-with-preflight-and-SecurityHeadersPolicy", preflightCORS(), security()),
		p("67f7725c-6f97-4210-82d7-5512b31e9d03", "Managed-SecurityHeadersPolicy", nil, security()),
		p("60669652-455b-4ae9-85a4-c4c02393f86c", "Managed-SimpleCORS", simpleCORS(), nil),
	}
}
