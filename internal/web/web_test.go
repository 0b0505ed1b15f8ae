package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/browsertest"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

const testToken = "s3cret-token-value"

// server serves the dashboard over the seeded store; with token set, the
// token "s3cret-token-value" is alice's.
func server(t testing.TB, st *store.Store, token bool) *httptest.Server {
	t.Helper()
	opts := Options{Now: func() time.Time { return now }, CSRFKey: []byte("test-csrf-key"), PageSize: 10}
	if token {
		opts.Authenticate = func(tok string) (string, bool) {
			if tok == testToken {
				return "alice", true
			}
			return "", false
		}
	}
	h, err := New(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// client signs in with the token and keeps the session cookie.
func client(t testing.TB, srv *httptest.Server) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.PostForm(srv.URL+"/login", url.Values{"token": {testToken}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
		t.Fatalf("sign-in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	return c
}

func get(t testing.TB, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func TestPages(t *testing.T) {
	st := seed(t)
	srv := server(t, st, true)
	c := client(t, srv)
	d1 := distURL(target, prod, "E1API00000003")
	tests := []struct {
		path string
		want []string
	}{
		{"/", []string{`data-testid="share-now">71 %`, `5 of 7`, "Per target", "Per account", `data-points="12"`,
			"sandbox", "sts:AssumeRole failed: AccessDenied", "regression", "E1API00000003"}},
		{"/?range=7", []string{`aria-current="true">7 days`, `data-points="7"`}},
		{"/accounts", []string{prod, staging, sandbox, `class="spark"`, `aria-sort="ascending"`}},
		{"/accounts?sort=failing&dir=desc", []string{`aria-sort="descending"><a href="/accounts?sort=failing">Failing checks`}},
		{d1, []string{"public api", "/v1/*", "/v2/*", "cloudassure fix aws --distribution E1API00000003", "new_failure", "resolved", "regression",
			"arn:aws:kinesis:us-east-1:111111111111:stream/cf-logs", "CloudFormation", "Terraform"}},
		{"/findings?status=FAIL", []string{"E1API00000003", "E2STAGE000001", "E2MEDIA000003", "Suppress"}},
		{"/findings?q=media", []string{"E2MEDIA000003"}},
		{"/scans", []string{"AccessDenied", "<strong>no</strong>"}},
		{"/alerts", []string{"slack-secops", "slack: 500 Internal Server Error", `data-status="sent"`, `data-status="failed"`}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			code, body, hdr := get(t, c, srv.URL+tc.path)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if hdr.Get("Content-Security-Policy") != CSP {
				t.Errorf("CSP %q", hdr.Get("Content-Security-Policy"))
			}
			refs, err := browsertest.ExternalReferences([]byte(body))
			if err != nil || len(refs) > 0 {
				t.Errorf("external references %q (%v)", refs, err)
			}
			if strings.Contains(body, "<script>alert") || strings.Contains(body, `<img src=https://evil`) {
				t.Error("a name from the store was not escaped")
			}
			if strings.Contains(body, testToken) {
				t.Error("the page shows the token")
			}
		})
	}
	if code, _, _ := get(t, c, srv.URL+distURL(target, prod, "NOPE")); code != http.StatusNotFound {
		t.Errorf("unknown distribution: %d", code)
	}
}

// The share of fully logging distributions over time follows the seeded
// history; an account that could not be read is not a distribution.
func TestPosture(t *testing.T) {
	st := seed(t)
	unreadable := finding.Finding{RuleID: "CF-001", Title: "t", Status: finding.Error, Risk: "Medium", Message: "could not be audited",
		Resource: finding.Resource{Type: "AWS::Organizations::Account", ID: "444444444444"}}
	if _, err := st.RecordScan(context.Background(), store.ScanRecord{Target: target, AccountID: "444444444444", StartedAt: now.Add(-time.Hour),
		FinishedAt: now.Add(-time.Hour), Complete: true, Findings: []finding.Finding{unreadable}}, nil); err != nil {
		t.Fatal(err)
	}
	p, err := buildPosture(context.Background(), st, now, 90)
	if err != nil {
		t.Fatal(err)
	}
	if p.Now != (share{OK: 5, Total: 7}) {
		t.Errorf("now %+v, want 5 of 7", p.Now)
	}
	var prodSeries Series
	for _, s := range p.Accounts {
		if s.Label == target+" / "+prod {
			prodSeries = s
		}
	}
	// prod: shop fails rounds 0-3, api fails rounds 0-7 and from 10 on (regressAt 11 → round index 11).
	var got []int
	for _, v := range prodSeries.OK {
		got = append(got, v)
	}
	want := []int{1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 2}
	if len(got) != len(want) {
		t.Fatalf("prod has %d points, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("prod round %d: %d fully logging, want %d (all %v)", i, got[i], want[i], got)
		}
	}
	// One point per round, and one for the extra account's scan, which adds no distribution.
	if len(p.Targets) != 1 || p.Targets[0].Points() != rounds+1 || p.Targets[0].Total[rounds] != 7 {
		t.Errorf("target series %+v", p.Targets)
	}
}

func TestAuthentication(t *testing.T) {
	st := seed(t)
	srv := server(t, st, true)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(srv.URL + "/findings?status=FAIL")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Ffindings%3Fstatus%3DFAIL" {
		t.Errorf("no token: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A wrong token signs nobody in; a bearer token works without a cookie.
	resp, err = http.PostForm(srv.URL+"/login", url.Values{"token": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/scans", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("bearer token: %d", resp.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer wrong")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong bearer token: %d", resp.StatusCode)
	}
	// The session cookie does not hold the token, and a forged one is refused.
	c := client(t, srv)
	u, _ := url.Parse(srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if strings.Contains(ck.Value, testToken) {
			t.Error("the cookie holds the token")
		}
	}
	forged := &http.Client{CheckRedirect: noRedirect.CheckRedirect}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: "YWxpY2U.9999999999.forged"})
	resp, err = forged.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("forged session: %d", resp.StatusCode)
	}
}

func TestSuppressFromThePage(t *testing.T) {
	st := seed(t)
	srv := server(t, st, true)
	c := client(t, srv)
	page := distURL(target, staging, "E2STAGE000001")
	_, body, _ := get(t, c, srv.URL+page)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page has no CSRF field")
	}
	form := url.Values{"target": {target}, "account": {staging}, "rule": {"CF-001"}, "resource": {"E2STAGE000001"},
		"reason": {"staging is rebuilt next week"}, "expires": {"2027-01-15"}, "return": {page}}
	post := func(v url.Values, hdr map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/suppress", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, x := range hdr {
			req.Header.Set(k, x)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(form, nil); code != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d, want 403", code)
	}
	withCSRF := url.Values{}
	for k, v := range form {
		withCSRF[k] = v
	}
	withCSRF.Set("csrf", m[1])
	if code := post(withCSRF, map[string]string{"Origin": "https://evil.example"}); code != http.StatusForbidden {
		t.Errorf("cross-origin: %d, want 403", code)
	}
	if code := post(withCSRF, map[string]string{"Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden {
		t.Errorf("cross-site: %d, want 403", code)
	}
	bad := url.Values{}
	for k, v := range withCSRF {
		bad[k] = v
	}
	bad.Set("reason", " ")
	if code := post(bad, nil); code != http.StatusBadRequest {
		t.Errorf("no reason: %d, want 400", code)
	}
	if code := post(withCSRF, map[string]string{"Origin": srv.URL}); code != http.StatusOK { // followed the 303 to the page
		t.Fatalf("suppress: %d", code)
	}
	f, _, err := st.GetFinding(context.Background(), store.Key{Target: target, AccountID: staging, RuleID: "CF-001", ResourceID: "E2STAGE000001"})
	if err != nil || f.Status != "SKIP" || f.SuppressionReason != "staging is rebuilt next week" || f.SuppressionSource != "dashboard:alice" {
		t.Errorf("suppressed finding %+v %v", f, err)
	}
	_, body, _ = get(t, c, srv.URL+page)
	for _, w := range []string{"Suppressed: staging is rebuilt next week", "dashboard:alice", "until 2027-01-15", "Lift suppression", "suppressed by alice"} {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q after suppressing", w)
		}
	}
	lift := url.Values{"csrf": {m[1]}, "target": {target}, "account": {staging}, "rule": {"CF-001"}, "resource": {"E2STAGE000001"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/lift", strings.NewReader(lift.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("lift: %d", resp.StatusCode)
	}
	_, body, _ = get(t, c, srv.URL+page)
	if !strings.Contains(body, "suppression lifted by alice") || strings.Contains(body, "Lift suppression") {
		t.Error("the page does not show the lifted suppression")
	}
}

func TestExport(t *testing.T) {
	st := seed(t)
	srv := server(t, st, false) // no token configured: everyone is "local"
	c := &http.Client{Timeout: 30 * time.Second}
	code, body, hdr := get(t, c, srv.URL+"/findings.csv?status=FAIL&rule=CF-001")
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", code, hdr.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rows[1:] {
		ids = append(ids, r[6])
	}
	want := "E1API00000003 E2STAGE000001"
	if strings.Join(ids, " ") != want {
		t.Errorf("csv rows %v, want %s", ids, want)
	}
	_, body, _ = get(t, c, srv.URL+"/findings.json?account="+staging+"&q=preview")
	var out struct{ Findings []store.Finding }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Findings) != 3 {
		t.Errorf("json: %d findings, want the preview's 3", len(out.Findings))
	}
	for _, f := range out.Findings {
		if f.ResourceID != "E2PREVIEW0002" {
			t.Errorf("json: %s", f.ResourceID)
		}
	}
}

