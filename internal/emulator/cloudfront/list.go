package cloudfront

import (
	"bytes"
	"encoding/xml"
	"net/http"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

type distributionListXML struct {
	XMLName     xml.Name `xml:"DistributionList"`
	Xmlns       string   `xml:"xmlns,attr"`
	Marker      string
	NextMarker  string `xml:",omitempty"`
	MaxItems    int
	IsTruncated bool
	Quantity    int
	Items       *summaryItemsXML `xml:",omitempty"`
}

type summaryItemsXML struct {
	Summaries []summaryXML `xml:"DistributionSummary"`
}

type summaryXML struct {
	Id               string
	ARN              string
	ETag             string
	Status           string
	LastModifiedTime string
	DomainName       string
	Rest             []byte `xml:",innerxml"`
}

// summaryElement is an element of DistributionSummary copied from the
// config, with the inner XML to use when the config lacks it (nil: omit).
type summaryElement struct {
	name     string
	fallback []byte
}

// summaryElements are the DistributionSummary members copied from the
// config, in the model's order; AliasICPRecordals goes before Staging.
var summaryElements = []summaryElement{
	{"Aliases", []byte("<Quantity>0</Quantity>")},
	{"Origins", nil},
	{"OriginGroups", []byte("<Quantity>0</Quantity>")},
	{"DefaultCacheBehavior", nil},
	{"CacheBehaviors", []byte("<Quantity>0</Quantity>")},
	{"CustomErrorResponses", []byte("<Quantity>0</Quantity>")},
	{"Comment", []byte{}},
	{"PriceClass", []byte("PriceClass_All")},
	{"Enabled", nil},
	{"ViewerCertificate", []byte("<CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate>" +
		"<SSLSupportMethod>vip</SSLSupportMethod><MinimumProtocolVersion>TLSv1</MinimumProtocolVersion>" +
		"<CertificateSource>cloudfront</CertificateSource>")},
	{"Restrictions", []byte("<GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction>")},
	{"WebACLId", []byte{}},
	{"HttpVersion", []byte("http2")},
	{"IsIPV6Enabled", []byte("false")},
	{"AliasICPRecordals", nil}, // computed
	{"Staging", []byte("false")},
	{"AnycastIpListId", nil},
	{"ConnectionMode", nil},
	{"ViewerMtlsConfig", nil},
	{"ConnectionFunctionAssociation", nil},
}

func (c *cloudFront) summary(d *distribution) summaryXML {
	var buf bytes.Buffer
	for _, e := range summaryElements {
		if e.name == "AliasICPRecordals" {
			if icp := aliasICPRecordals(d.cfg.aliases); icp != nil {
				cfWriteRaw(&buf, e.name, icp)
			}
			continue
		}
		if inner, ok := d.cfg.child(e.name); ok {
			cfWriteRaw(&buf, e.name, inner)
		} else if e.fallback != nil {
			cfWriteRaw(&buf, e.name, e.fallback)
		}
	}
	return summaryXML{
		Id:               d.id,
		ARN:              d.arn,
		ETag:             d.etag,
		Status:           c.status(d),
		LastModifiedTime: cfTime(d.lastModified),
		DomainName:       d.domain,
		Rest:             buf.Bytes(),
	}
}

// listPage writes one page of the distributions that keep returns true
// for, in creation order, starting after the distribution marker names.
// Call with c.mu held.
func (c *cloudFront) listPage(w http.ResponseWriter, marker, maxItems string, keep func(*distribution) bool) *cfError {
	n, err := cfPageSize(maxItems)
	if err != nil {
		return err
	}
	var after int64
	if marker != "" {
		seq, ok := c.seqByID[marker]
		if !ok {
			return cfInvalidArgument("The marker %q is not valid.", marker)
		}
		after = seq
	}
	out := distributionListXML{Xmlns: cloudFrontNS, Marker: marker, MaxItems: n}
	var page []summaryXML
	for _, d := range c.order {
		if d.seq <= after || !keep(d) {
			continue
		}
		if len(page) == n {
			out.IsTruncated = true
			out.NextMarker = page[n-1].Id
			break
		}
		page = append(page, c.summary(d))
	}
	out.Quantity = len(page)
	if len(page) > 0 {
		out.Items = &summaryItemsXML{page}
	}
	core.WriteXML(w, http.StatusOK, out)
	return nil
}

func (c *cloudFront) listDistributions(w http.ResponseWriter, marker, maxItems string) *cfError {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.listPage(w, marker, maxItems, func(*distribution) bool { return true })
}

type listByRealtimeLogConfigRequest struct {
	XMLName               xml.Name
	Marker                string
	MaxItems              string
	RealtimeLogConfigName string
	RealtimeLogConfigArn  string
}

func (c *cloudFront) listDistributionsByRealtimeLogConfig(w http.ResponseWriter, r *http.Request) *cfError {
	var req listByRealtimeLogConfigRequest
	if err := cfReadRequest(r, "ListDistributionsByRealtimeLogConfigRequest", &req); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var arn string
	switch {
	case req.RealtimeLogConfigName != "":
		if l, ok := c.rlcs[req.RealtimeLogConfigName]; ok {
			arn = l.ARN
		}
	case req.RealtimeLogConfigArn != "":
		arn = req.RealtimeLogConfigArn
	default:
		return cfInvalidArgument("You must provide RealtimeLogConfigName or RealtimeLogConfigArn.")
	}
	return c.listPage(w, req.Marker, req.MaxItems, func(d *distribution) bool {
		return arn != "" && d.cfg.usesRealtimeLogConfig(arn)
	})
}
