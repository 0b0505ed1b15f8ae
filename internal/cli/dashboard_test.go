package cli

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/serve"
	"github.com/cloudassure/cloudassure/internal/store"
)

// serve's HTTP server with the dashboard at /: the API keeps its bearer
// check, the dashboard signs a browser in with the same token, and the
// token's name is who suppresses.
func TestServeDashboard(t *testing.T) {
	const token = "0123456789abcdef-token"
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "serve.db")
	cfg, err := serve.ParseConfig(filepath.Join(t.TempDir(), "serve.yaml"), []byte("store: "+dsn+
		"\ntoken_name: secops\ntargets:\n  - name: prod\n    schedule: '@every 1h'\n    profile: audit\n"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	svc, err := serve.NewService(cfg, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := finding.Finding{RuleID: "CF-001", Title: "t", Status: finding.Fail, Risk: "Medium", Message: "1 of 1 cache behaviors send no real-time logs",
		Resource:  finding.Resource{Type: "AWS::CloudFront::Distribution", ID: "E1DASH", Name: "shop"},
		Behaviors: []finding.Behavior{{PathPattern: "*", Default: true, State: "absent"}}}
	at := time.Now().Add(-time.Hour)
	if _, err := st.RecordScan(t.Context(), store.ScanRecord{Target: "prod", AccountID: "111111111111", StartedAt: at, FinishedAt: at.Add(time.Second),
		Complete: true, Findings: []finding.Finding{f}}, nil); err != nil {
		t.Fatal(err)
	}
	dash, err := newDashboard(svc, token)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(serve.NewHandler(svc, serve.HTTPOptions{Token: token, Dashboard: dash}))
	defer srv.Close()

	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := plain.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("dashboard without a token: %d %s, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = plain.Get(srv.URL + "/api/v1/findings")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API without a token: %d, want 401", resp.StatusCode)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err = c.PostForm(srv.URL+"/login", url.Values{"token": {token}, "next": {"/d/prod/111111111111/E1DASH"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	for _, want := range []string{"E1DASH", "shop", "cloudassure fix aws --profile audit --distribution E1DASH", "secops"} {
		if !strings.Contains(page, want) {
			t.Errorf("distribution page lacks %q", want)
		}
	}
	i := strings.Index(page, `name="csrf" value="`)
	if i < 0 {
		t.Fatal("no suppress form")
	}
	csrf := page[i+len(`name="csrf" value="`):]
	csrf = csrf[:strings.IndexByte(csrf, '"')]
	resp, err = c.PostForm(srv.URL+"/suppress", url.Values{"csrf": {csrf}, "target": {"prod"}, "account": {"111111111111"},
		"rule": {"CF-001"}, "resource": {"E1DASH"}, "reason": {"accepted"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got, _, err := st.GetFinding(t.Context(), store.Key{Target: "prod", AccountID: "111111111111", RuleID: "CF-001", ResourceID: "E1DASH"})
	if err != nil || got.Status != "SKIP" || got.SuppressionSource != "dashboard:secops" {
		t.Errorf("after suppressing: %d %+v %v", resp.StatusCode, got, err)
	}
	// The API still answers its clients with the bearer token.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/findings", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("API with the token: %d", resp.StatusCode)
	}
}
