package cloudfront

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cloudassure/cloudassure/internal/realtimelog"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

var (
	cfRoleARNRe   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	cfStreamARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream/[\w.-]{1,128}$`)
	rtlcNameRe    = regexp.MustCompile(`^[\w-]{1,128}$`)
	rtlcARNPrefix = regexp.MustCompile(`^arn:aws[a-z-]*:cloudfront::(\d{12}):realtime-log-config/(.+)$`)
)

// realtimeLogConfig is a stored config; it marshals as RealtimeLogConfig.
type realtimeLogConfig struct {
	ARN          string            `xml:"ARN"`
	Name         string            `xml:"Name"`
	SamplingRate int64             `xml:"SamplingRate"`
	EndPoints    []rtlcEndPointXML `xml:"EndPoints>member"`
	Fields       []string          `xml:"Fields>Field"`
}

type rtlcEndPointXML struct {
	StreamType          string
	KinesisStreamConfig *rtlcKinesisXML `xml:",omitempty"`
}

type rtlcKinesisXML struct {
	RoleARN   string
	StreamARN string
}

// realtimeLogConfigRequest is the body of create, update, get and delete.
type realtimeLogConfigRequest struct {
	XMLName      xml.Name
	Name         string
	ARN          string `xml:"ARN"`
	SamplingRate *string
	EndPoints    *struct {
		Members []rtlcEndPointXML `xml:"member"`
	}
	Fields *struct {
		Fields []string `xml:"Field"`
	}
}

type realtimeLogConfigResultXML struct {
	XMLName xml.Name
	Xmlns   string            `xml:"xmlns,attr"`
	Config  realtimeLogConfig `xml:"RealtimeLogConfig"`
}

func writeRealtimeLogConfig(w http.ResponseWriter, status int, root string, l *realtimeLogConfig) {
	core.WriteXML(w, status, realtimeLogConfigResultXML{XMLName: xml.Name{Local: root}, Xmlns: cloudFrontNS, Config: *l})
}

// cfReadRequest reads an XML request body whose root must be root in the
// CloudFront namespace.
func cfReadRequest(r *http.Request, root string, v any) *cfError {
	body, err := cfReadBody(r)
	if err != nil {
		return err
	}
	var doc struct{ XMLName xml.Name }
	if err := xml.Unmarshal(body, &doc); err != nil {
		return cfMalformedXML(err)
	}
	if doc.XMLName.Local != root || doc.XMLName.Space != cloudFrontNS {
		return cfMalformedXML(fmt.Errorf("root element must be %s in namespace %s", root, cloudFrontNS))
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return cfMalformedXML(err)
	}
	return nil
}

// settings validates the SamplingRate, Fields and EndPoints of a request
// and returns them as a config; the caller sets Name and ARN.
func (req *realtimeLogConfigRequest) settings() (*realtimeLogConfig, *cfError) {
	if req.SamplingRate == nil {
		return nil, cfInvalidArgument("The parameter SamplingRate is required.")
	}
	rate, err := strconv.ParseInt(strings.TrimSpace(*req.SamplingRate), 10, 64)
	if err != nil || rate < 1 || rate > 100 {
		return nil, cfInvalidArgument("SamplingRate must be a whole number between 1 and 100, got %q.", *req.SamplingRate)
	}
	if req.Fields == nil || len(req.Fields.Fields) == 0 {
		return nil, cfInvalidArgument("The parameter Fields is required and must contain at least one field.")
	}
	seen := map[string]bool{}
	for _, f := range req.Fields.Fields {
		f = strings.TrimSpace(f)
		if !realtimelog.IsField(f) {
			return nil, cfInvalidArgument("The field %q is not a valid real-time log field.", f)
		}
		seen[f] = true
	}
	var fields []string
	for _, f := range realtimelog.Fields() {
		if seen[f] {
			fields = append(fields, f)
		}
	}
	if req.EndPoints == nil || len(req.EndPoints.Members) == 0 {
		return nil, cfInvalidArgument("The parameter EndPoints is required and must contain at least one endpoint.")
	}
	for _, e := range req.EndPoints.Members {
		if e.StreamType != "Kinesis" {
			return nil, cfInvalidArgument("StreamType must be Kinesis, got %q.", e.StreamType)
		}
		k := e.KinesisStreamConfig
		if k == nil {
			return nil, cfInvalidArgument("The parameter KinesisStreamConfig is required for a Kinesis endpoint.")
		}
		if !cfRoleARNRe.MatchString(k.RoleARN) {
			return nil, cfInvalidArgument("RoleARN %q is not a valid IAM role ARN.", k.RoleARN)
		}
		if !cfStreamARNRe.MatchString(k.StreamARN) {
			return nil, cfInvalidArgument("StreamARN %q is not a valid Kinesis stream ARN.", k.StreamARN)
		}
	}
	return &realtimeLogConfig{SamplingRate: rate, EndPoints: req.EndPoints.Members, Fields: fields}, nil
}

func noSuchRealtimeLogConfig() *cfError {
	return cfErr(http.StatusNotFound, "NoSuchRealtimeLogConfig", "The real-time log configuration does not exist.")
}

// realtimeLogConfigByARN finds a config by ARN, telling a config of another
// account from a missing one. Call with c.mu held.
func (c *cloudFront) realtimeLogConfigByARN(arn string, rc *core.Request) (*realtimeLogConfig, *cfError) {
	m := rtlcARNPrefix.FindStringSubmatch(arn)
	if m == nil {
		return nil, cfInvalidArgument("%q is not a valid real-time log configuration ARN.", arn)
	}
	if m[1] != rc.Account {
		return nil, cfErr(http.StatusUnauthorized, "RealtimeLogConfigOwnerMismatch",
			"The specified real-time log configuration belongs to a different Amazon Web Services account.")
	}
	l, ok := c.rlcs[m[2]]
	if !ok || l.ARN != arn {
		return nil, noSuchRealtimeLogConfig()
	}
	return l, nil
}

// identify finds the config a request names: by Name if given, else by ARN.
// Call with c.mu held.
func (c *cloudFront) identify(req *realtimeLogConfigRequest) (*realtimeLogConfig, *cfError) {
	switch {
	case req.Name != "":
		if l, ok := c.rlcs[req.Name]; ok {
			return l, nil
		}
	case req.ARN != "":
		for _, l := range c.rlcs {
			if l.ARN == req.ARN {
				return l, nil
			}
		}
	default:
		return nil, cfInvalidArgument("You must provide the Name or the ARN of the real-time log configuration.")
	}
	return nil, noSuchRealtimeLogConfig()
}

func (c *cloudFront) createRealtimeLogConfig(w http.ResponseWriter, r *http.Request, rc *core.Request) *cfError {
	var req realtimeLogConfigRequest
	if err := cfReadRequest(r, "CreateRealtimeLogConfigRequest", &req); err != nil {
		return err
	}
	if !rtlcNameRe.MatchString(req.Name) {
		return cfInvalidArgument("Name %q is not valid: use 1 to 128 letters, digits, hyphens and underscores.", req.Name)
	}
	l, err := req.settings()
	if err != nil {
		return err
	}
	l.Name = req.Name
	l.ARN = "arn:aws:cloudfront::" + rc.Account + ":realtime-log-config/" + req.Name
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.rlcs[l.Name]; ok {
		return cfErr(http.StatusConflict, "RealtimeLogConfigAlreadyExists", "A real-time log configuration with this name already exists.")
	}
	c.rlcs[l.Name] = l
	writeRealtimeLogConfig(w, http.StatusCreated, "CreateRealtimeLogConfigResult", l)
	return nil
}

func (c *cloudFront) getRealtimeLogConfig(w http.ResponseWriter, r *http.Request) *cfError {
	var req realtimeLogConfigRequest
	if err := cfReadRequest(r, "GetRealtimeLogConfigRequest", &req); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.identify(&req)
	if err != nil {
		return err
	}
	writeRealtimeLogConfig(w, http.StatusOK, "GetRealtimeLogConfigResult", l)
	return nil
}

func (c *cloudFront) updateRealtimeLogConfig(w http.ResponseWriter, r *http.Request) *cfError {
	var req realtimeLogConfigRequest
	if err := cfReadRequest(r, "UpdateRealtimeLogConfigRequest", &req); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.identify(&req)
	if err != nil {
		return err
	}
	if req.ARN != "" && req.ARN != l.ARN {
		return cfInvalidArgument("The Name and the ARN name different real-time log configurations; neither can be changed.")
	}
	n, err := req.settings()
	if err != nil {
		return err
	}
	l.SamplingRate, l.EndPoints, l.Fields = n.SamplingRate, n.EndPoints, n.Fields
	writeRealtimeLogConfig(w, http.StatusOK, "UpdateRealtimeLogConfigResult", l)
	return nil
}

func (c *cloudFront) deleteRealtimeLogConfig(w http.ResponseWriter, r *http.Request) *cfError {
	var req realtimeLogConfigRequest
	if err := cfReadRequest(r, "DeleteRealtimeLogConfigRequest", &req); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, err := c.identify(&req)
	if err != nil {
		return err
	}
	for _, d := range c.order {
		if d.cfg.usesRealtimeLogConfig(l.ARN) {
			return cfErr(http.StatusBadRequest, "RealtimeLogConfigInUse",
				"Cannot delete the real-time log configuration because it is attached to one or more cache behaviors (distribution %s).", d.id)
		}
	}
	delete(c.rlcs, l.Name)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type realtimeLogConfigsXML struct {
	XMLName     xml.Name `xml:"RealtimeLogConfigs"`
	Xmlns       string   `xml:"xmlns,attr"`
	MaxItems    int
	Items       *realtimeLogConfigItemsXML `xml:",omitempty"`
	IsTruncated bool
	Marker      string
	NextMarker  string `xml:",omitempty"`
}

type realtimeLogConfigItemsXML struct {
	Members []realtimeLogConfig `xml:"member"`
}

// listRealtimeLogConfigs lists configs by name; the marker is the last name
// of the previous page.
func (c *cloudFront) listRealtimeLogConfigs(w http.ResponseWriter, marker, maxItems string) *cfError {
	n, err := cfPageSize(maxItems)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.rlcs))
	for name := range c.rlcs {
		if name > marker {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	out := realtimeLogConfigsXML{Xmlns: cloudFrontNS, MaxItems: n, Marker: marker}
	if len(names) > n {
		names = names[:n]
		out.IsTruncated, out.NextMarker = true, names[n-1]
	}
	if len(names) > 0 {
		out.Items = &realtimeLogConfigItemsXML{}
		for _, name := range names {
			out.Items.Members = append(out.Items.Members, *c.rlcs[name])
		}
	}
	core.WriteXML(w, http.StatusOK, out)
	return nil
}
