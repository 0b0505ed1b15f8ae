// Package cloudfront emulates the CloudFront 2020-05-31 REST-XML API:
// distributions, real-time log configurations, origin access controls, cache,
// origin request and response headers policies (managed and custom), and tags.
package cloudfront

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// cloudFront is the CloudFront state of one account.
type cloudFront struct {
	s *core.Server

	mu      sync.Mutex
	dists   map[string]*distribution // by ID
	order   []*distribution          // live distributions in creation order
	seq     int64                    // last sequence number handed out
	seqByID map[string]int64         // every ID ever created, so markers survive deletes
	rlcs    map[string]*realtimeLogConfig
	oacs    map[string]*originAccessControl // by ID

	policies customPolicies // custom cache, origin request and response headers policies
}

func newCloudFront(s *core.Server) *cloudFront {
	return &cloudFront{
		s:       s,
		dists:   map[string]*distribution{},
		seqByID: map[string]int64{},
		rlcs:    map[string]*realtimeLogConfig{},
		oacs:    map[string]*originAccessControl{},
	}
}

// cfError is a CloudFront API error with its HTTP status and error code.
type cfError = core.Error

func cfErr(status int, code, format string, args ...any) *cfError {
	return &cfError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func cfInvalidArgument(format string, args ...any) *cfError {
	return cfErr(http.StatusBadRequest, "InvalidArgument", format, args...)
}

func cfMalformedXML(err error) *cfError {
	return cfErr(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema: %v", err)
}

const cfPathPrefix = "/2020-05-31/"

// cfMaxBody bounds request bodies; CloudFront's own limit is far smaller.
const cfMaxBody = 4 << 20

func (c *cloudFront) serve(w http.ResponseWriter, r *http.Request, rc *core.Request) {
	if err := c.route(w, r, rc); err != nil {
		protocol().WriteError(w, rc, err)
	}
}

// route dispatches on method and path. Handlers write their own successful
// responses and return the errors for serve to write.
func (c *cloudFront) route(w http.ResponseWriter, r *http.Request, rc *core.Request) *cfError {
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, cfPathPrefix), "/")
	parts := strings.Split(path, "/")
	q := r.URL.Query()
	if err, ok := c.routePolicies(w, r, parts); ok {
		return err
	}
	switch {
	case path == "distribution" && q.Has("WithTags") && r.Method == http.MethodPost:
		return c.createDistributionWithTags(w, r, rc)
	case path == "distribution" && !q.Has("WithTags"): // ?WithTags is CreateDistributionWithTags
		switch r.Method {
		case http.MethodGet:
			return c.listDistributions(w, q.Get("Marker"), q.Get("MaxItems"))
		case http.MethodPost:
			return c.createDistribution(w, r, rc)
		}
	case len(parts) == 2 && parts[0] == "distribution":
		switch r.Method {
		case http.MethodGet:
			return c.getDistribution(w, parts[1])
		case http.MethodDelete:
			return c.deleteDistribution(w, r, parts[1])
		}
	case len(parts) == 3 && parts[0] == "distribution" && parts[2] == "config":
		switch r.Method {
		case http.MethodGet:
			return c.getDistributionConfig(w, parts[1])
		case http.MethodPut:
			return c.updateDistribution(w, r, rc, parts[1])
		}
	case path == "distributionsByRealtimeLogConfig" && r.Method == http.MethodPost:
		return c.listDistributionsByRealtimeLogConfig(w, r)
	case path == "realtime-log-config":
		switch r.Method {
		case http.MethodGet:
			return c.listRealtimeLogConfigs(w, q.Get("Marker"), q.Get("MaxItems"))
		case http.MethodPost:
			return c.createRealtimeLogConfig(w, r, rc)
		case http.MethodPut:
			return c.updateRealtimeLogConfig(w, r)
		}
	case path == "origin-access-control" && r.Method == http.MethodPost:
		return c.createOAC(w, r)
	case path == "origin-access-control" && r.Method == http.MethodGet:
		return c.listOACs(w, q.Get("Marker"), q.Get("MaxItems"))
	case len(parts) == 2 && parts[0] == "origin-access-control" && r.Method == http.MethodGet:
		return c.getOAC(w, parts[1], false)
	case len(parts) == 2 && parts[0] == "origin-access-control" && r.Method == http.MethodDelete:
		return c.deleteOAC(w, r, parts[1])
	case len(parts) == 3 && parts[0] == "origin-access-control" && parts[2] == "config" && r.Method == http.MethodGet:
		return c.getOAC(w, parts[1], true)
	case len(parts) == 3 && parts[0] == "origin-access-control" && parts[2] == "config" && r.Method == http.MethodPut:
		return c.updateOAC(w, r, parts[1])
	case path == "tagging" && r.Method == http.MethodGet:
		return c.listTagsForResource(w, r, rc)
	case path == "tagging" && r.Method == http.MethodPost && q.Get("Operation") == "Tag":
		return c.tagResource(w, r, rc)
	case path == "tagging" && r.Method == http.MethodPost && q.Get("Operation") == "Untag":
		return c.untagResource(w, r, rc)
	case path == "get-realtime-log-config" && r.Method == http.MethodPost:
		return c.getRealtimeLogConfig(w, r)
	case path == "delete-realtime-log-config" && r.Method == http.MethodPost:
		return c.deleteRealtimeLogConfig(w, r)
	}
	return cfErr(http.StatusNotImplemented, "NotImplemented",
		"the cloudassure emulator does not implement %s %s", r.Method, r.URL.Path)
}

