package emulator_test

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator"
)

var update = flag.Bool("update", false, "rewrite testdata/wire.golden")

// syncWriter is a buffer the request log may write to from any goroutine.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (z *syncWriter) Write(p []byte) (int, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.b.Write(p)
}

// TestWireGolden pins what every service answers on the wire, byte for
// byte: status, headers and body of a sequence of requests to each
// service (successes, validation errors, pagination, tags), the errors the
// core answers in each protocol (denied actions, expired sessions,
// throttling, server errors, a malformed query), and the request log.
// The seed and the clock are fixed, so request IDs and generated IDs are
// the same on every run. go test ./internal/emulator -run TestWireGolden
// -update rewrites testdata/wire.golden.
func TestWireGolden(t *testing.T) {
	var out strings.Builder
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var logs syncWriter
	s := emulator.New(emulator.Options{Seed: 7, Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == "time" {
			return slog.Attr{}
		}
		return a
	}}))})
	auth := func(key, svc string) string {
		return "AWS4-HMAC-SHA256 Credential=" + key + "/20250102/us-east-1/" + svc + "/aws4_request, SignedHeaders=host, Signature=x"
	}
	do := func(name string, r *http.Request) string {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var hs []string
		for k, v := range w.Header() {
			hs = append(hs, k+"="+strings.Join(v, ","))
		}
		sort.Strings(hs)
		fmt.Fprintf(&out, "### %s\n%d %s\n%s\n\n", name, w.Code, strings.Join(hs, " "), w.Body.String())
		return w.Body.String()
	}
	form := func(key, svc string, kv ...string) *http.Request {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if svc != "" {
			r.Header.Set("Authorization", auth(key, svc))
		}
		return r
	}
	iam := func(kv ...string) *http.Request { return form("AKIDEXAMPLE", "iam", kv...) }
	jsonReq := func(key, svc, target, body string) *http.Request {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("Authorization", auth(key, svc))
		return r
	}
	cf := func(method, path, body string) *http.Request {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", auth("AKIDEXAMPLE", "cloudfront"))
		return r
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:PutRecord","Resource":"*"}]}`
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	steps := [][]string{
		{"Action", "CreateRole", "RoleName", "r1", "Path", "/svc/", "Description", "d", "AssumeRolePolicyDocument", trust, "Tags.member.1.Key", "b", "Tags.member.1.Value", "2", "Tags.member.2.Key", "a", "Tags.member.2.Value", "1"},
		{"Action", "CreateRole", "RoleName", "r2", "AssumeRolePolicyDocument", trust, "MaxSessionDuration", "7200"},
		{"Action", "CreateRole", "RoleName", "r3", "AssumeRolePolicyDocument", "{bad"},
		{"Action", "CreateRole", "RoleName", "r3", "Path", "bad", "AssumeRolePolicyDocument", "{bad"},
		{"Action", "ListRoles"},
		{"Action", "ListRoles", "MaxItems", "1"},
		{"Action", "ListRoles", "Marker", b64("r2")},
		{"Action", "ListRoles", "PathPrefix", "/svc/"},
		{"Action", "GetRole", "RoleName", "R1"},
		{"Action", "GetRole", "RoleName", "nope"},
		{"Action", "UpdateRole", "RoleName", "r1", "Description", "e"},
		{"Action", "UpdateRoleDescription", "RoleName", "r1", "Description", "f"},
		{"Action", "UpdateAssumeRolePolicy", "RoleName", "r1", "PolicyDocument", trust},
		{"Action", "TagRole", "RoleName", "r1", "Tags.member.1.Key", "c", "Tags.member.1.Value", "3"},
		{"Action", "TagRole", "RoleName", "r1"},
		{"Action", "TagRole", "RoleName", "nope", "Tags.member.1.Key", "c", "Tags.member.1.Value", "3"},
		{"Action", "ListRoleTags", "RoleName", "r1"},
		{"Action", "ListRoleTags", "RoleName", "r1", "MaxItems", "2"},
		{"Action", "ListRoleTags", "RoleName", "r1", "Marker", b64("c")},
		{"Action", "UntagRole", "RoleName", "r1", "TagKeys.member.1", "a"},
		{"Action", "UntagRole", "RoleName", "r1"},
		{"Action", "ListRoleTags", "RoleName", "r1"},
		{"Action", "PutRolePolicy", "RoleName", "r1", "PolicyName", "B", "PolicyDocument", pol},
		{"Action", "PutRolePolicy", "RoleName", "r1", "PolicyName", "a", "PolicyDocument", pol},
		{"Action", "PutRolePolicy", "RoleName", "nope", "PolicyName", "a", "PolicyDocument", pol},
		{"Action", "PutRolePolicy", "RoleName", "r1", "PolicyDocument", pol},
		{"Action", "GetRolePolicy", "RoleName", "r1", "PolicyName", "b"},
		{"Action", "ListRolePolicies", "RoleName", "r1"},
		{"Action", "ListRolePolicies", "RoleName", "r1", "MaxItems", "1"},
		{"Action", "DeleteRolePolicy", "RoleName", "r1", "PolicyName", "a"},
		{"Action", "CreatePolicy", "PolicyName", "p1", "PolicyDocument", pol, "Description", "x", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"},
		{"Action", "CreatePolicy", "PolicyName", "p1", "PolicyDocument", pol},
		{"Action", "CreatePolicy", "PolicyName", "p2", "Path", "bad", "PolicyDocument", pol},
		{"Action", "GetPolicy", "PolicyArn", "arn:aws:iam::111122223333:policy/p1"},
		{"Action", "GetPolicy", "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		{"Action", "GetPolicy", "PolicyArn", "bad"},
		{"Action", "CreatePolicyVersion", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "PolicyDocument", pol, "SetAsDefault", "true"},
		{"Action", "CreatePolicyVersion", "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "PolicyDocument", pol},
		{"Action", "ListPolicyVersions", "PolicyArn", "arn:aws:iam::111122223333:policy/p1"},
		{"Action", "ListPolicyVersions", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "MaxItems", "1"},
		{"Action", "GetPolicyVersion", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "VersionId", "v1"},
		{"Action", "GetPolicyVersion", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "VersionId", "v9"},
		{"Action", "SetDefaultPolicyVersion", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "VersionId", "v1"},
		{"Action", "DeletePolicyVersion", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "VersionId", "v2"},
		{"Action", "DeletePolicyVersion", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "VersionId", "v1"},
		{"Action", "TagPolicy", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "Tags.member.1.Key", "z", "Tags.member.1.Value", "9"},
		{"Action", "TagPolicy", "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "Tags.member.1.Key", "z", "Tags.member.1.Value", "9"},
		{"Action", "UntagPolicy", "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "TagKeys.member.1", "z"},
		{"Action", "UntagPolicy", "PolicyArn", "arn:aws:iam::111122223333:policy/p1", "TagKeys.member.1", "k"},
		{"Action", "ListPolicyTags", "PolicyArn", "arn:aws:iam::111122223333:policy/p1"},
		{"Action", "ListPolicyTags", "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		{"Action", "AttachRolePolicy", "RoleName", "r1", "PolicyArn", "arn:aws:iam::111122223333:policy/p1"},
		{"Action", "AttachRolePolicy", "RoleName", "r1", "PolicyArn", "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		{"Action", "AttachRolePolicy", "RoleName", "r1", "PolicyArn", "arn:aws:iam::111122223333:policy/nope"},
		{"Action", "ListAttachedRolePolicies", "RoleName", "r1"},
		{"Action", "ListAttachedRolePolicies", "RoleName", "r1", "MaxItems", "1"},
		{"Action", "ListInstanceProfilesForRole", "RoleName", "r1"},
		{"Action", "ListInstanceProfilesForRole", "RoleName", "nope"},
		{"Action", "DeletePolicy", "PolicyArn", "arn:aws:iam::111122223333:policy/p1"},
		{"Action", "DetachRolePolicy", "RoleName", "r1", "PolicyArn", "arn:aws:iam::111122223333:policy/p1"},
		{"Action", "DetachRolePolicy", "RoleName", "r1", "PolicyArn", "arn:aws:iam::111122223333:policy/p1"},
		{"Action", "DeleteRole", "RoleName", "r1"},
		{"Action", "Bogus"},
		{},
	}
	for i, st := range steps {
		do(fmt.Sprintf("iam %d %v", i, st), iam(st...))
	}
	do("sts caller", form("AKIDEXAMPLE", "sts", "Action", "GetCallerIdentity"))
	do("sts caller unsigned", form("", "", "Action", "GetCallerIdentity"))
	body := do("sts assume", form("AKIDEXAMPLE", "sts", "Action", "AssumeRole", "RoleArn", "arn:aws:iam::111122223333:role/r2", "RoleSessionName", "sess", "DurationSeconds", "900"))
	do("sts assume bad", form("AKIDEXAMPLE", "sts", "Action", "AssumeRole", "RoleArn", "arn:aws:iam::111122223333:role/nope", "RoleSessionName", "s"))
	key := ""
	if i := strings.Index(body, "<AccessKeyId>"); i >= 0 {
		key = body[i+len("<AccessKeyId>") : i+len("<AccessKeyId>")+20]
	}
	do("sts caller session", form(key, "sts", "Action", "GetCallerIdentity"))
	for _, p := range []string{"/2020-05-31/cache-policy", "/2020-05-31/cache-policy?MaxItems=2", "/2020-05-31/cache-policy?Marker=658327ea-f89d-4fab-a63d-7e88639e58f6&MaxItems=2", "/2020-05-31/cache-policy?Type=custom", "/2020-05-31/cache-policy?Type=x", "/2020-05-31/cache-policy?MaxItems=0",
		"/2020-05-31/cache-policy/658327ea-f89d-4fab-a63d-7e88639e58f6", "/2020-05-31/cache-policy/658327ea-f89d-4fab-a63d-7e88639e58f6/config", "/2020-05-31/cache-policy/nope",
		"/2020-05-31/origin-request-policy", "/2020-05-31/origin-request-policy?MaxItems=1", "/2020-05-31/origin-request-policy?Type=custom", "/2020-05-31/origin-request-policy/nope",
		"/2020-05-31/origin-request-policy/216adef6-5c7f-47e4-b989-5492eafa07d3", "/2020-05-31/origin-request-policy/216adef6-5c7f-47e4-b989-5492eafa07d3/config",
		"/2020-05-31/distribution", "/2020-05-31/realtime-log-config", "/2020-05-31/nope", "/unknown"} {
		do("cf "+p, cf("GET", p, ""))
	}
	do("kinesis list", jsonReq("AKIDEXAMPLE", "kinesis", "Kinesis_20131202.ListStreams", "{}"))
	do("kinesis bad", jsonReq("AKIDEXAMPLE", "kinesis", "Kinesis_20131202.Nope", "{}"))
	do("org describe", jsonReq("AKIDEXAMPLE", "organizations", "AWSOrganizationsV20161128.DescribeOrganization", "{}"))
	s.CreateOrganization()
	do("org describe2", jsonReq("AKIDEXAMPLE", "organizations", "AWSOrganizationsV20161128.DescribeOrganization", "{}"))
	// Expired session, in each protocol.
	do("session kinesis", jsonReq(key, "kinesis", "Kinesis_20131202.ListStreams", "{}"))
	now = now.Add(time.Hour)
	do("expired kinesis", jsonReq(key, "kinesis", "Kinesis_20131202.ListStreams", "{}"))
	do("expired iam", form(key, "iam", "Action", "ListRoles"))
	do("expired cf", func() *http.Request {
		r := cf("GET", "/2020-05-31/distribution", "")
		r.Header.Set("Authorization", auth(key, "cloudfront"))
		return r
	}())
	do("expired org", jsonReq(key, "organizations", "AWSOrganizationsV20161128.DescribeOrganization", "{}"))
	// Denied actions, in each protocol.
	s.DenyAction("111122223333", "kinesis:ListStreams")
	s.DenyAction("111122223333", "iam:ListRoles")
	s.DenyAction("111122223333", "sts:GetCallerIdentity")
	s.DenyAction("111122223333", "cloudfront:ListDistributions")
	s.DenyAction("111122223333", "organizations:DescribeOrganization")
	do("deny kinesis", jsonReq("AKIDEXAMPLE", "kinesis", "Kinesis_20131202.ListStreams", "{}"))
	do("deny iam", iam("Action", "ListRoles"))
	do("deny sts", form("AKIDEXAMPLE", "sts", "Action", "GetCallerIdentity"))
	do("deny sts via iam", form("", "", "Action", "GetCallerIdentity"))
	do("deny cf", cf("GET", "/2020-05-31/distribution", ""))
	do("deny org", jsonReq("AKIDEXAMPLE", "organizations", "AWSOrganizationsV20161128.DescribeOrganization", "{}"))
	do("deny session", form(key, "sts", "Action", "GetCallerIdentity"))
	// Throttling and server errors.
	for _, f := range []emulator.Faults{{ThrottleRate: 1}, {ServerErrorRate: 1}} {
		s.SetFaults(f)
		do(fmt.Sprintf("fault %+v kinesis", f), jsonReq("AKIDEXAMPLE", "kinesis", "Kinesis_20131202.ListStreams", "{}"))
		do(fmt.Sprintf("fault %+v iam", f), iam("Action", "GetRole", "RoleName", "r2"))
		do(fmt.Sprintf("fault %+v sts", f), form("AKIDEXAMPLE", "sts", "Action", "GetCallerIdentity"))
		do(fmt.Sprintf("fault %+v sts via iam", f), form("", "", "Action", "GetCallerIdentity"))
		do(fmt.Sprintf("fault %+v cf", f), cf("GET", "/2020-05-31/realtime-log-config", ""))
		do(fmt.Sprintf("fault %+v org", f), jsonReq("AKIDEXAMPLE", "organizations", "AWSOrganizationsV20161128.ListRoots", "{}"))
		do(fmt.Sprintf("fault %+v unknown", f), cf("GET", "/unknown", ""))
	}
	s.SetFaults(emulator.Faults{})
	bad := httptest.NewRequest("POST", "/?a=%zz", strings.NewReader("x=%zz"))
	bad.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	do("malformed query", bad)
	out.WriteString("### log\n" + logs.b.String())
	golden := filepath.Join("testdata", "wire.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got := out.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s line %d:\ngot  %s\nwant %s", golden, i+1, g, w)
			}
		}
	}
}
