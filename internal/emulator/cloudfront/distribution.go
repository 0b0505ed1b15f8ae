package cloudfront

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// distribution is a stored distribution.
type distribution struct {
	id, arn, domain, etag string
	seq                   int64
	lastModified          time.Time
	cfg                   *distConfig
	tags                  map[string]string
}

// status is InProgress until DeployDelay has passed since the last change.
func (c *cloudFront) status(d *distribution) string {
	if c.s.Now().Before(d.lastModified.Add(c.s.Options().DeployDelay)) {
		return "InProgress"
	}
	return "Deployed"
}

type cfRawXML struct {
	Inner []byte `xml:",innerxml"`
}

type activeTrustedXML struct {
	Enabled  bool
	Quantity int
}

type distributionXML struct {
	XMLName                       xml.Name `xml:"Distribution"`
	Xmlns                         string   `xml:"xmlns,attr"`
	Id                            string
	ARN                           string
	Status                        string
	LastModifiedTime              string
	InProgressInvalidationBatches int
	DomainName                    string
	ActiveTrustedSigners          activeTrustedXML
	ActiveTrustedKeyGroups        activeTrustedXML
	DistributionConfig            cfRawXML
	AliasICPRecordals             *cfRawXML `xml:",omitempty"`
}

type distConfigXML struct {
	XMLName xml.Name `xml:"DistributionConfig"`
	Xmlns   string   `xml:"xmlns,attr"`
	Inner   []byte   `xml:",innerxml"`
}

func (c *cloudFront) distributionXML(d *distribution) distributionXML {
	out := distributionXML{
		Xmlns:              cloudFrontNS,
		Id:                 d.id,
		ARN:                d.arn,
		Status:             c.status(d),
		LastModifiedTime:   cfTime(d.lastModified),
		DomainName:         d.domain,
		DistributionConfig: cfRawXML{d.cfg.inner},
	}
	if icp := aliasICPRecordals(d.cfg.aliases); icp != nil {
		out.AliasICPRecordals = &cfRawXML{icp}
	}
	return out
}

// aliasICPRecordals lists every alias as APPROVED, as CloudFront does
// outside China; nil when there are no aliases.
func aliasICPRecordals(aliases []string) []byte {
	if len(aliases) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, a := range aliases {
		buf.WriteString("<AliasICPRecordal>")
		cfWriteText(&buf, "CNAME", a)
		cfWriteText(&buf, "ICPRecordalStatus", "APPROVED")
		buf.WriteString("</AliasICPRecordal>")
	}
	return buf.Bytes()
}

func writeDistribution(w http.ResponseWriter, status int, d *distribution, body distributionXML) {
	w.Header().Set("ETag", d.etag)
	core.WriteXML(w, status, body)
}

func (c *cloudFront) createDistribution(w http.ResponseWriter, r *http.Request, rc *core.Request) *cfError {
	body, err := cfReadBody(r)
	if err != nil {
		return err
	}
	return c.create(w, rc, body, nil)
}

// createDistributionWithTags is CreateDistributionWithTags: a config and
// its tags in one DistributionConfigWithTags document.
func (c *cloudFront) createDistributionWithTags(w http.ResponseWriter, r *http.Request, rc *core.Request) *cfError {
	body, err := cfReadBody(r)
	if err != nil {
		return err
	}
	cfgBody, tags, err := splitConfigWithTags(body)
	if err != nil {
		return err
	}
	return c.create(w, rc, cfgBody, tags)
}

// create stores a new distribution from a DistributionConfig document.
func (c *cloudFront) create(w http.ResponseWriter, rc *core.Request, body []byte, tags []cfTagXML) *cfError {
	cfg, err := parseDistributionConfig(body)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkReferences(cfg, rc, ""); err != nil {
		return err
	}
	for _, d := range c.order {
		if d.cfg.callerRef == cfg.callerRef {
			return cfErr(http.StatusConflict, "DistributionAlreadyExists",
				"The caller reference that you are using to create a distribution is associated with another distribution (%s).", d.id)
		}
	}
	id := c.newDistributionID()
	c.seq++
	d := &distribution{
		id:           id,
		arn:          "arn:aws:cloudfront::" + rc.Account + ":distribution/" + id,
		domain:       "d" + c.s.RandomID("abcdefghijklmnopqrstuvwxyz0123456789", 13) + ".cloudfront.net",
		etag:         c.newETag(),
		seq:          c.seq,
		lastModified: c.s.Now(),
		cfg:          cfg,
	}
	if err := d.setTags(tags); err != nil {
		return err
	}
	c.dists[id] = d
	c.seqByID[id] = d.seq
	c.order = append(c.order, d)
	w.Header().Set("Location", "https://cloudfront.amazonaws.com/2020-05-31/distribution/"+id)
	writeDistribution(w, http.StatusCreated, d, c.distributionXML(d))
	return nil
}

