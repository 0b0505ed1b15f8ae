package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

type openAPI struct {
	Paths map[string]map[string]struct {
		Parameters []struct {
			Name     string `json:"name"`
			Required bool   `json:"required"`
			Schema   struct {
				Type string `json:"type"`
			} `json:"schema"`
		} `json:"parameters"`
		Responses map[string]struct {
			Content map[string]struct {
				Schema struct {
					Ref string `json:"$ref"`
				} `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"paths"`
}

// apiFixture is a service on SQLite with a little history, behind a token.
func apiFixture(t *testing.T) (*httptest.Server, *Service) {
	t.Helper()
	dsn := "sqlite:" + t.TempDir() + "/api.db"
	st := openStore(t, dsn)
	cfg := testConfig(t, dsn, "targets:\n  - name: prod\n    schedule: '@every 1h'\nalerts:\n  - name: term\n    type: terminal\n")
	svc, err := NewService(cfg, st, &fakeScanner{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc.Channels, _ = Channels(cfg, io.Discard)
	svc.SetQueue(newMemQueue(svc, QueueOptions{}))
	if err := svc.SyncTargets(t.Context()); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().Add(-time.Hour).UTC()
	for i, status := range []finding.Status{finding.Pass, finding.Fail, finding.Pass} {
		rec := store.ScanRecord{Target: "prod", AccountID: "111111111111", StartedAt: t0.Add(time.Duration(i) * time.Minute),
			FinishedAt: t0.Add(time.Duration(i)*time.Minute + time.Second), Complete: i != 2,
			Findings: []finding.Finding{fnd("CF-001", "D1", status), fnd("CF-002", "D1", finding.Fail)}, APICalls: map[string]int{"cloudfront:ListDistributions": 1}}
		if i == 2 {
			rec.Errors = []finding.ScanError{{Message: "AccessDenied", Operation: "cloudfront:ListRealtimeLogConfigs", Code: "AccessDenied"}}
		}
		if _, err := st.RecordScan(t.Context(), rec, svc.Route); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(NewHandler(svc, HTTPOptions{Token: "t0ken", Extra: map[string]http.Handler{
		"GET /extra": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "extra") }),
	}}))
	t.Cleanup(srv.Close)
	return srv, svc
}

func call(t *testing.T, srv *httptest.Server, method, path, body string, hdr map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer t0ken")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestOpenAPIMatchesHandlers: the document lists exactly the API routes;
// every operation answers with a body its schema accepts; every documented
// query parameter is accepted.
func TestOpenAPIMatchesHandlers(t *testing.T) {
	var doc openAPI
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var documented, served []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	for _, r := range (&api{}).routes() {
		if r.pattern != "GET /api/v1/openapi.json" {
			served = append(served, r.pattern)
		}
	}
	sort.Strings(documented)
	sort.Strings(served)
	if diff := cmp.Diff(served, documented); diff != "" {
		t.Fatalf("routes (-served +documented):\n%s", diff)
	}

	c := jsonschema.NewCompiler()
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPIDoc))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("openapi.json", raw); err != nil {
		t.Fatal(err)
	}
	validate := func(t *testing.T, ref string, body []byte) {
		t.Helper()
		sch, err := c.Compile("openapi.json" + ref)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v\n%s", ref, err, body)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s: body does not match the schema: %v\n%s", ref, err, body)
		}
	}
	srv, _ := apiFixture(t)
	samples := map[string]string{"target": "prod", "account": "111111111111", "rule": "CF-001", "resource": "D1", "status": "FAIL",
		"risk": "Medium", "since": "7d", "until": "2099-01-01T00:00:00Z", "kind": "new_failure,regression", "channel": "term",
		"round": "x", "after_id": "0", "limit": "5", "cursor": ""}
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok {
			continue
		}
		t.Run(path, func(t *testing.T) {
			var required []string
			for _, p := range op.Parameters {
				if p.Required {
					required = append(required, p.Name+"="+samples[p.Name])
				}
			}
			base := path + "?" + strings.Join(required, "&")
			code, body := call(t, srv, "GET", base, "", nil)
			if code != 200 {
				t.Fatalf("GET %s: %d %s", base, code, body)
			}
			validate(t, op.Responses["200"].Content["application/json"].Schema.Ref, body)
			if !strings.Contains(string(body), "111111111111") && path != "/api/v1/targets" && path != "/api/v1/deliveries" {
				t.Errorf("GET %s: no data in %s", base, body)
			}
			for _, p := range op.Parameters {
				v, ok := samples[p.Name]
				if p.Schema.Type == "boolean" {
					v, ok = "true", true
				}
				if path == "/api/v1/deliveries" && p.Name == "status" {
					v = store.DeliverySent // a delivery's status, not a finding's
				}
				if !ok {
					t.Errorf("no sample value for parameter %s", p.Name)
					continue
				}
				code, body := call(t, srv, "GET", base+"&"+p.Name+"="+v, "", nil)
				if code != 200 {
					t.Errorf("GET %s with %s=%s: %d %s", path, p.Name, v, code, body)
				}
			}
		})
	}
	t.Run("POST /api/v1/scans", func(t *testing.T) {
		code, body := call(t, srv, "POST", "/api/v1/scans", `{"target":"prod"}`, map[string]string{"Content-Type": "application/json"})
		if code != 202 {
			t.Fatalf("%d %s", code, body)
		}
		validate(t, "#/components/schemas/TriggerResponse", body)
		code, body = call(t, srv, "POST", "/api/v1/scans", `{"target":"prod"}`, map[string]string{"Content-Type": "application/json"})
		if code != 202 || !strings.Contains(string(body), `"queued": false`) {
			t.Errorf("second trigger while pending: %d %s", code, body)
		}
		for _, tc := range []struct {
			body, ct string
			code     int
		}{{`target=prod`, "application/x-www-form-urlencoded", 415}, {`{"target":"nope"}`, "application/json", 404},
			{`{"target":"prod","x":1}`, "application/json", 400}, {`{`, "application/json", 400}} {
			code, body := call(t, srv, "POST", "/api/v1/scans", tc.body, map[string]string{"Content-Type": tc.ct})
			if code != tc.code {
				t.Errorf("POST %s (%s): %d %s, want %d", tc.body, tc.ct, code, body, tc.code)
			}
			validate(t, "#/components/schemas/Error", body)
		}
	})
}