// Paging walks every finding once.
func TestFindingsPaging(t *testing.T) {
	st := seed(t)
	srv := server(t, st, false)
	c := &http.Client{Timeout: 30 * time.Second}
	seen := map[string]bool{}
	next := srv.URL + "/findings"
	rowRe := regexp.MustCompile(`class="finding" data-status="[A-Z]+" data-rule="([^"]+)" data-resource="([^"]+)" data-account="([^"]+)"`)
	nextRe := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		_, body, _ := get(t, c, next)
		for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
			k := m[3] + "/" + m[1] + "/" + m[2]
			if seen[k] {
				t.Errorf("%s on two pages", k)
			}
			seen[k] = true
		}
		next = ""
		if m := nextRe.FindStringSubmatch(body); m != nil {
			next = srv.URL + strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	all, err := allFindings(context.Background(), st, store.FindingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(all) || len(all) <= 10 {
		t.Errorf("paged through %d findings, the store has %d (page size 10)", len(seen), len(all))
	}
}

// TestBadListFilters: a filter the store cannot use is a 400 page saying
// what is wrong (a stale page link for a cursor it did not give).
func TestBadListFilters(t *testing.T) {
	st := seed(t)
	srv := server(t, st, true)
	c := client(t, srv)
	for path, want := range map[string]string{
		"/alerts?status=delivered": `status: &#34;delivered&#34; is not one of pending, sending, sent, failed`,
		"/alerts?cursor=zzz":       "the page link is not valid any more",
		"/scans?cursor=zzz":        "the page link is not valid any more",
		"/findings?cursor=zzz":     "the page link is not valid any more: start again from the first page",
	} {
		code, body, _ := get(t, c, srv.URL+path)
		if code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want 400 with %q:\n%.400s", path, code, want, body)
		}
	}
}
