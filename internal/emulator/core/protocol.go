package core

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"sort"
	"strings"
)

// Error is an API error as a protocol writes it: the HTTP status, the
// error code and its message.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Protocol is the wire protocol of a service: it names a request's
// operation and writes errors in the service's format, including the
// errors the core answers itself (throttling, server errors, expired
// sessions, denied actions). A registry entry chooses its protocol once.
type Protocol interface {
	// Prepare readies a request before the core looks at it (the query
	// protocol parses its form); an error is written in this protocol.
	Prepare(r *http.Request) *Error
	// Operation names the API operation of a request for the request log.
	// It never looks at anything that may hold a secret (bodies, query
	// values other than Action, headers other than the target).
	Operation(r *http.Request) string
	// WriteError writes e as this protocol's error response.
	WriteError(w http.ResponseWriter, rc *Request, e *Error)
	// Throttling is the service's throttling error.
	Throttling() *Error
	// ServerError is the service's internal (5xx) error.
	ServerError() *Error
	// ExpiredToken answers a request signed by an expired session.
	ExpiredToken() *Error
	// AccessDenied answers a request whose action is denied.
	AccessDenied(msg string) *Error
}

const (
	expiredTokenMessage = "The security token included in the request is expired"
	internalMessage     = "We encountered an internal error. Please try again."
)

type xmlErrorBody struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type xmlErrorResponse struct {
	XMLName   xml.Name     `xml:"ErrorResponse"`
	Xmlns     string       `xml:"xmlns,attr"`
	Error     xmlErrorBody `xml:"Error"`
	RequestID string       `xml:"RequestId"`
}

func errorType(status int) string {
	if status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// writeXMLError writes an <ErrorResponse> in namespace ns, as both REST-XML
// and the query protocol do.
func writeXMLError(w http.ResponseWriter, ns string, rc *Request, e *Error) {
	WriteXML(w, e.Status, xmlErrorResponse{
		Xmlns:     ns,
		Error:     xmlErrorBody{Type: errorType(e.Status), Code: e.Code, Message: e.Message},
		RequestID: rc.RequestID,
	})
}

// RESTXML is the REST-XML protocol (CloudFront): operations by method and
// path, errors as an XML ErrorResponse in Namespace.
type RESTXML struct {
	Namespace string
}

// Prepare does nothing: a REST-XML handler reads its own body.
func (RESTXML) Prepare(*http.Request) *Error { return nil }

// Operation is the method and path, with the names of the query
// parameters: CloudFront tells some operations apart by query keys
// (?WithTags, ?Operation=Tag); the keys say which, the values stay out.
func (RESTXML) Operation(r *http.Request) string {
	op := r.Method + " " + r.URL.Path
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

func (p RESTXML) WriteError(w http.ResponseWriter, rc *Request, e *Error) {
	writeXMLError(w, p.Namespace, rc, e)
}

func (RESTXML) Throttling() *Error {
	return &Error{http.StatusBadRequest, "Throttling", "Rate exceeded"}
}

func (RESTXML) ServerError() *Error {
	return &Error{http.StatusServiceUnavailable, "ServiceUnavailable", "The service is unavailable. Please try again."}
}

func (RESTXML) ExpiredToken() *Error {
	return &Error{http.StatusForbidden, "ExpiredToken", expiredTokenMessage}
}

func (RESTXML) AccessDenied(msg string) *Error {
	return &Error{http.StatusForbidden, "AccessDenied", msg}
}

// Query is the AWS query protocol (IAM, STS): a form with an Action,
// errors as an XML ErrorResponse in Namespace.
type Query struct {
	Namespace string
}

// Prepare parses the form, from the URL and a form-encoded body.
func (Query) Prepare(r *http.Request) *Error {
	if err := r.ParseForm(); err != nil {
		return &Error{http.StatusBadRequest, "MalformedQueryString", err.Error()}
	}
	return nil
}

// Operation is the form's Action.
func (Query) Operation(r *http.Request) string { return r.Form.Get("Action") }

func (p Query) WriteError(w http.ResponseWriter, rc *Request, e *Error) {
	writeXMLError(w, p.Namespace, rc, e)
}

func (Query) Throttling() *Error {
	return &Error{http.StatusBadRequest, "Throttling", "Rate exceeded"}
}

func (Query) ServerError() *Error {
	return &Error{http.StatusInternalServerError, "ServiceFailure", internalMessage}
}

func (Query) ExpiredToken() *Error {
	return &Error{http.StatusForbidden, "ExpiredToken", expiredTokenMessage}
}

func (Query) AccessDenied(msg string) *Error {
	return &Error{http.StatusForbidden, "AccessDenied", msg}
}

// JSON is the AWS JSON 1.1 protocol (Kinesis, Organizations): operations
// by the X-Amz-Target header after TargetPrefix, errors as a JSON body with
// __type and message. Throttle is the service's throttling error.
type JSON struct {
	TargetPrefix string
	Throttle     Error
}

// Prepare does nothing: a JSON handler reads its own body.
func (JSON) Prepare(*http.Request) *Error { return nil }

// Operation is the target header without the service's prefix.
func (p JSON) Operation(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("X-Amz-Target"), p.TargetPrefix)
}

// Matches reports whether a request's target header is for this service.
func (p JSON) Matches(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), p.TargetPrefix)
}

func (JSON) WriteError(w http.ResponseWriter, _ *Request, e *Error) {
	w.Header().Set("x-amzn-ErrorType", e.Code)
	WriteJSON(w, e.Status, map[string]string{"__type": e.Code, "message": e.Message})
}

func (p JSON) Throttling() *Error {
	e := p.Throttle
	return &e
}

func (JSON) ServerError() *Error {
	return &Error{http.StatusInternalServerError, "InternalFailure", internalMessage}
}

func (JSON) ExpiredToken() *Error {
	return &Error{http.StatusBadRequest, "ExpiredTokenException", expiredTokenMessage}
}

func (JSON) AccessDenied(msg string) *Error {
	return &Error{http.StatusBadRequest, "AccessDeniedException", msg}
}

// WriteXML writes v as an XML document with the given status.
func WriteXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

// WriteJSON writes v as an application/x-amz-json-1.1 body with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
