package main

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/browsertest"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/rules"
)

// htmlVolatile matches what changes between runs of the same scan in the
// HTML report: times, durations, the version and the embedded JSON.
var htmlVolatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC`), "TIME"},
	{regexp.MustCompile(`(<dt>Version</dt><dd>)[^<]*`), "${1}VERSION"},
	{regexp.MustCompile(`(<meta name="generator" content="cloudassure)[^"]*`), "${1} VERSION"},
	{regexp.MustCompile(`(Written by cloudassure)[^,.]*`), "${1} VERSION"},
	{regexp.MustCompile(`\d+(\.\d+)?s\b|\d+m\d+s\b`), "DURATION"},
	{regexp.MustCompile(`(<script type="application/json" id="cloudassure-report">)[^<]*(</script>)`), "${1}{…}${2}"},
}

func normalizeHTML(b []byte) []byte {
	s := string(b)
	for _, v := range htmlVolatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return []byte(s)
}

var embedded = regexp.MustCompile(`<script type="application/json" id="cloudassure-report">([^<]*)</script>`)

// embeddedReport returns the JSON report an HTML report carries.
func embeddedReport(t *testing.T, page []byte) finding.Report {
	t.Helper()
	m := embedded.FindSubmatch(page)
	if m == nil {
		t.Fatal("the HTML report embeds no JSON report")
	}
	return decode(t, string(m[1]))
}

func TestScanIaCHTML(t *testing.T) {
	dir := copyTree(t)
	out := filepath.Join(t.TempDir(), "reports", "iac.html")
	r := runIn(t, dir, nil, "scan", "iac", "--format", "html", "-o", out)
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (three files do not parse): %s", r.code, r.stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep := embeddedReport(t, page)
	golden(t, "iac-tree.golden.html", normalizeHTML(page))
	if refs, err := browsertest.ExternalReferences(page); err != nil || len(refs) > 0 {
		t.Errorf("external references %q (%v)", refs, err)
	}
	// The same findings as the JSON format.
	j := decode(t, runIn(t, dir, nil, "scan", "iac", "--format", "json").stdout)
	if diff := cmp.Diff(j.Findings, rep.Findings); diff != "" {
		t.Errorf("embedded findings differ from --format json (-json +html):\n%s", diff)
	}
}

// The demo's HTML report, opened from disk in Chromium, shows the numbers,
// names and statuses of the scan and every rule's remediation text.
func TestDemoHTML(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo.html")
	if r := run(t, nil, "demo", "--format", "html", "-o", out); r.code != 0 {
		t.Fatalf("demo exited %d: %s", r.code, r.stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep := embeddedReport(t, page)
	text := html.UnescapeString(string(page))
	for _, rule := range rules.All() {
		for _, s := range []string{rule.Remediation.Summary, rule.Remediation.CLI, rule.Remediation.Terraform} {
			if !strings.Contains(text, s) {
				t.Errorf("%s: the report lacks the remediation text %q", rule.ID, s)
			}
		}
	}

	b := browsertest.New(t)
	b.Run(t, chromedp.Navigate("file://"+out), chromedp.WaitVisible("#filters", chromedp.ByID))
	var shown struct {
		Cards map[string]string `json:"cards"`
		Dists []struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Status string `json:"status"`
			Checks []struct {
				Rule   string `json:"rule"`
				Status string `json:"status"`
			} `json:"checks"`
		} `json:"dists"`
	}
	b.Eval(t, `({cards: Object.fromEntries(Array.from(document.querySelectorAll('[data-count]')).map(el => [el.dataset.count, el.textContent.trim()])),
		dists: Array.from(document.querySelectorAll('article.dist')).map(d => ({
			id: d.querySelector('.dist-id').textContent,
			name: (d.querySelector('.dist-name') || {textContent: ''}).textContent,
			status: d.querySelector('h3 .badge').textContent,
			checks: Array.from(d.querySelectorAll('tr.check')).map(r => ({rule: r.querySelector('.rule').textContent, status: r.querySelector('.badge').textContent}))}))})`, &shown)
	s := rep.Summary
	for k, want := range map[string]int{"FAIL": s.Fail, "ERROR": s.Error, "PASS": s.Pass, "SKIP": s.Skip, "resources": s.Resources} {
		if shown.Cards[k] != strconv.Itoa(want) {
			t.Errorf("card %s shows %q, the scan counted %d", k, shown.Cards[k], want)
		}
	}
	got := map[string]string{}
	for _, d := range shown.Dists {
		for _, c := range d.Checks {
			got[d.ID+" "+d.Name+" "+c.Rule] = c.Status
		}
	}
	want := map[string]string{}
	for _, f := range rep.Findings {
		want[f.Resource.ID+" "+f.Resource.Name+" "+f.RuleID] = string(f.Status)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("checks shown (-scan +page):\n%s", diff)
	}
	if len(shown.Dists) != s.Resources {
		t.Errorf("%d distributions shown, the scan has %d", len(shown.Dists), s.Resources)
	}
	b.Screenshot(t, browsertest.OutputDir(t), "demo-report", 1280, 900)
	// Nothing was blocked or failed in the page.
	for _, p := range b.Problems() {
		t.Errorf("the page reported: %s", p)
	}
	for _, u := range b.Requests() {
		if u != "file://"+out {
			t.Errorf("the report requested %s", u)
		}
	}
}
