package report

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/browsertest"
	"github.com/cloudassure/cloudassure/internal/finding"
)

// shownJS reads what the page shows: the summary cards, the visible
// distributions with their visible checks, and the filter's status line.
const shownJS = `(() => {
  const vis = el => el.getClientRects().length > 0;
  const cards = {};
  document.querySelectorAll('[data-count]').forEach(el => { cards[el.dataset.count] = el.textContent.trim(); });
  const dists = Array.from(document.querySelectorAll('article.dist')).filter(vis).map(d => ({
    id: d.querySelector('.dist-id').textContent,
    status: d.querySelector('h3 .badge').textContent,
    checks: Array.from(d.querySelectorAll('tr.check')).filter(vis).map(r =>
      r.querySelector('.rule').textContent + ' ' + r.querySelector('.badge').textContent),
  }));
  const shown = document.getElementById('shown');
  return {cards, dists, shown: shown && vis(shown) ? shown.textContent : '',
    filters: vis(document.getElementById('filters')),
    none: vis(document.getElementById('none-shown'))};
})()`

type shownDist struct {
	ID     string   `json:"id"`
	Status string   `json:"status"`
	Checks []string `json:"checks"`
}

type shownPage struct {
	Cards   map[string]string `json:"cards"`
	Dists   []shownDist       `json:"dists"`
	Shown   string            `json:"shown"`
	Filters bool              `json:"filters"`
	None    bool              `json:"none"`
}

// expectShown computes from the findings what the page must show when the
// findings matching keep are the visible ones: distributions in the order
// worst status first, checks worst first.
func expectShown(r *finding.Report, keep func(*finding.Finding) bool) []shownDist {
	type group struct {
		d     shownDist
		worst int
		all   []finding.Finding
	}
	var groups []*group
	index := map[string]*group{}
	for _, f := range r.Findings {
		g, ok := index[f.Resource.ID]
		if !ok {
			g = &group{d: shownDist{ID: f.Resource.ID}, worst: 99}
			index[f.Resource.ID] = g
			groups = append(groups, g)
		}
		g.all = append(g.all, f)
		g.worst = min(g.worst, slices.Index(finding.Statuses(), f.Status))
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return a.worst - b.worst })
	var out []shownDist
	for _, g := range groups {
		g.d.Status = string(finding.Statuses()[g.worst])
		for _, st := range finding.Statuses() {
			for i := range g.all {
				if f := &g.all[i]; f.Status == st && keep(f) {
					g.d.Checks = append(g.d.Checks, f.RuleID+" "+string(f.Status))
				}
			}
		}
		if len(g.d.Checks) > 0 {
			out = append(out, g.d)
		}
	}
	return out
}

