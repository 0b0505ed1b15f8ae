package cloudfront

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// distConfig is a stored DistributionConfig. The child elements are kept as
// the raw XML the client sent, so that GetDistributionConfig returns exactly
// what was stored, including elements the emulator does not model; the
// fields below are parsed from them for validation and lookups.
type distConfig struct {
	children []cfRawElement
	inner    []byte // the children serialised, ready to embed

	callerRef string
	enabled   bool
	staging   bool
	aliases   []string
	behaviors []cfBehavior // the default cache behavior first
	oacIDs    []string     // the origin access controls its origins use
}

// cfBehavior is the part of a cache behavior the emulator looks at.
type cfBehavior struct {
	pathPattern           string // empty for the default cache behavior
	rtlcARN               string
	cachePolicy           string // CachePolicyId, if any
	originRequestPolicy   string // OriginRequestPolicyId, if any
	responseHeadersPolicy string // ResponseHeadersPolicyId, if any
}

// cfRawElement is one child element kept verbatim.
type cfRawElement struct {
	XMLName xml.Name
	Inner   []byte `xml:",innerxml"`
}

// cfRawDocument is a document whose children are kept verbatim.
type cfRawDocument struct {
	XMLName  xml.Name
	Children []cfRawElement `xml:",any"`
}

// child returns the inner XML of the first child element called name.
func (d *distConfig) child(name string) ([]byte, bool) {
	for _, c := range d.children {
		if c.XMLName.Local == name {
			return c.Inner, true
		}
	}
	return nil, false
}

// usesRealtimeLogConfig reports whether any cache behavior logs to arn.
func (d *distConfig) usesRealtimeLogConfig(arn string) bool {
	for _, b := range d.behaviors {
		if b.rtlcARN == arn {
			return true
		}
	}
	return false
}

// configFields is what parseDistributionConfig reads from a config.
type configFields struct {
	CallerReference *string
	Aliases         struct {
		Items []string `xml:"Items>CNAME"`
	}
	Origins *struct {
		Items []struct {
			Id                    string
			DomainName            string
			OriginAccessControlId string
		} `xml:"Items>Origin"`
	}
	OriginGroups struct {
		Items []struct{ Id string } `xml:"Items>OriginGroup"`
	}
	DefaultCacheBehavior *behaviorFields
	CacheBehaviors       struct {
		Items []behaviorFields `xml:"Items>CacheBehavior"`
	}
	Comment *string
	Enabled *string
	Staging *string
}

type behaviorFields struct {
	PathPattern             *string
	TargetOriginId          *string
	ViewerProtocolPolicy    *string
	CachePolicyId           *string
	OriginRequestPolicyId   string
	ResponseHeadersPolicyId string
	ForwardedValues         *struct{}
	RealtimeLogConfigArn    string
}

// parseDistributionConfig parses and checks a DistributionConfig document
// on its own; checks against other resources are the caller's.
func parseDistributionConfig(body []byte) (*distConfig, *cfError) {
	var doc cfRawDocument
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, cfMalformedXML(err)
	}
	if doc.XMLName.Local != "DistributionConfig" || doc.XMLName.Space != cloudFrontNS {
		return nil, cfMalformedXML(fmt.Errorf("root element must be DistributionConfig in namespace %s, got %s in %q",
			cloudFrontNS, doc.XMLName.Local, doc.XMLName.Space))
	}
	if err := checkQuantities(body); err != nil {
		return nil, err
	}
	var f configFields
	if err := xml.Unmarshal(body, &f); err != nil {
		return nil, cfMalformedXML(err)
	}
	cfg := &distConfig{children: withConfigDefaults(doc.Children)}
	var buf bytes.Buffer
	for _, c := range cfg.children {
		cfWriteRaw(&buf, c.XMLName.Local, c.Inner)
	}
	cfg.inner = buf.Bytes()
	if err := cfg.fill(&f); err != nil {
		return nil, err
	}
	return cfg, nil
}

