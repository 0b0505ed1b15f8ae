package core

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// QueryErr returns a query-protocol error with the HTTP status the IAM and
// STS models give code.
func QueryErr(code, format string, args ...any) *Error {
	status := http.StatusBadRequest
	switch code {
	case "NoSuchEntity":
		status = http.StatusNotFound
	case "EntityAlreadyExists", "DeleteConflict", "LimitExceeded", "ConcurrentModification":
		status = http.StatusConflict
	case "AccessDenied":
		status = http.StatusForbidden
	case "ServiceFailure":
		status = http.StatusInternalServerError
	}
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// QueryValidation reports a violated model constraint the way AWS's request
// validation does, naming the member in lower camel case.
func QueryValidation(member, value, constraint string) *Error {
	return QueryErr("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s",
		value, lowerFirst(member), constraint)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// QueryParams reads the members of a query request.
type QueryParams struct{ Form url.Values }

// Get returns a member, or "" when it is absent.
func (p QueryParams) Get(name string) string { return p.Form.Get(name) }

// Required returns a member that must be present.
func (p QueryParams) Required(name string) (string, *Error) {
	v := p.Form.Get(name)
	if v == "" {
		return "", QueryErr("ValidationError", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(name))
	}
	return v, nil
}

// Matching returns a member that must match pattern and length bounds when present.
func (p QueryParams) Matching(name string, re *regexp.Regexp, minLen, maxLen int, required bool) (string, *Error) {
	v := p.Form.Get(name)
	if v == "" {
		if required {
			return p.Required(name)
		}
		return "", nil
	}
	n := len([]rune(v))
	switch {
	case n < minLen:
		return "", QueryValidation(name, v, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	case n > maxLen:
		return "", QueryValidation(name, v, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	case re != nil && !re.MatchString(v):
		return "", QueryValidation(name, v, "Member must satisfy regular expression pattern: "+strings.Trim(re.String(), "^$"))
	}
	return v, nil
}

// Boolean returns a boolean member.
func (p QueryParams) Boolean(name string) (bool, *Error) {
	v := p.Form.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, QueryErr("MalformedInput", "Invalid boolean value %q for %s", v, name)
	}
	return b, nil
}

// Integer returns an integer member within bounds, or def when it is absent.
func (p QueryParams) Integer(name string, def, lo, hi int) (int, *Error) {
	v := p.Form.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, QueryErr("MalformedInput", "Invalid integer value %q for %s", v, name)
	}
	if n < lo || n > hi {
		return 0, QueryValidation(name, v, fmt.Sprintf("Member must have value between %d and %d", lo, hi))
	}
	return n, nil
}

// WriteResponse writes a query-protocol response in p's namespace:
// <ActionResponse><ActionResult>result</ActionResult><ResponseMetadata>...
// A nil result writes no Result element, as for actions without output.
func (p Query) WriteResponse(w http.ResponseWriter, action string, rc *Request, result any) {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: p.Namespace}},
	}
	err := enc.EncodeToken(start)
	if err == nil && result != nil {
		err = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(struct{ RequestId string }{rc.RequestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(start.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		p.WriteError(w, rc, &Error{http.StatusInternalServerError, "ServiceFailure", err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(buf.Bytes())
}

// QueryTime formats a timestamp as IAM and STS do: ISO 8601 in UTC, whole seconds.
func QueryTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