func TestAPIErrorsAndData(t *testing.T) {
	srv, _ := apiFixture(t)
	for _, path := range []string{"/api/v1/findings?status=BAD", "/api/v1/findings?risk=Severe", "/api/v1/findings?limit=x",
		"/api/v1/findings?cursor=zzz", "/api/v1/events?kind=bogus", "/api/v1/events?since=yesterday", "/api/v1/findings/history?target=prod",
		"/api/v1/scans?complete=maybe", "/api/v1/deliveries?status=delivered"} {
		if code, body := call(t, srv, "GET", path, "", nil); code != 400 {
			t.Errorf("GET %s: %d %s, want 400", path, code, body)
		}
	}
	code, body := call(t, srv, "GET", "/api/v1/findings/history?target=prod&account=111111111111&rule=CF-001&resource=D1", "", nil)
	var h struct {
		Finding store.Finding
		Events  []store.Event
	}
	if err := json.Unmarshal(body, &h); err != nil || code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var kinds []string
	for _, e := range h.Events {
		kinds = append(kinds, string(e.Kind))
	}
	if diff := cmp.Diff([]string{"regression", "resolved"}, kinds); diff != "" || h.Finding.Status != "PASS" {
		t.Errorf("history: status %s, events (-want +got):\n%s", h.Finding.Status, diff)
	}
	code, body = call(t, srv, "GET", "/api/v1/scans?complete=false", "", nil)
	if code != 200 || !strings.Contains(string(body), "AccessDenied") || strings.Count(string(body), `"round_id"`) != 1 {
		t.Errorf("partial scans: %d %s", code, body)
	}
	code, body = call(t, srv, "GET", "/api/v1/findings?stale=true", "", nil)
	if code != 200 || strings.Count(string(body), `"rule_id"`) != 0 {
		t.Errorf("stale findings (all re-checked): %d %s", code, body)
	}
	code, body = call(t, srv, "GET", "/api/v1/findings/history?target=prod&account=111111111111&rule=CF-001&resource=nope", "", nil)
	if code != 404 {
		t.Errorf("history of an unknown finding: %d %s", code, body)
	}
}

func TestAuth(t *testing.T) {
	srv, _ := apiFixture(t)
	for _, tc := range []struct {
		path, auth string
		code       int
	}{
		{"/api/v1/findings", "", 401}, {"/api/v1/findings", "Bearer wrong", 401}, {"/api/v1/findings", "t0ken", 401},
		{"/api/v1/findings", "Bearer t0ken", 200}, {"/metrics", "", 401}, {"/metrics", "Bearer t0ken", 200},
		{"/extra", "", 401}, {"/extra", "Bearer t0ken", 200}, {"/healthz", "", 200}, {"/readyz", "", 200},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("GET %s with %q: %d, want %d", tc.path, tc.auth, resp.StatusCode, tc.code)
		}
	}
}

func TestMetrics(t *testing.T) {
	srv, svc := apiFixture(t)
	if _, err := svc.Sender().SendDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, body := call(t, srv, "GET", "/metrics", "", nil)
	for _, want := range []string{
		`cloudassure_findings_failing{account="111111111111",risk="Medium",rule="CF-002",target="prod"} 1`,
		`cloudassure_last_complete_scan_timestamp_seconds{account="111111111111",target="prod"}`,
		`cloudassure_findings_stale{account="111111111111",target="prod"} 0`,
		`cloudassure_store_up 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !slices.ContainsFunc(strings.Split(string(body), "\n"), func(l string) bool { return strings.HasPrefix(l, `cloudassure_alert_deliveries{channel="term"`) }) {
		t.Errorf("no delivery metrics:\n%s", body)
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:80": true, "localhost:1": true, ":8080": false,
		"0.0.0.0:8080": false, "10.0.0.1:80": false, "example.com:80": false, "bad": false} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v", addr, got)
		}
	}
}