// fill checks the required members and copies what the emulator uses.
func (d *distConfig) fill(f *configFields) *cfError {
	if f.CallerReference == nil || strings.TrimSpace(*f.CallerReference) == "" {
		return cfInvalidArgument("The parameter CallerReference is required.")
	}
	d.callerRef = *f.CallerReference
	if f.Comment == nil {
		return cfInvalidArgument("The parameter Comment is required.")
	}
	var err *cfError
	if f.Enabled == nil {
		return cfInvalidArgument("The parameter Enabled is required.")
	}
	if d.enabled, err = cfParseBool("Enabled", *f.Enabled); err != nil {
		return err
	}
	if f.Staging != nil {
		if d.staging, err = cfParseBool("Staging", *f.Staging); err != nil {
			return err
		}
	}
	if f.Origins == nil || len(f.Origins.Items) == 0 {
		return cfInvalidArgument("The parameter Origins is required and must contain at least one origin.")
	}
	targets := map[string]bool{}
	for _, o := range f.Origins.Items {
		if o.Id == "" || o.DomainName == "" {
			return cfInvalidArgument("Every origin requires an Id and a DomainName.")
		}
		if targets[o.Id] {
			return cfInvalidArgument("The parameter Origin Id must be unique; %q is repeated.", o.Id)
		}
		targets[o.Id] = true
		if id := strings.TrimSpace(o.OriginAccessControlId); id != "" {
			d.oacIDs = append(d.oacIDs, id)
		}
	}
	for _, g := range f.OriginGroups.Items {
		targets[g.Id] = true
	}
	if f.DefaultCacheBehavior == nil {
		return cfInvalidArgument("The parameter DefaultCacheBehavior is required.")
	}
	all := append([]behaviorFields{*f.DefaultCacheBehavior}, f.CacheBehaviors.Items...)
	for i, b := range all {
		if i > 0 && (b.PathPattern == nil || *b.PathPattern == "") {
			return cfInvalidArgument("The parameter PathPattern is required in every cache behavior.")
		}
		if b.TargetOriginId == nil || *b.TargetOriginId == "" {
			return cfInvalidArgument("The parameter TargetOriginId is required.")
		}
		if b.ViewerProtocolPolicy == nil || *b.ViewerProtocolPolicy == "" {
			return cfInvalidArgument("The parameter ViewerProtocolPolicy is required.")
		}
		if (b.CachePolicyId == nil || *b.CachePolicyId == "") && b.ForwardedValues == nil {
			return cfInvalidArgument("The parameter ForwardedValues is required.")
		}
		if !targets[*b.TargetOriginId] {
			return cfErr(http.StatusNotFound, "NoSuchOrigin", "One or more of your origins or origin groups do not exist.")
		}
		bh := cfBehavior{rtlcARN: strings.TrimSpace(b.RealtimeLogConfigArn), originRequestPolicy: strings.TrimSpace(b.OriginRequestPolicyId),
			responseHeadersPolicy: strings.TrimSpace(b.ResponseHeadersPolicyId)}
		if b.CachePolicyId != nil {
			bh.cachePolicy = strings.TrimSpace(*b.CachePolicyId)
		}
		if b.PathPattern != nil && i > 0 {
			bh.pathPattern = *b.PathPattern
		}
		d.behaviors = append(d.behaviors, bh)
	}
	d.aliases = f.Aliases.Items
	return nil
}