func (c *cloudFront) newDistributionID() string {
	for {
		id := "E" + c.s.RandomID(core.UpperAlnum, 13)
		if _, used := c.seqByID[id]; !used {
			return id
		}
	}
}

// checkReferences checks a config against the other resources: aliases
// used by other distributions and the real-time log configs it names.
// self is the ID of the distribution being updated. Call with c.mu held.
func (c *cloudFront) checkReferences(cfg *distConfig, rc *core.Request, self string) *cfError {
	for _, d := range c.order {
		if d.id == self {
			continue
		}
		for _, a := range cfg.aliases {
			for _, b := range d.cfg.aliases {
				if strings.EqualFold(a, b) {
					return cfErr(http.StatusConflict, "CNAMEAlreadyExists",
						"One or more of the CNAMEs you provided are already associated with a different resource.")
				}
			}
		}
	}
	for _, id := range cfg.oacIDs {
		if _, ok := c.oacs[id]; !ok {
			return cfErr(http.StatusBadRequest, "InvalidOriginAccessControl", "The specified origin access control does not exist or is not valid.")
		}
	}
	for _, b := range cfg.behaviors {
		if err := c.checkPolicyReferences(b); err != nil {
			return err
		}
		if b.rtlcARN == "" {
			continue
		}
		if _, err := c.realtimeLogConfigByARN(b.rtlcARN, rc); err != nil {
			return err
		}
	}
	return nil
}

// lookup returns a distribution or NoSuchDistribution. Call with c.mu held.
func (c *cloudFront) lookup(id string) (*distribution, *cfError) {
	d, ok := c.dists[id]
	if !ok {
		return nil, cfErr(http.StatusNotFound, "NoSuchDistribution", "The specified distribution does not exist.")
	}
	return d, nil
}

// cfCheckIfMatch applies CloudFront's optimistic locking.
func cfCheckIfMatch(r *http.Request, d *distribution) *cfError {
	m := r.Header.Get("If-Match")
	if m == "" {
		return cfErr(http.StatusBadRequest, "InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
	}
	if m != d.etag {
		return cfErr(http.StatusPreconditionFailed, "PreconditionFailed", "The precondition given in one or more of the request-header fields evaluated to false.")
	}
	return nil
}

func (c *cloudFront) getDistribution(w http.ResponseWriter, id string) *cfError {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.lookup(id)
	if err != nil {
		return err
	}
	writeDistribution(w, http.StatusOK, d, c.distributionXML(d))
	return nil
}

func (c *cloudFront) getDistributionConfig(w http.ResponseWriter, id string) *cfError {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.lookup(id)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", d.etag)
	core.WriteXML(w, http.StatusOK, distConfigXML{Xmlns: cloudFrontNS, Inner: d.cfg.inner})
	return nil
}

func (c *cloudFront) updateDistribution(w http.ResponseWriter, r *http.Request, rc *core.Request, id string) *cfError {
	body, err := cfReadBody(r)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.lookup(id)
	if err != nil {
		return err
	}
	if err := cfCheckIfMatch(r, d); err != nil {
		return err
	}
	cfg, err := parseDistributionConfig(body)
	if err != nil {
		return err
	}
	if cfg.callerRef != d.cfg.callerRef {
		return cfErr(http.StatusBadRequest, "IllegalUpdate", "Origin and CallerReference cannot be updated.")
	}
	if err := c.checkReferences(cfg, rc, d.id); err != nil {
		return err
	}
	d.cfg = cfg
	d.etag = c.newETag()
	d.lastModified = c.s.Now()
	writeDistribution(w, http.StatusOK, d, c.distributionXML(d))
	return nil
}

func (c *cloudFront) deleteDistribution(w http.ResponseWriter, r *http.Request, id string) *cfError {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.lookup(id)
	if err != nil {
		return err
	}
	if err := cfCheckIfMatch(r, d); err != nil {
		return err
	}
	if d.cfg.enabled || c.status(d) != "Deployed" {
		return cfErr(http.StatusConflict, "DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
	}
	delete(c.dists, id)
	if i := slices.Index(c.order, d); i >= 0 {
		c.order = slices.Delete(c.order, i, i+1)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
