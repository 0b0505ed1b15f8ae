package cloudfront

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"unicode/utf8"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// CloudFront tagging (TagResource, UntagResource, ListTagsForResource) and
// CreateDistributionWithTags. Distributions are the taggable resources the
// emulator holds.

var cfTagRe = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// cfMaxTags is how many tags a distribution may carry.
const cfMaxTags = 50

type cfTagXML struct {
	Key   string
	Value string
}

type cfTagsXML struct {
	XMLName xml.Name   `xml:"Tags"`
	Xmlns   string     `xml:"xmlns,attr,omitempty"`
	Items   []cfTagXML `xml:"Items>Tag"`
}

// cfInvalidTagging is the error for tags CloudFront refuses.
func cfInvalidTagging(format string, args ...any) *cfError {
	return cfErr(http.StatusBadRequest, "InvalidTagging", format, args...)
}

// cfCheckTags checks tags against the model's bounds and characters.
func cfCheckTags(tags []cfTagXML) *cfError {
	seen := map[string]bool{}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 || !cfTagRe.MatchString(t.Key) {
			return cfInvalidTagging("Tag key %q is not valid: 1 to 128 letters, digits, spaces and _ . : / = + - @.", t.Key)
		}
		if utf8.RuneCountInString(t.Value) > 256 || !cfTagRe.MatchString(t.Value) {
			return cfInvalidTagging("The value of tag %q is not valid: up to 256 letters, digits, spaces and _ . : / = + - @.", t.Key)
		}
		if seen[t.Key] {
			return cfInvalidTagging("Tag key %q is given more than once.", t.Key)
		}
		seen[t.Key] = true
	}
	return nil
}

// setTags merges tags into a distribution's. Call with c.mu held.
func (d *distribution) setTags(tags []cfTagXML) *cfError {
	merged := map[string]string{}
	for k, v := range d.tags {
		merged[k] = v
	}
	for _, t := range tags {
		merged[t.Key] = t.Value
	}
	if len(merged) > cfMaxTags {
		return cfInvalidTagging("A distribution can have at most %d tags.", cfMaxTags)
	}
	d.tags = merged
	return nil
}

func (d *distribution) tagsXML() cfTagsXML {
	out := cfTagsXML{Xmlns: cloudFrontNS, Items: []cfTagXML{}}
	for k, v := range d.tags {
		out.Items = append(out.Items, cfTagXML{Key: k, Value: v})
	}
	sort.Slice(out.Items, func(a, b int) bool { return out.Items[a].Key < out.Items[b].Key })
	return out
}

// taggedResource finds the distribution an ARN of this account names. Call
// with c.mu held.
func (c *cloudFront) taggedResource(arn string, rc *core.Request) (*distribution, *cfError) {
	if arn == "" {
		return nil, cfInvalidArgument("The parameter Resource is required.")
	}
	for _, d := range c.order {
		if d.arn == arn {
			return d, nil
		}
	}
	if !cfResourceARNRe.MatchString(arn) {
		return nil, cfInvalidArgument("%q is not a valid CloudFront resource ARN.", arn)
	}
	return nil, cfErr(http.StatusNotFound, "NoSuchResource", "The specified resource does not exist.")
}

var cfResourceARNRe = regexp.MustCompile(`^arn:aws(-cn)?:cloudfront::[0-9]+:.*`)

func (c *cloudFront) listTagsForResource(w http.ResponseWriter, r *http.Request, rc *core.Request) *cfError {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.taggedResource(r.URL.Query().Get("Resource"), rc)
	if err != nil {
		return err
	}
	core.WriteXML(w, http.StatusOK, d.tagsXML())
	return nil
}

func (c *cloudFront) tagResource(w http.ResponseWriter, r *http.Request, rc *core.Request) *cfError {
	var req struct {
		XMLName xml.Name
		Items   []cfTagXML `xml:"Items>Tag"`
	}
	if err := cfReadRequest(r, "Tags", &req); err != nil {
		return err
	}
	if err := cfCheckTags(req.Items); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.taggedResource(r.URL.Query().Get("Resource"), rc)
	if err != nil {
		return err
	}
	if err := d.setTags(req.Items); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (c *cloudFront) untagResource(w http.ResponseWriter, r *http.Request, rc *core.Request) *cfError {
	var req struct {
		XMLName xml.Name
		Keys    []string `xml:"Items>Key"`
	}
	if err := cfReadRequest(r, "TagKeys", &req); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	d, err := c.taggedResource(r.URL.Query().Get("Resource"), rc)
	if err != nil {
		return err
	}
	for _, k := range req.Keys {
		delete(d.tags, k)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// splitConfigWithTags takes a DistributionConfigWithTags document apart
// into a DistributionConfig document and its tags.
func splitConfigWithTags(body []byte) ([]byte, []cfTagXML, *cfError) {
	var doc cfRawDocument
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, nil, cfMalformedXML(err)
	}
	if doc.XMLName.Local != "DistributionConfigWithTags" || doc.XMLName.Space != cloudFrontNS {
		return nil, nil, cfMalformedXML(fmt.Errorf("root element must be DistributionConfigWithTags in namespace %s", cloudFrontNS))
	}
	var cfg []byte
	var tags []cfTagXML
	hasTags := false
	for _, ch := range doc.Children {
		switch ch.XMLName.Local {
		case "DistributionConfig":
			var buf bytes.Buffer
			buf.WriteString(`<DistributionConfig xmlns="` + cloudFrontNS + `">`)
			buf.Write(ch.Inner)
			buf.WriteString("</DistributionConfig>")
			cfg = buf.Bytes()
		case "Tags":
			hasTags = true
			var t struct {
				Items []cfTagXML `xml:"Items>Tag"`
			}
			if err := xml.Unmarshal(append(append([]byte("<Tags>"), ch.Inner...), "</Tags>"...), &t); err != nil {
				return nil, nil, cfMalformedXML(err)
			}
			tags = t.Items
		}
	}
	if cfg == nil {
		return nil, nil, cfInvalidArgument("The parameter DistributionConfig is required.")
	}
	if !hasTags {
		return nil, nil, cfInvalidArgument("The parameter Tags is required.")
	}
	if err := cfCheckTags(tags); err != nil {
		return nil, nil, err
	}
	if len(tags) > cfMaxTags {
		return nil, nil, cfInvalidTagging("A distribution can have at most %d tags.", cfMaxTags)
	}
	return cfg, tags, nil
}