func TestHTMLInBrowser(t *testing.T) {
	r := htmlSampleReport()
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, render(t, "html", htmlOptions(), r), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + file
	shots := browsertest.OutputDir(t)
	b := browsertest.New(t)
	b.Run(t, chromedp.Navigate(url), chromedp.WaitVisible("#filters", chromedp.ByID))

	all := func(*finding.Finding) bool { return true }
	read := func(t *testing.T) shownPage {
		t.Helper()
		var p shownPage
		b.Eval(t, shownJS, &p)
		return p
	}
	s := r.Summary
	total := len(r.Findings)

	t.Run("shows the findings", func(t *testing.T) {
		p := read(t)
		wantCards := map[string]string{
			"FAIL": strconv.Itoa(s.Fail), "ERROR": strconv.Itoa(s.Error), "PASS": strconv.Itoa(s.Pass),
			"SKIP": strconv.Itoa(s.Skip), "resources": strconv.Itoa(s.Resources), "logging": "1 of 4",
		}
		if diff := cmp.Diff(wantCards, p.Cards); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(expectShown(r, all), p.Dists); diff != "" {
			t.Errorf("distributions (-want +got):\n%s", diff)
		}
		if want := "10 of 10 checks in 5 of 5 distributions"; p.Shown != want {
			t.Errorf("status line %q, want %q", p.Shown, want)
		}
	})

	t.Run("stream and role as CF-002 judged them", func(t *testing.T) {
		var want []judgedShown
		for _, f := range r.Findings {
			for _, rel := range f.Related {
				if j, ok := expectJudged(f, rel); ok {
					want = append(want, j)
				}
			}
		}
		if len(want) < 4 {
			t.Fatalf("the sample report judges %d streams and roles, want at least 4", len(want))
		}
		var got []judgedShown
		b.Eval(t, judgedJS, &got)
		byPlace := func(a, b judgedShown) int {
			return strings.Compare(a.Dist+" "+a.Rule+" "+a.ARN, b.Dist+" "+b.Rule+" "+b.ARN)
		}
		slices.SortStableFunc(want, byPlace)
		slices.SortStableFunc(got, byPlace)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("judged streams and roles (-report +page):\n%s", diff)
		}
	})

	t.Run("status filter", func(t *testing.T) {
		for _, st := range []string{"ERROR", "PASS", "SKIP"} {
			b.Run(t, chromedp.Click(`input[name=status][value=`+st+`]`, chromedp.ByQuery))
		}
		p := read(t)
		want := expectShown(r, func(f *finding.Finding) bool { return f.Status == finding.Fail })
		if diff := cmp.Diff(want, p.Dists); diff != "" {
			t.Errorf("only FAIL (-want +got):\n%s", diff)
		}
		if w := strconv.Itoa(s.Fail) + " of " + strconv.Itoa(total) + " checks in 3 of 5 distributions"; p.Shown != w {
			t.Errorf("status line %q, want %q", p.Shown, w)
		}
		b.Run(t, chromedp.Click(`input[name=status][value=FAIL]`, chromedp.ByQuery))
		if p := read(t); len(p.Dists) != 0 || !p.None {
			t.Errorf("no status checked: %d distributions shown, empty message shown %v", len(p.Dists), p.None)
		}
		b.Run(t, chromedp.Click(`button[type=reset]`, chromedp.ByQuery))
		if diff := cmp.Diff(expectShown(r, all), read(t).Dists); diff != "" {
			t.Errorf("after reset (-want +got):\n%s", diff)
		}
	})

	t.Run("rule, risk and text filters", func(t *testing.T) {
		b.Run(t, browsertest.SetValue("#f-rule", "CF-002"))
		want := expectShown(r, func(f *finding.Finding) bool { return f.RuleID == "CF-002" })
		if diff := cmp.Diff(want, read(t).Dists); diff != "" {
			t.Errorf("rule CF-002 (-want +got):\n%s", diff)
		}
		b.Run(t, browsertest.SetValue("#f-rule", ""), browsertest.SetValue("#f-risk", "Low"))
		want = expectShown(r, func(f *finding.Finding) bool { return f.Risk == "Low" })
		if diff := cmp.Diff(want, read(t).Dists); diff != "" {
			t.Errorf("risk Low (-want +got):\n%s", diff)
		}
		b.Run(t, browsertest.SetValue("#f-risk", ""))
		// Typed with the keyboard: a distribution's name matches all its checks,
		// a message word matches only its check.
		b.Run(t, chromedp.Focus("#f-text", chromedp.ByQuery), chromedp.SendKeys("#f-text", "Shop Frontend", chromedp.ByQuery))
		want = expectShown(r, func(f *finding.Finding) bool { return f.Resource.ID == "E1LIVEPROD0001" })
		if diff := cmp.Diff(want, read(t).Dists); diff != "" {
			t.Errorf("text 'shop frontend' (-want +got):\n%s", diff)
		}
		b.Run(t, browsertest.SetValue("#f-text", ""), chromedp.SendKeys("#f-text", "does not exist", chromedp.ByQuery))
		want = expectShown(r, func(f *finding.Finding) bool { return strings.Contains(f.Message, "does not exist") })
		if diff := cmp.Diff(want, read(t).Dists); diff != "" {
			t.Errorf("text 'does not exist' (-want +got):\n%s", diff)
		}
		b.Run(t, chromedp.Click(`button[type=reset]`, chromedp.ByQuery))
	})

	t.Run("remediation", func(t *testing.T) {
		b.Run(t, chromedp.Click(`button[type=reset]`, chromedp.ByQuery))
		var open bool
		b.Run(t,
			chromedp.Click(`#dist-1 a[href="#fix-CF-001"]`, chromedp.ByQuery),
			chromedp.Evaluate(`document.getElementById('fix-CF-001').open`, &open))
		if !open {
			t.Error("following 'How to fix CF-001' did not open its remediation")
		}
		var texts []string
		b.Eval(t, `Array.from(document.querySelectorAll('#fix-CF-001 pre')).map(p => p.textContent)`, &texts)
		rem := sampleRemediation()["CF-001"]
		if diff := cmp.Diff([]string{rem.CLI, rem.CloudFormation, rem.Terraform}, texts); diff != "" {
			t.Errorf("remediation steps (-want +got):\n%s", diff)
		}
		var fix string
		b.Run(t, chromedp.Text(`#dist-1 .fixcmd code`, &fix, chromedp.ByQuery))
		if want := "cloudassure fix aws --distribution E1LIVEPROD0001"; fix != want {
			t.Errorf("fix command %q, want %q", fix, want)
		}
	})

	t.Run("keyboard and labels", func(t *testing.T) {
		var active string
		b.Run(t, chromedp.Navigate(url), chromedp.WaitVisible("#filters", chromedp.ByID),
			chromedp.KeyEvent(kb.Tab),
			chromedp.Evaluate(`document.activeElement.className + ' ' + document.activeElement.getAttribute('href')`, &active))
		if active != "skip #results" {
			t.Errorf("the first Tab focuses %q, want the skip link", active)
		}
		// Tab reaches every filter control, in order.
		var order []string
		for range 14 {
			var id string
			b.Run(t, chromedp.KeyEvent(kb.Tab),
				chromedp.Evaluate(`document.activeElement.id || document.activeElement.name + ':' + document.activeElement.value`, &id))
			order = append(order, id)
		}
		for _, want := range []string{"status:FAIL", "status:SKIP", "f-rule", "f-risk", "f-text"} {
			if !slices.Contains(order, want) {
				t.Errorf("Tab never reaches %s (reached %v)", want, order)
			}
		}
		// Space on a focused checkbox toggles it, as for any native control.
		b.Run(t, chromedp.Focus(`input[name=status][value=PASS]`, chromedp.ByQuery),
			chromedp.KeyEvent(" "))
		if p := read(t); slices.ContainsFunc(p.Dists, func(d shownDist) bool {
			return slices.ContainsFunc(d.Checks, func(c string) bool { return strings.HasSuffix(c, " PASS") })
		}) {
			t.Error("PASS checks still shown after unchecking PASS with the keyboard")
		}
		b.Labelled(t)
		b.Run(t, chromedp.Click(`button[type=reset]`, chromedp.ByQuery))
	})

	for _, scheme := range []string{"light", "dark"} {
		t.Run("contrast "+scheme, func(t *testing.T) {
			b.Run(t, browsertest.ColorScheme(scheme))
			b.Contrast(t, 4.5, "h1", "h2", "h3", "p", "td", "th", "label", "legend", ".muted", ".badge",
				".card .num", ".card .lbl", ".risk", ".tag", "a", "code", "caption", "summary", "button", "option")
			b.Screenshot(t, shots, "report-desktop-"+scheme, 1280, 900)
		})
	}
	b.Run(t, browsertest.ColorScheme("light"))

	t.Run("phone", func(t *testing.T) {
		b.Run(t, browsertest.Viewport(390, 844, true))
		b.NoHorizontalScroll(t)
		b.Screenshot(t, shots, "report-phone", 390, 844)
		b.Run(t, browsertest.Viewport(1280, 900, false))
	})

	t.Run("print", func(t *testing.T) {
		var shown struct {
			Filters bool `json:"filters"`
			Details bool `json:"details"`
		}
		b.Run(t, browsertest.Media("print"))
		b.Eval(t, `({filters: document.getElementById('filters').getClientRects().length > 0,
			details: (window.dispatchEvent(new Event('beforeprint')), Array.from(document.querySelectorAll('details')).every(d => d.open))})`, &shown)
		if shown.Filters {
			t.Error("the filters are printed")
		}
		if !shown.Details {
			t.Error("not every remediation is open for printing")
		}
		b.Contrast(t, 4.5, "p", "td", ".badge", ".muted")
		b.Run(t, browsertest.Media(""))
	})

	t.Run("without JavaScript", func(t *testing.T) {
		b.Run(t, browsertest.ScriptsDisabled(true), chromedp.Navigate(url), chromedp.WaitReady("body", chromedp.ByQuery))
		p := read(t)
		if p.Filters {
			t.Error("the filters are shown although they cannot work")
		}
		if diff := cmp.Diff(expectShown(r, all), p.Dists); diff != "" {
			t.Errorf("without JavaScript (-want +got):\n%s", diff)
		}
		b.Run(t, browsertest.ScriptsDisabled(false))
	})

	// Nothing was blocked or failed in the page.
	for _, p := range b.Problems() {
		t.Errorf("the page reported: %s", p)
	}
	// The page made no request but for itself.
	for _, u := range b.Requests() {
		if u != url {
			t.Errorf("the report requested %s", u)
		}
	}
}