// configDefaults are the optional DistributionConfig members CloudFront
// fills in when a request leaves them out, with the values it fills in
// (the API reference's defaults: no aliases, origin groups, ordered
// behaviors or custom error responses; logging off; all edge locations;
// the CloudFront certificate; no geo restriction; HTTP/2; no IPv6).
// GetDistribution and GetDistributionConfig return them, so clients that
// read every member (the Terraform AWS provider does) find them.
var configDefaults = []struct {
	name  string
	inner string
}{
	{"Aliases", "<Quantity>0</Quantity>"},
	{"DefaultRootObject", ""},
	{"OriginGroups", "<Quantity>0</Quantity>"},
	{"CacheBehaviors", "<Quantity>0</Quantity>"},
	{"CustomErrorResponses", "<Quantity>0</Quantity>"},
	{"Logging", "<Enabled>false</Enabled><IncludeCookies>false</IncludeCookies><Bucket></Bucket><Prefix></Prefix>"},
	{"PriceClass", "PriceClass_All"},
	{"ViewerCertificate", "<CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate>" +
		"<SSLSupportMethod>vip</SSLSupportMethod><MinimumProtocolVersion>TLSv1</MinimumProtocolVersion>" +
		"<CertificateSource>cloudfront</CertificateSource>"},
	{"Restrictions", "<GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction>"},
	{"WebACLId", ""},
	{"HttpVersion", "http2"},
	{"IsIPV6Enabled", "false"},
	{"Staging", "false"},
}

// withConfigDefaults returns the children a request sent, in its order,
// followed by the defaults of the optional members it left out.
func withConfigDefaults(children []cfRawElement) []cfRawElement {
	have := map[string]bool{}
	for _, c := range children {
		have[c.XMLName.Local] = true
	}
	out := children
	for _, d := range configDefaults {
		if !have[d.name] {
			out = append(out, cfRawElement{XMLName: xml.Name{Local: d.name}, Inner: []byte(d.inner)})
		}
	}
	return out
}

func cfParseBool(name, s string) (bool, *cfError) {
	switch strings.TrimSpace(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, cfMalformedXML(fmt.Errorf("%s must be true or false, got %q", name, s))
}

// checkQuantities walks a document and checks that every element with a
// Quantity child has exactly that many children in its Items child. It
// also rejects namespace prefixes, which the verbatim copies could not
// carry; no SDK sends them. Call it on well-formed XML only: it reads raw
// tokens.
func checkQuantities(body []byte) *cfError {
	type frame struct {
		name                  string
		text                  []byte
		children              int
		quantity, items       int
		hasQuantity, hasItems bool
	}
	var stack []*frame
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return cfMalformedXML(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != "" {
				return cfMalformedXML(fmt.Errorf("namespace prefix %q on %s is not supported", t.Name.Space, t.Name.Local))
			}
			if n := len(stack); n > 0 {
				stack[n-1].children++
			}
			stack = append(stack, &frame{name: t.Name.Local})
		case xml.CharData:
			if n := len(stack); n > 0 {
				stack[n-1].text = append(stack[n-1].text, t...)
			}
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				switch f.name {
				case "Quantity":
					q, err := strconv.Atoi(strings.TrimSpace(string(f.text)))
					if err != nil || q < 0 {
						return cfMalformedXML(fmt.Errorf("%s/Quantity must be a whole number, got %q", parent.name, f.text))
					}
					parent.quantity, parent.hasQuantity = q, true
				case "Items":
					parent.items, parent.hasItems = f.children, true
				}
			}
			if f.hasQuantity && f.items != f.quantity {
				return cfErr(http.StatusBadRequest, "InconsistentQuantities",
					"The value of %s.Quantity (%d) and the size of %s.Items (%d) don't match.", f.name, f.quantity, f.name, f.items)
			}
		}
	}
}

// cfWriteRaw writes <name>inner</name>.
func cfWriteRaw(buf *bytes.Buffer, name string, inner []byte) {
	buf.WriteString("<" + name + ">")
	buf.Write(inner)
	buf.WriteString("</" + name + ">")
}

// cfWriteText writes <name>text</name> with text escaped.
func cfWriteText(buf *bytes.Buffer, name, text string) {
	buf.WriteString("<" + name + ">")
	_ = xml.EscapeText(buf, []byte(text))
	buf.WriteString("</" + name + ">")
}
