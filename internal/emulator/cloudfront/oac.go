package cloudfront

import (
	"encoding/xml"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// Origin access controls (OAC): the modern way an S3 origin lets only
// CloudFront read it. Create, Get, GetConfig, Update (If-Match), Delete
// (If-Match; refused while an origin uses it) and List.

// originAccessControl is a stored OAC; its config marshals as
// OriginAccessControlConfig.
type originAccessControl struct {
	id, etag string
	cfg      oacConfigXML
}

type oacConfigXML struct {
	Name                          string
	Description                   string
	SigningProtocol               string
	SigningBehavior               string
	OriginAccessControlOriginType string
}

type oacXML struct {
	XMLName                   xml.Name `xml:"OriginAccessControl"`
	Xmlns                     string   `xml:"xmlns,attr"`
	Id                        string
	OriginAccessControlConfig oacConfigXML
}

// readOACConfig reads and checks an OriginAccessControlConfig body.
func readOACConfig(r *http.Request) (oacConfigXML, *cfError) {
	var req struct {
		XMLName xml.Name
		oacConfigXML
	}
	if err := cfReadRequest(r, "OriginAccessControlConfig", &req); err != nil {
		return oacConfigXML{}, err
	}
	c := req.oacConfigXML
	switch {
	case strings.TrimSpace(c.Name) == "":
		return c, cfInvalidArgument("The parameter Name is required.")
	case utf8.RuneCountInString(c.Name) > 64:
		return c, cfInvalidArgument("The parameter Name is too long: up to 64 characters.")
	case c.SigningProtocol != "sigv4":
		return c, cfInvalidArgument("SigningProtocol must be sigv4, got %q.", c.SigningProtocol)
	}
	switch c.SigningBehavior {
	case "never", "always", "no-override":
	default:
		return c, cfInvalidArgument("SigningBehavior must be never, always or no-override, got %q.", c.SigningBehavior)
	}
	switch c.OriginAccessControlOriginType {
	case "s3", "mediastore", "mediapackagev2", "lambda":
	default:
		return c, cfInvalidArgument("OriginAccessControlOriginType must be s3, mediastore, mediapackagev2 or lambda, got %q.", c.OriginAccessControlOriginType)
	}
	return c, nil
}

func noSuchOAC() *cfError {
	return cfErr(http.StatusNotFound, "NoSuchOriginAccessControl", "The origin access control does not exist.")
}

// nameTaken reports whether another OAC has the name. Call with c.mu held.
func (c *cloudFront) oacNameTaken(name, self string) bool {
	for _, o := range c.oacs {
		if o.id != self && o.cfg.Name == name {
			return true
		}
	}
	return false
}

func (c *cloudFront) writeOAC(w http.ResponseWriter, status int, o *originAccessControl) {
	w.Header().Set("ETag", o.etag)
	core.WriteXML(w, status, oacXML{Xmlns: cloudFrontNS, Id: o.id, OriginAccessControlConfig: o.cfg})
}

func (c *cloudFront) createOAC(w http.ResponseWriter, r *http.Request) *cfError {
	cfg, err := readOACConfig(r)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.oacNameTaken(cfg.Name, "") {
		return cfErr(http.StatusConflict, "OriginAccessControlAlreadyExists", "An origin access control with the same name already exists.")
	}
	var id string
	for id == "" || c.oacs[id] != nil {
		id = "E" + c.s.RandomID(core.UpperAlnum, 13)
	}
	o := &originAccessControl{id: id, etag: c.newETag(), cfg: cfg}
	c.oacs[id] = o
	w.Header().Set("Location", "https://cloudfront.amazonaws.com/2020-05-31/origin-access-control/"+id)
	c.writeOAC(w, http.StatusCreated, o)
	return nil
}

func (c *cloudFront) getOAC(w http.ResponseWriter, id string, configOnly bool) *cfError {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.oacs[id]
	if !ok {
		return noSuchOAC()
	}
	if configOnly {
		w.Header().Set("ETag", o.etag)
		core.WriteXML(w, http.StatusOK, struct {
			XMLName xml.Name `xml:"OriginAccessControlConfig"`
			Xmlns   string   `xml:"xmlns,attr"`
			oacConfigXML
		}{Xmlns: cloudFrontNS, oacConfigXML: o.cfg})
		return nil
	}
	c.writeOAC(w, http.StatusOK, o)
	return nil
}

// oacIfMatch applies CloudFront's optimistic locking to an OAC.
func oacIfMatch(r *http.Request, o *originAccessControl) *cfError {
	m := r.Header.Get("If-Match")
	if m == "" {
		return cfErr(http.StatusBadRequest, "InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
	}
	if m != o.etag {
		return cfErr(http.StatusPreconditionFailed, "PreconditionFailed", "The precondition given in one or more of the request-header fields evaluated to false.")
	}
	return nil
}

func (c *cloudFront) updateOAC(w http.ResponseWriter, r *http.Request, id string) *cfError {
	cfg, err := readOACConfig(r)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.oacs[id]
	if !ok {
		return noSuchOAC()
	}
	if err := oacIfMatch(r, o); err != nil {
		return err
	}
	if c.oacNameTaken(cfg.Name, id) {
		return cfErr(http.StatusConflict, "OriginAccessControlAlreadyExists", "An origin access control with the same name already exists.")
	}
	o.cfg = cfg
	o.etag = c.newETag()
	c.writeOAC(w, http.StatusOK, o)
	return nil
}

func (c *cloudFront) deleteOAC(w http.ResponseWriter, r *http.Request, id string) *cfError {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.oacs[id]
	if !ok {
		return noSuchOAC()
	}
	if err := oacIfMatch(r, o); err != nil {
		return err
	}
	for _, d := range c.order {
		for _, used := range d.cfg.oacIDs {
			if used == id {
				return cfErr(http.StatusConflict, "OriginAccessControlInUse", "Cannot delete the origin access control because it's in use by distribution %s.", d.id)
			}
		}
	}
	delete(c.oacs, id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type oacListXML struct {
	XMLName     xml.Name `xml:"OriginAccessControlList"`
	Xmlns       string   `xml:"xmlns,attr"`
	Marker      string
	NextMarker  string `xml:",omitempty"`
	MaxItems    int
	IsTruncated bool
	Quantity    int
	Items       *struct {
		Summaries []oacSummaryXML `xml:"OriginAccessControlSummary"`
	} `xml:",omitempty"`
}

type oacSummaryXML struct {
	Id string
	oacConfigXML
}

// listOACs lists OACs by ID; the marker is the last ID of the previous page.
func (c *cloudFront) listOACs(w http.ResponseWriter, marker, maxItems string) *cfError {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.oacs))
	for id := range c.oacs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	start, end, next, err := cfPolicyPage(ids, marker, maxItems)
	if err != nil {
		return err
	}
	size, _ := cfPageSize(maxItems)
	out := oacListXML{Xmlns: cloudFrontNS, Marker: marker, NextMarker: next, MaxItems: size, IsTruncated: next != "", Quantity: end - start}
	if end > start {
		out.Items = &struct {
			Summaries []oacSummaryXML `xml:"OriginAccessControlSummary"`
		}{}
		for _, id := range ids[start:end] {
			out.Items.Summaries = append(out.Items.Summaries, oacSummaryXML{Id: id, oacConfigXML: c.oacs[id].cfg})
		}
	}
	core.WriteXML(w, http.StatusOK, out)
	return nil
}
