package web

import (
	"context"
	"flag"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/browsertest"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

var docsShots = flag.Bool("docs", false, "write the README's screenshots of the overview and a distribution page to docs/")

// The dashboard in headless Chromium: what the pages show against the store,
// the filters, suppressing a finding and lifting it, the chart's points,
// keyboard and labels, contrast in both colour schemes, and screenshots of
// every page at desktop and phone widths.
func TestDashboardInBrowser(t *testing.T) {
	st := seed(t)
	srv := server(t, st, true)
	shots := browsertest.OutputDir(t)
	b := browsertest.New(t)
	ctx := context.Background()

	text := func(t *testing.T, sel string) string {
		t.Helper()
		var s string
		b.Run(t, chromedp.Text(sel, &s, chromedp.ByQuery))
		return strings.TrimSpace(s)
	}

	t.Run("sign in", func(t *testing.T) {
		b.Run(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#token", chromedp.ByID))
		b.Labelled(t)
		b.Run(t, chromedp.SendKeys("#token", testToken, chromedp.ByID), chromedp.Submit("#token", chromedp.ByID),
			chromedp.WaitVisible(`[data-testid="share-now"]`, chromedp.ByQuery))
	})

	t.Run("overview", func(t *testing.T) {
		p, err := buildPosture(ctx, st, now, 30)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := text(t, `[data-testid="share-now"]`), strconv.Itoa(p.Now.Percent())+" %"; got != want {
			t.Errorf("share now %q, the store says %q", got, want)
		}
		if got, want := text(t, `[data-testid="share-now-count"]`), strconv.Itoa(p.Now.OK)+" of "+strconv.Itoa(p.Now.Total); got != want {
			t.Errorf("count %q, want %q", got, want)
		}
		// Each chart was drawn with one point per scan (accounts) or round (target).
		var points struct{ Targets, Accounts, Drawn string }
		b.Eval(t, `({Targets: document.getElementById('chart-targets').dataset.points,
			Accounts: document.getElementById('chart-accounts').dataset.points,
			Drawn: String(document.querySelectorAll('#chart-targets canvas, #chart-accounts canvas').length)})`, &points)
		wantT, wantA := 0, 0
		for _, s := range p.Targets {
			wantT += s.Points()
		}
		for _, s := range p.Accounts {
			wantA += s.Points()
		}
		if points.Targets != strconv.Itoa(wantT) || points.Accounts != strconv.Itoa(wantA) || points.Drawn != "2" {
			t.Errorf("chart points %+v, want %d and %d on 2 canvases", points, wantT, wantA)
		}
		// The 7-day range has fewer points.
		b.Run(t, chromedp.Click(`a[href="/?range=7"]`, chromedp.ByQuery), chromedp.WaitVisible(`a[aria-current="true"][href="/?range=7"]`, chromedp.ByQuery))
		var seven string
		b.Eval(t, `document.getElementById('chart-targets').dataset.points`, &seven)
		if seven != "7" {
			t.Errorf("7 days: %s points, want 7 (one round a day)", seven)
		}
		b.Run(t, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#chart-targets canvas`, chromedp.ByQuery))
		var regressions []string
		b.Eval(t, `Array.from(document.querySelectorAll('.events li')).map(li => li.dataset.kind)`, &regressions)
		if len(regressions) == 0 || regressions[0] != "regression" {
			t.Errorf("newest changes %v, want the latest regression first", regressions)
		}
		if got := text(t, ".unreadable li"); !strings.Contains(got, sandbox) || !strings.Contains(got, "AccessDenied") {
			t.Errorf("unreadable accounts %q", got)
		}
	})

	t.Run("accounts", func(t *testing.T) {
		b.Run(t, chromedp.Navigate(srv.URL+"/accounts"), chromedp.WaitVisible("table.accounts", chromedp.ByQuery))
		accts, err := st.ListAccounts(ctx, store.AccountFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var rows []struct{ Account, Failing string }
		read := func() {
			b.Eval(t, `Array.from(document.querySelectorAll('tr.account')).map(r => ({Account: r.dataset.account, Failing: r.querySelector('[data-col=failing]').textContent}))`, &rows)
		}
		read()
		want := map[string]string{}
		for _, a := range accts {
			want[a.AccountID] = strconv.Itoa(a.Failing)
		}
		got := map[string]string{}
		for _, r := range rows {
			got[r.Account] = r.Failing
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("failing checks per account (-store +page):\n%s", diff)
		}
		// Sort by failing checks, most first, by clicking the header twice.
		b.Run(t, chromedp.Click(`th a[href^="/accounts?sort=failing"]`, chromedp.ByQuery), chromedp.WaitVisible(`th[aria-sort=ascending] a[href*="dir=desc"]`, chromedp.ByQuery),
			chromedp.Click(`th[aria-sort=ascending] a`, chromedp.ByQuery), chromedp.WaitVisible(`th[aria-sort=descending]`, chromedp.ByQuery))
		read()
		for i := 1; i < len(rows); i++ {
			a, _ := strconv.Atoi(rows[i-1].Failing)
			c, _ := strconv.Atoi(rows[i].Failing)
			if a < c {
				t.Errorf("not sorted by failing checks, most first: %v", rows)
			}
		}
		// Filter with the keyboard (htmx swaps the table).
		b.Run(t, chromedp.SendKeys("#a-q", "stag", chromedp.ByID),
			chromedp.WaitNotPresent(`tr.account[data-account="`+prod+`"]`, chromedp.ByQuery))
		read()
		if len(rows) != 1 || rows[0].Account != staging {
			t.Errorf("filter 'stag': %v", rows)
		}
	})

	t.Run("findings filters", func(t *testing.T) {
		b.Run(t, chromedp.Navigate(srv.URL+"/findings"), chromedp.WaitVisible("table.findings", chromedp.ByQuery),
			browsertest.SetValue("#f-status", "FAIL"), chromedp.WaitNotPresent(`tr.finding[data-status="PASS"]`, chromedp.ByQuery))
		var shown []string
		b.Eval(t, `Array.from(document.querySelectorAll('tr.finding')).map(r => r.dataset.account + '/' + r.dataset.rule + '/' + r.dataset.resource + ' ' + r.dataset.status)`, &shown)
		fails, err := allFindings(ctx, st, store.FindingFilter{Status: "FAIL"})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range fails {
			want = append(want, f.AccountID+"/"+f.RuleID+"/"+f.ResourceID+" FAIL")
		}
		if diff := cmp.Diff(want, shown); diff != "" {
			t.Errorf("FAIL findings (-store +page):\n%s", diff)
		}
		var loc string
		b.Run(t, chromedp.Location(&loc))
		if !strings.Contains(loc, "status=FAIL") {
			t.Errorf("the filter is not in the URL: %s", loc)
		}
		b.Run(t, browsertest.SetValue("#f-rule", "CF-003"), chromedp.WaitNotPresent(`tr.finding[data-rule="CF-001"]`, chromedp.ByQuery))
		b.Eval(t, `Array.from(document.querySelectorAll('tr.finding')).map(r => r.dataset.resource)`, &shown)
		if diff := cmp.Diff([]string{"E2PREVIEW0002"}, shown); diff != "" {
			t.Errorf("FAIL CF-003 (-want +got):\n%s", diff)
		}
	})

	t.Run("suppress and lift", func(t *testing.T) {
		page := srv.URL + distURL(target, staging, "E2STAGE000001")
		b.Run(t, chromedp.Navigate(page), chromedp.WaitVisible("#check-CF-001", chromedp.ByQuery))
		if got := text(t, "#check-CF-001 .badge"); got != "FAIL" {
			t.Fatalf("CF-001 shows %q before suppressing", got)
		}
		b.Run(t, chromedp.Click("#check-CF-001 .suppress-box summary", chromedp.ByQuery),
			chromedp.SendKeys(`#check-CF-001 input[name=reason]`, "rebuilt next week", chromedp.ByQuery),
			chromedp.Click(`#check-CF-001 form.suppress button`, chromedp.ByQuery),
			chromedp.WaitVisible(`#check-CF-001 [data-testid="suppression"]`, chromedp.ByQuery))
		if got := text(t, "#check-CF-001 .badge"); got != "SKIP" {
			t.Errorf("CF-001 shows %q after suppressing, want SKIP", got)
		}
		if got := text(t, `#check-CF-001 [data-testid="suppression"]`); !strings.Contains(got, "rebuilt next week") || !strings.Contains(got, "dashboard:alice") {
			t.Errorf("suppression shown as %q", got)
		}
		f, _, err := st.GetFinding(ctx, store.Key{Target: target, AccountID: staging, RuleID: "CF-001", ResourceID: "E2STAGE000001"})
		if err != nil || f.Status != "SKIP" || f.SuppressionSource != "dashboard:alice" {
			t.Errorf("store after suppressing: %+v %v", f, err)
		}
		b.Screenshot(t, shots, "distribution-suppressed", 1280, 900)
		b.Run(t, chromedp.Click("#check-CF-001 button.lift", chromedp.ByQuery),
			chromedp.WaitNotPresent(`#check-CF-001 [data-testid="suppression"]`, chromedp.ByQuery))
		if got := text(t, "#check-CF-001 .badge"); got != "FAIL" {
			t.Errorf("CF-001 shows %q after lifting, want FAIL", got)
		}
		var kinds []string
		b.Eval(t, `Array.from(document.querySelectorAll('.timeline li')).map(li => li.dataset.kind)`, &kinds)
		if len(kinds) < 2 || kinds[0] != "suppression_lifted" || kinds[1] != "suppressed" {
			t.Errorf("history %v, want the lift and the suppression newest first", kinds)
		}
	})

	t.Run("distribution", func(t *testing.T) {
		b.Run(t, chromedp.Navigate(srv.URL+distURL(target, prod, "E1API00000003")), chromedp.WaitVisible("table.behaviors", chromedp.ByQuery))
		// The failing CF-001 lists the faulted behavior apart from the
		// others: the page puts every behavior back at its recorded position.
		f, _, err := st.GetFinding(ctx, store.Key{Target: target, AccountID: prod, RuleID: "CF-001", ResourceID: "E1API00000003"})
		if err != nil || f.Status != "FAIL" {
			t.Fatalf("store: CF-001 of E1API00000003 is %+v %v, want FAIL", f, err)
		}
		recorded := append(append([]finding.Behavior(nil), f.Detail.Behaviors...), f.Detail.OtherBehaviors...)
		sort.Slice(recorded, func(i, j int) bool { return recorded[i].Position < recorded[j].Position })
		var want []string
		for _, bh := range recorded {
			pos := strconv.Itoa(bh.Position)
			if bh.Default {
				pos = "default"
			}
			want = append(want, pos+" "+bh.PathPattern)
		}
		if diff := cmp.Diff([]string{"default *", "1 /v1/*", "2 /v2/*"}, want); diff != "" {
			t.Fatalf("the store's behaviors (-want +got):\n%s", diff)
		}
		var shown []string
		b.Eval(t, `Array.from(document.querySelectorAll('tr.behavior')).map(r => r.querySelector('td.position').textContent.trim() + ' ' + r.dataset.path)`, &shown)
		if diff := cmp.Diff(want, shown); diff != "" {
			t.Errorf("behaviors in the distribution's order (-want +got):\n%s", diff)
		}
		checkJudged(t, b, st, prod, "E1API00000003")
		if got := text(t, `[data-testid="fix-cmd"]`); got != "cloudassure fix aws --distribution E1API00000003" {
			t.Errorf("fix command %q", got)
		}
	})

	t.Run("distribution with a broken delivery", func(t *testing.T) {
		b.Run(t, chromedp.Navigate(srv.URL+distURL(target, staging, "E2MEDIA000003")), chromedp.WaitVisible("#delivery-h", chromedp.ByQuery))
		checkJudged(t, b, st, staging, "E2MEDIA000003")
	})

	pages := map[string]string{
		"overview":     "/",
		"accounts":     "/accounts",
		"distribution": distURL(target, prod, "E1API00000003"),
		"findings":     "/findings?status=FAIL",
		"scans":        "/scans",
		"alerts":       "/alerts",
	}
	for _, name := range []string{"overview", "accounts", "distribution", "findings", "scans", "alerts"} {
		t.Run("page "+name, func(t *testing.T) {
			b.Run(t, browsertest.ColorScheme("light"), chromedp.Navigate(srv.URL+pages[name]), chromedp.WaitReady("main", chromedp.ByQuery))
			if name == "overview" {
				b.Run(t, chromedp.WaitVisible("#chart-accounts canvas", chromedp.ByQuery))
			}
			b.Labelled(t)
			b.Contrast(t, 4.5, "h1", "h2", "p", "td", "th", "label", "a", ".badge", ".muted", "code", "button", "caption", "summary")
			b.Screenshot(t, shots, name+"-desktop", 1280, 900)
			b.Run(t, browsertest.ColorScheme("dark"))
			b.Contrast(t, 4.5, "h1", "h2", "p", "td", "th", "label", "a", ".badge", ".muted", "code", "button", "caption", "summary")
			b.Screenshot(t, shots, name+"-dark", 1280, 900)
			b.Run(t, browsertest.ColorScheme("light"), browsertest.Viewport(390, 844, true))
			b.NoHorizontalScroll(t)
			b.Screenshot(t, shots, name+"-phone", 390, 844)
			b.Run(t, browsertest.Viewport(1280, 900, false))
		})
	}

	t.Run("keyboard", func(t *testing.T) {
		b.Run(t, chromedp.Navigate(srv.URL+"/findings"), chromedp.WaitVisible("table.findings", chromedp.ByQuery),
			chromedp.KeyEvent("\t"))
		var active string
		b.Eval(t, `document.activeElement.className`, &active)
		if active != "skip" {
			t.Errorf("the first Tab focuses %q, want the skip link", active)
		}
		// Enter on the skip link moves focus to the content.
		b.Run(t, chromedp.KeyEvent("\r"))
		b.Eval(t, `document.activeElement.id`, &active)
		if active != "main" {
			t.Errorf("after the skip link, focus is on %q", active)
		}
	})

	if *docsShots {
		dir := filepath.Join("..", "..", "docs")
		b.Run(t, browsertest.ColorScheme("light"), chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#chart-accounts canvas", chromedp.ByQuery))
		b.Screenshot(t, dir, "dashboard-overview", 1280, 900)
		b.Run(t, chromedp.Navigate(srv.URL+distURL(target, prod, "E1API00000003")), chromedp.WaitVisible("table.behaviors", chromedp.ByQuery))
		b.Screenshot(t, dir, "dashboard-distribution", 1280, 900)
	}

	// Nothing was blocked or failed in the page.
	for _, p := range b.Problems() {
		t.Errorf("the page reported: %s", p)
	}
	// Every request went to the dashboard itself.
	for _, u := range b.Requests() {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") { // data: the date input's own icon
			t.Errorf("the dashboard requested %s", u)
		}
	}
}

// judgedJS reads the stream and role facts the Delivery section shows, per
// related resource.
const judgedJS = `Array.from(document.querySelectorAll('dl.related > dd')).map(dd => {
  const field = (box, f) => { const el = box && box.querySelector('[data-field="' + f + '"]'); return el ? el.textContent.trim() : ''; };
  const s = dd.querySelector('[data-testid="stream-check"]'), r = dd.querySelector('[data-testid="role-check"]');
  return {id: dd.dataset.related,
    stream: s ? [field(s, 'found'), field(s, 'status'), field(s, 'encryption'), field(s, 'key_id'), field(s, 'error')].join('|') : '',
    role: r ? [field(r, 'found'), field(r, 'trust'), field(r, 'error')].concat(
      Array.from(r.querySelectorAll('li[data-perm]')).map(li => li.dataset.perm + ' ' + li.dataset.resource + ' ' + field(li, 'allowed'))).join('|') : ''};
})`

type judgedShown struct {
	ID     string `json:"id"`
	Stream string `json:"stream"`
	Role   string `json:"role"`
}

// checkJudged checks that the distribution page shows, for each resource
// CF-002 names, the stream and role facts the store holds for it.
func checkJudged(t *testing.T, b *browsertest.Browser, st *store.Store, account, id string) {
	t.Helper()
	f, _, err := st.GetFinding(context.Background(), store.Key{Target: target, AccountID: account, RuleID: "CF-002", ResourceID: id})
	if err != nil {
		t.Fatalf("store: CF-002 of %s: %v", id, err)
	}
	yesNo := func(found bool, errMsg string) string {
		switch {
		case found:
			return "yes"
		case errMsg != "":
			return "unknown"
		}
		return "no"
	}
	var want []judgedShown
	streams, roles := 0, 0
	for _, r := range f.Detail.Related {
		j := judgedShown{ID: r.ARN}
		if s := r.Stream; s != nil {
			streams++
			j.Stream = strings.Join([]string{yesNo(s.Found, s.Error), s.Status, s.Encryption, s.KeyID, s.Error}, "|")
		}
		if rc := r.Role; rc != nil {
			roles++
			parts := []string{yesNo(rc.Found, rc.Error), rc.Trust, rc.Error}
			for _, a := range rc.Actions {
				v := "denied"
				if a.Allowed {
					v = "allowed"
				}
				parts = append(parts, a.Action+" "+a.Resource+" "+v)
			}
			j.Role = strings.Join(parts, "|")
		}
		want = append(want, j)
	}
	if streams != 1 || roles != 1 {
		t.Fatalf("the store's CF-002 of %s judges %d streams and %d roles, want 1 of each: %+v", id, streams, roles, f.Detail.Related)
	}
	var got []judgedShown
	b.Eval(t, judgedJS, &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: stream and role as CF-002 judged them (-store +page):\n%s", id, diff)
	}
}
