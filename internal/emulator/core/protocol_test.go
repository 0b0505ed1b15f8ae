package core_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// TestProtocols checks what each protocol type answers on its own: how it
// names an operation, how it writes an error, and the errors the core
// answers in it.
func TestProtocols(t *testing.T) {
	rest := core.RESTXML{Namespace: "http://cloudfront.amazonaws.com/doc/2020-05-31/"}
	query := core.Query{Namespace: "https://iam.amazonaws.com/doc/2010-05-08/"}
	json := core.JSON{TargetPrefix: "Kinesis_20131202.", Throttle: core.Error{Status: 400, Code: "LimitExceededException", Message: "Rate exceeded for stream operations."}}
	restReq := httptest.NewRequest("POST", "/2020-05-31/tagging?Operation=Tag&Resource=secret", nil)
	queryReq := httptest.NewRequest("POST", "/", strings.NewReader("Action=GetRole&RoleName=r"))
	queryReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	jsonReq := httptest.NewRequest("POST", "/", strings.NewReader(`{"StreamName":"s"}`))
	jsonReq.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	rc := &core.Request{RequestID: "req-1"}
	xmlErr := func(ns, typ, code, msg string) string {
		return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ErrorResponse xmlns="` + ns + `"><Error><Type>` + typ + `</Type><Code>` + code + `</Code><Message>` + msg + `</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`
	}
	for _, tc := range []struct {
		name      string
		p         core.Protocol
		r         *http.Request
		operation string
		// the errors the core answers: throttling, server error, expired
		// token, access denied (status and code)
		throttle, server, expired, denied core.Error
		// how WriteError writes a 404 NoSuch: content type, error type header, body
		contentType, errorType, body string
	}{
		{
			name: "REST-XML", p: rest, r: restReq, operation: "POST /2020-05-31/tagging?Operation=Tag&Resource",
			throttle: core.Error{Status: 400, Code: "Throttling"}, server: core.Error{Status: 503, Code: "ServiceUnavailable"}, expired: core.Error{Status: 403, Code: "ExpiredToken"}, denied: core.Error{Status: 403, Code: "AccessDenied"},
			contentType: "text/xml", body: xmlErr(rest.Namespace, "Sender", "NoSuch", "gone"),
		},
		{
			name: "query", p: query, r: queryReq, operation: "GetRole",
			throttle: core.Error{Status: 400, Code: "Throttling"}, server: core.Error{Status: 500, Code: "ServiceFailure"}, expired: core.Error{Status: 403, Code: "ExpiredToken"}, denied: core.Error{Status: 403, Code: "AccessDenied"},
			contentType: "text/xml", body: xmlErr(query.Namespace, "Sender", "NoSuch", "gone"),
		},
		{
			name: "JSON 1.1", p: json, r: jsonReq, operation: "ListStreams",
			throttle: core.Error{Status: 400, Code: "LimitExceededException"}, server: core.Error{Status: 500, Code: "InternalFailure"}, expired: core.Error{Status: 400, Code: "ExpiredTokenException"}, denied: core.Error{Status: 400, Code: "AccessDeniedException"},
			contentType: "application/x-amz-json-1.1", errorType: "NoSuch", body: `{"__type":"NoSuch","message":"gone"}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Prepare(tc.r); err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			if got := tc.p.Operation(tc.r); got != tc.operation {
				t.Errorf("Operation = %q, want %q", got, tc.operation)
			}
			for _, e := range []struct {
				got  *core.Error
				want core.Error
			}{{tc.p.Throttling(), tc.throttle}, {tc.p.ServerError(), tc.server}, {tc.p.ExpiredToken(), tc.expired}, {tc.p.AccessDenied("no"), tc.denied}} {
				if e.got.Status != e.want.Status || e.got.Code != e.want.Code {
					t.Errorf("got %d %s, want %d %s", e.got.Status, e.got.Code, e.want.Status, e.want.Code)
				}
			}
			w := httptest.NewRecorder()
			tc.p.WriteError(w, rc, &core.Error{Status: http.StatusNotFound, Code: "NoSuch", Message: "gone"})
			if w.Code != http.StatusNotFound || w.Header().Get("Content-Type") != tc.contentType || w.Header().Get("x-amzn-ErrorType") != tc.errorType || w.Body.String() != tc.body {
				t.Errorf("WriteError: %d %q %q\n%s\nwant 404 %q %q\n%s", w.Code, w.Header().Get("Content-Type"), w.Header().Get("x-amzn-ErrorType"), w.Body, tc.contentType, tc.errorType, tc.body)
			}
		})
	}
	t.Run("query form error", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/?a=%zz", nil)
		if err := query.Prepare(r); err == nil || err.Status != http.StatusBadRequest || err.Code != "MalformedQueryString" {
			t.Errorf("Prepare of a malformed query: %v, want 400 MalformedQueryString", err)
		}
	})
	t.Run("server error type", func(t *testing.T) {
		w := httptest.NewRecorder()
		query.WriteError(w, rc, query.ServerError())
		if !strings.Contains(w.Body.String(), "<Type>Receiver</Type>") {
			t.Errorf("a 5xx is the receiver's fault:\n%s", w.Body)
		}
	})
}

// TestQueryParams checks the query protocol's member readers: the errors
// name the member in lower camel case, as AWS's validation does.
func TestQueryParams(t *testing.T) {
	p := core.QueryParams{Form: url.Values{"RoleName": {"ab"}, "Max": {"9"}, "Flag": {"yes"}, "Bad": {"x"}}}
	re := regexp.MustCompile(`^[a-z]+$`)
	for _, tc := range []struct {
		name string
		err  *core.Error
		want string // code and message, "" for none
	}{
		{"required present", second(p.Required("RoleName")), ""},
		{"required absent", second(p.Required("PolicyArn")), "ValidationError: 1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null"},
		{"too short", second(p.Matching("RoleName", re, 3, 64, true)), "ValidationError: 1 validation error detected: Value 'ab' at 'roleName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
		{"pattern", second(p.Matching("Max", re, 1, 64, true)), "ValidationError: 1 validation error detected: Value '9' at 'max' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"},
		{"optional absent", second(p.Matching("Path", re, 1, 64, false)), ""},
		{"integer range", second(p.Integer("Max", 1, 10, 20)), "ValidationError: 1 validation error detected: Value '9' at 'max' failed to satisfy constraint: Member must have value between 10 and 20"},
		{"integer malformed", second(p.Integer("Bad", 1, 0, 20)), `MalformedInput: Invalid integer value "x" for Bad`},
		{"boolean malformed", second(p.Boolean("Flag")), `MalformedInput: Invalid boolean value "yes" for Flag`},
	} {
		got := ""
		if tc.err != nil {
			got = tc.err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	for code, status := range map[string]int{"NoSuchEntity": 404, "EntityAlreadyExists": 409, "AccessDenied": 403, "ServiceFailure": 500, "ValidationError": 400} {
		if got := core.QueryErr(code, "m").Status; got != status {
			t.Errorf("QueryErr(%s) status %d, want %d", code, got, status)
		}
	}
}

func second[T any](_ T, err *core.Error) *core.Error { return err }
