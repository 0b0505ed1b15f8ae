package emulator

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
)

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// operationName names the API operation of a request for the request log:
// the Kinesis target, the IAM or STS Action, or the CloudFront method and
// path. It never looks at anything that may hold a secret (bodies, query
// values other than Action, headers other than the target).
func operationName(r *http.Request, proto protocol) string {
	switch proto {
	case protoKinesis:
		return strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	case protoOrganizations:
		return strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSOrganizationsV20161128.")
	case protoIAM, protoSTS:
		return r.Form.Get("Action")
	}
	op := r.Method + " " + r.URL.Path
	// CloudFront tells some operations apart by query keys (?WithTags,
	// ?Operation=Tag); the keys say which, the values stay out.
	if keys := queryKeys(r); keys != "" {
		op += "?" + keys
	}
	return op
}

// queryKeys lists the names of a request's query parameters, sorted, with
// the value of Operation (Tag, Untag), which names an operation.
func queryKeys(r *http.Request) string {
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if k == "Operation" {
			k += "=" + q.Get(k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, "&")
}

func (p protocol) String() string {
	switch p {
	case protoCloudFront:
		return "cloudfront"
	case protoKinesis:
		return "kinesis"
	case protoIAM:
		return "iam"
	case protoSTS:
		return "sts"
	case protoOrganizations:
		return "organizations"
	}
	return "unknown"
}

// logRequest writes one debug record per request: service, operation,
// path, status and request ID. Nothing is logged unless the logger is
// enabled at debug level.
func (s *Server) logRequest(ctx context.Context, r *http.Request, proto protocol, rc *reqContext, status int) {
	if s.log == nil || !s.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "request",
		slog.String("service", proto.String()),
		slog.String("operation", operationName(r, proto)),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.String("request_id", rc.requestID),
	)
}