// judgedJS reads the stream and role facts the page shows for each check.
const judgedJS = `Array.from(document.querySelectorAll('tr.check .judged-box')).map(box => {
  const field = (el, f) => { const x = el && el.querySelector('[data-field="' + f + '"]'); return x ? x.textContent.trim() : ''; };
  const s = box.querySelector('[data-testid="stream-check"]'), r = box.querySelector('[data-testid="role-check"]');
  return {dist: box.closest('article.dist').dataset.id, rule: box.closest('tr.check').dataset.rule, arn: box.dataset.related,
    stream: s ? [field(s, 'found'), field(s, 'status'), field(s, 'encryption'), field(s, 'key_id'), field(s, 'error')].join('|') : '',
    role: r ? [field(r, 'found'), field(r, 'trust'), field(r, 'trust_detail'), field(r, 'error'), field(r, 'policies_error')].concat(
      Array.from(r.querySelectorAll('li[data-perm]')).map(li => li.dataset.perm + ' ' + li.dataset.resource + ' ' + field(li, 'allowed'))).join('|') : ''};
})`

type judgedShown struct {
	Dist   string `json:"dist"`
	Rule   string `json:"rule"`
	ARN    string `json:"arn"`
	Stream string `json:"stream"`
	Role   string `json:"role"`
}

// expectJudged is what the page must show for a related resource of f.
func expectJudged(f finding.Finding, rel finding.Resource) (judgedShown, bool) {
	if rel.Stream == nil && rel.Role == nil {
		return judgedShown{}, false
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
	j := judgedShown{Dist: f.Resource.ID, Rule: f.RuleID, ARN: rel.ARN}
	if s := rel.Stream; s != nil {
		j.Stream = strings.Join([]string{yesNo(s.Found, s.Error), s.Status, s.Encryption, s.KeyID, s.Error}, "|")
	}
	if rc := rel.Role; rc != nil {
		parts := []string{yesNo(rc.Found, rc.Error), rc.Trust, rc.TrustDetail, rc.Error, rc.PoliciesError}
		for _, a := range rc.Actions {
			v := "denied"
			if a.Allowed {
				v = "allowed"
			}
			parts = append(parts, a.Action+" "+a.Resource+" "+v)
		}
		j.Role = strings.Join(parts, "|")
	}
	return j, true
}