// cfReadBody reads a request body, failing with MissingBody when it is empty.
func cfReadBody(r *http.Request) ([]byte, *cfError) {
	b, err := io.ReadAll(io.LimitReader(r.Body, cfMaxBody))
	if err != nil {
		return nil, cfMalformedXML(err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, cfErr(http.StatusBadRequest, "MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.")
	}
	return b, nil
}

// cfPageSize parses a MaxItems parameter: default and maximum 100.
func cfPageSize(s string) (int, *cfError) {
	if s == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, cfInvalidArgument("MaxItems must be a positive integer, got %q.", s)
	}
	return min(n, 100), nil
}

// cfTime formats a timestamp the way CloudFront does.
func cfTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// newETag returns a fresh version identifier like CloudFront's (E + 13).
func (c *cloudFront) newETag() string { return "E" + c.s.RandomID(core.UpperAlnum, 13) }

// cloudFrontNS is the XML namespace of the 2020-05-31 API.
const cloudFrontNS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

// protocol is CloudFront's: REST-XML in the 2020-05-31 namespace.
func protocol() core.RESTXML { return core.RESTXML{Namespace: cloudFrontNS} }

// Service is CloudFront's registry entry: REST-XML under /2020-05-31/, its
// state kept per account.
func Service() core.Service {
	return core.Service{
		Name:     "cloudfront",
		Protocol: protocol(),
		Matches:  func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, cfPathPrefix) },
		Action: func(r *http.Request) string {
			if op := cloudFrontOperation(r); op != "" {
				return "cloudfront:" + op
			}
			return ""
		},
		NewState: func(s *core.Server, _ string) any { return newCloudFront(s) },
		Serve: func(w http.ResponseWriter, r *http.Request, rc *core.Request) {
			rc.Caller.Account.State("cloudfront").(*cloudFront).serve(w, r, rc)
		},
	}
}

// cloudFrontOperation names the CloudFront operation of a request.
func cloudFrontOperation(r *http.Request) string {
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, cfPathPrefix), "/")
	parts := strings.Split(path, "/")
	if op := policyOperation(r, parts); op != "" {
		return op
	}
	switch {
	case path == "distribution" && r.Method == http.MethodGet:
		return "ListDistributions"
	case path == "distribution" && r.Method == http.MethodPost:
		return "CreateDistribution"
	case len(parts) == 2 && parts[0] == "distribution" && r.Method == http.MethodGet:
		return "GetDistribution"
	case len(parts) == 2 && parts[0] == "distribution" && r.Method == http.MethodDelete:
		return "DeleteDistribution"
	case len(parts) == 3 && parts[2] == "config" && r.Method == http.MethodGet:
		return "GetDistributionConfig"
	case len(parts) == 3 && parts[2] == "config" && r.Method == http.MethodPut:
		return "UpdateDistribution"
	case path == "realtime-log-config" && r.Method == http.MethodGet:
		return "ListRealtimeLogConfigs"
	case path == "realtime-log-config" && r.Method == http.MethodPost:
		return "CreateRealtimeLogConfig"
	case path == "realtime-log-config" && r.Method == http.MethodPut:
		return "UpdateRealtimeLogConfig"
	case path == "get-realtime-log-config":
		return "GetRealtimeLogConfig"
	case path == "delete-realtime-log-config":
		return "DeleteRealtimeLogConfig"
	case path == "distributionsByRealtimeLogConfig":
		return "ListDistributionsByRealtimeLogConfig"
	}
	return ""
}
