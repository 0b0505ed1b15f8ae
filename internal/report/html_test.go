package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/cloudassure/cloudassure/internal/browsertest"
	"github.com/cloudassure/cloudassure/internal/finding"
)

// sampleRemediation is the remediation text the HTML report is written with.
func sampleRemediation() map[string]Remediation {
	return map[string]Remediation{
		"CF-001": {
			Summary:        "Attach a real-time log config to the default behavior and to every ordered cache behavior.",
			Console:        "CloudFront console > Distributions > Behaviors > Edit > Enable real-time logs.",
			CLI:            "aws cloudfront get-distribution-config --id ID > dist.json\naws cloudfront update-distribution --id ID --if-match ETAG --distribution-config file://config.json",
			CloudFormation: "DefaultCacheBehavior:\n  RealtimeLogConfigArn: !GetAtt RealtimeLogConfig.Arn",
			Terraform:      "default_cache_behavior {\n  realtime_log_config_arn = aws_cloudfront_realtime_log_config.this.arn\n}",
		},
	}
}

func htmlOptions() Options {
	return Options{Rules: sampleRules(), Remediation: sampleRemediation()}
}

// htmlSampleReport is the sample report with the other behaviors CF-001
// lists when it fails, so the behavior tables are complete.
func htmlSampleReport() *finding.Report {
	r := sampleReport()
	r.Findings[0].OtherBehaviors = []finding.Behavior{
		{PathPattern: "*", Default: true, RealtimeLogConfigARN: configARN, State: "known"},
	}
	r.Findings[6].OtherBehaviors = []finding.Behavior{
		{PathPattern: "/api/*", Position: 2, State: "unknown", Location: &finding.Location{File: "infra/cdn.tf", StartLine: 46, EndLine: 56}},
	}
	return r
}

var embeddedData = regexp.MustCompile(`(<script type="application/json" id="cloudassure-report">)[^<]*(</script>)`)

// normalizeHTML replaces the embedded JSON (the JSON golden files cover it)
// so the golden HTML shows the page itself.
func normalizeHTML(b []byte) []byte {
	return embeddedData.ReplaceAll(b, []byte("${1}{…the report as JSON…}${2}"))
}

func TestHTMLGolden(t *testing.T) {
	for name, r := range map[string]*finding.Report{"sample": htmlSampleReport(), "empty": emptyReport(), "org": orgReport()} {
		t.Run(name, func(t *testing.T) {
			out := render(t, "html", htmlOptions(), r)
			golden(t, name+".html.golden", normalizeHTML(out))
		})
	}
}

func TestHTMLStableAndReadOnly(t *testing.T) {
	first := render(t, "html", htmlOptions(), htmlSampleReport())
	for range 10 {
		if got := render(t, "html", htmlOptions(), htmlSampleReport()); !bytes.Equal(got, first) {
			t.Fatal("output changed between runs")
		}
	}
	r := htmlSampleReport()
	r.Summary.Total = 999
	render(t, "html", htmlOptions(), r)
	want := htmlSampleReport()
	want.Summary.Total = 999
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("the HTML reporter changed the report (-want +got):\n%s", diff)
	}
}

// The report loads nothing: no URL attribute, style or meta refresh points
// off the page, and the Content-Security-Policy allows nothing but the
// page's own inline style and script.
func TestHTMLReferencesNoExternalURL(t *testing.T) {
	r := htmlSampleReport()
	// Rule help links and text that looks like markup stay text.
	r.Findings[0].Message = `see https://evil.example/x <img src="https://evil.example/p.png"> <a href="http://x">x</a>`
	for _, rep := range []*finding.Report{r, emptyReport()} {
		out := render(t, "html", htmlOptions(), rep)
		refs, err := browsertest.ExternalReferences(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) > 0 {
			t.Errorf("the report references external URLs: %q", refs)
		}
		if !strings.Contains(string(out), `content="default-src &#39;none&#39;;`) {
			t.Error("no Content-Security-Policy with default-src 'none'")
		}
	}
}

// Text from the report cannot add elements: a message with markup is shown
// as text, and the embedded JSON cannot close its script element.
func TestHTMLEscapes(t *testing.T) {
	r := htmlSampleReport()
	const evil = `</script><script>alert(1)</script><b onmouseover="x">`
	r.Findings[0].Message = evil
	r.Findings[0].Resource.Name = evil
	r.Errors[0].Message = evil
	out := render(t, "html", htmlOptions(), r)
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var scripts, bolds int
	var data string
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script":
			scripts++
			if attr(n, "id") == "cloudassure-report" && n.FirstChild != nil {
				data = n.FirstChild.Data
			}
		case "b":
			bolds++
		}
	})
	if scripts != 2 || bolds != 0 {
		t.Errorf("%d script and %d b elements, want 2 and 0: markup from the report was not escaped", scripts, bolds)
	}
	var back finding.Report
	if err := json.Unmarshal([]byte(data), &back); err != nil {
		t.Fatalf("embedded JSON: %v", err)
	}
	if back.Findings[0].Message != evil {
		t.Errorf("embedded JSON message %q, want %q", back.Findings[0].Message, evil)
	}
}

// The embedded JSON is the whole report, as the json format writes it.
func TestHTMLEmbedsTheReport(t *testing.T) {
	r := htmlSampleReport()
	out := render(t, "html", htmlOptions(), r)
	m := embeddedData.FindSubmatchIndex(out)
	if m == nil {
		t.Fatal("no embedded report")
	}
	start := m[3]
	end := bytes.Index(out[start:], []byte("</script>"))
	var got, want finding.Report
	if err := json.Unmarshal(out[start:start+end], &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(render(t, "json", Options{}, r), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("embedded report (-json +html):\n%s", diff)
	}
}

// page is what a person sees in the HTML, read back with an HTML parser.
type page struct {
	dists []pageDist
	cards map[string]string
}

type pageDist struct {
	id, status, account string
	checks              []string // "RULE STATUS"
	behaviors           []string // "POSITION PATH" as shown, in order
	fix                 string
}

func readPage(t *testing.T, out []byte) page {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	p := page{cards: map[string]string{}}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if k := attr(n, "data-count"); k != "" {
			p.cards[k] = text(n)
		}
		if n.Data == "article" && strings.Contains(attr(n, "class"), "dist") {
			d := pageDist{id: attr(n, "data-id"), status: attr(n, "data-status"), account: attr(n, "data-account")}
			walk(n, func(c *html.Node) {
				if c.Type != html.ElementNode {
					return
				}
				switch {
				case c.Data == "tr" && attr(c, "class") == "check":
					d.checks = append(d.checks, attr(c, "data-rule")+" "+attr(c, "data-status"))
				case c.Data == "tr" && strings.HasPrefix(attr(c, "class"), "behavior"):
					pos := "?"
					for x := c.FirstChild; x != nil; x = x.NextSibling {
						if x.Type == html.ElementNode && attr(x, "class") == "position" {
							pos = text(x)
						}
					}
					d.behaviors = append(d.behaviors, pos+" "+attr(c, "data-path"))
				case c.Data == "p" && attr(c, "class") == "fixcmd":
					for x := c.FirstChild; x != nil; x = x.NextSibling {
						if x.Data == "code" {
							d.fix = text(x)
						}
					}
				}
			})
			p.dists = append(p.dists, d)
		}
	})
	return p
}

func TestHTMLContent(t *testing.T) {
	p := readPage(t, render(t, "html", htmlOptions(), htmlSampleReport()))
	s := htmlSampleReport().Summary
	wantCards := map[string]string{
		"FAIL": "3", "ERROR": "2", "PASS": "2", "SKIP": "3", "resources": "5",
		"logging": "1 of 4", // E2 passes; E1 and the Terraform one fail; SiteDistribution is suppressed; E3 is disabled
	}
	if s.Fail != 3 || s.Error != 2 || s.Pass != 2 || s.Skip != 3 {
		t.Fatalf("the sample report changed: %+v", s)
	}
	if diff := cmp.Diff(wantCards, p.cards); diff != "" {
		t.Errorf("summary cards (-want +got):\n%s", diff)
	}
	// Distributions in the worst status first; in each, failing checks first
	// and failing behaviors first.
	want := []pageDist{
		{id: "E1LIVEPROD0001", status: "FAIL", account: account,
			checks:    []string{"CF-001 FAIL", "CF-003 ERROR", "CF-002 PASS"},
			behaviors: []string{"1 /api/*", "2 /static/*", "default *"},
			fix:       "cloudassure fix aws --distribution E1LIVEPROD0001"},
		{id: "E2LIVESTAGE002", status: "FAIL", account: account,
			checks: []string{"CF-002 FAIL", "CF-001 PASS"}, behaviors: []string{"default *"}},
		{id: "aws_cloudfront_distribution.cdn", status: "FAIL", account: account,
			checks:    []string{"CF-001 FAIL", "CF-002 ERROR", "CF-003 SKIP"},
			behaviors: []string{"default *", "1 /img/*", "2 /api/*"},
			fix:       "cloudassure fix iac infra/cdn.tf"},
		{id: "E3DISABLED0003", status: "SKIP", account: account, checks: []string{"CF-001 SKIP"}},
		{id: "SiteDistribution", status: "SKIP", account: account, checks: []string{"CF-001 SKIP"}, behaviors: []string{"1 /legacy/*"}},
	}
	if diff := cmp.Diff(want, p.dists, cmp.AllowUnexported(pageDist{})); diff != "" {
		t.Errorf("distributions (-want +got):\n%s", diff)
	}
}

// The behavior table lists the failing behaviors first and, within each
// group, the behaviors in the distribution's order (their positions), not in
// the order the findings happen to name them.
func TestHTMLBehaviorOrder(t *testing.T) {
	bh := func(path string, pos int) finding.Behavior {
		return finding.Behavior{PathPattern: path, Default: path == "*", Position: pos, State: "known", RealtimeLogConfigARN: configARN}
	}
	res := live("E9ORDER000009", "ordered")
	tests := []struct {
		name     string
		findings []finding.Finding
		want     []string
	}{
		{
			name: "failing named out of order by two rules",
			findings: []finding.Finding{
				{RuleID: "CF-001", Status: finding.Fail, Resource: res,
					Behaviors:      []finding.Behavior{{PathPattern: "/x/*", Position: 3, State: "absent"}},
					OtherBehaviors: []finding.Behavior{bh("*", 0), bh("/y/*", 1), bh("/z/*", 2)}},
				{RuleID: "CF-002", Status: finding.Fail, Resource: res, Behaviors: []finding.Behavior{bh("/y/*", 1)}},
			},
			want: []string{"1 /y/*", "3 /x/*", "default *", "2 /z/*"},
		},
		{
			name: "all passing, listed backwards",
			findings: []finding.Finding{
				{RuleID: "CF-001", Status: finding.Pass, Resource: res,
					Behaviors: []finding.Behavior{bh("/b/*", 2), bh("/a/*", 1), bh("*", 0)}},
			},
			want: []string{"default *", "1 /a/*", "2 /b/*"},
		},
		{
			name: "no position recorded comes last",
			findings: []finding.Finding{
				{RuleID: "CF-001", Status: finding.Pass, Resource: res,
					Behaviors: []finding.Behavior{bh("/old/*", 0), bh("/a/*", 1), bh("*", 0)}},
			},
			want: []string{"default *", "1 /a/*", "? /old/*"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &finding.Report{SchemaVersion: finding.SchemaVersion, Source: "aws", Account: account, Findings: tc.findings}
			r.Summarize()
			p := readPage(t, render(t, "html", htmlOptions(), r))
			if len(p.dists) != 1 {
				t.Fatalf("%d distributions shown, want 1", len(p.dists))
			}
			if diff := cmp.Diff(tc.want, p.dists[0].behaviors); diff != "" {
				t.Errorf("behaviors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"infra/cdn.tf":    "infra/cdn.tf",
		"my infra/cdn.tf": "'my infra/cdn.tf'",
		"it's.yaml":       `'it'\''s.yaml'`,
		`templates\x.yml`: `'templates\x.yml'`,
		"":                "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(b.String())
}

// An organization scan is grouped by the findings' accounts, failing
// accounts first, and lists every account with its status, also those
// that could not be read.
func TestHTMLOrganization(t *testing.T) {
	out := render(t, "html", htmlOptions(), orgReport())
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var sections, rows []string
	dists := map[string][]string{}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch {
		case n.Data == "section" && attr(n, "class") == "account":
			sections = append(sections, attr(n, "data-account"))
		case n.Data == "tr" && attr(n, "class") == "org-account":
			rows = append(rows, attr(n, "data-account")+" "+attr(n, "data-status"))
		case n.Data == "article":
			dists[attr(n, "data-account")] = append(dists[attr(n, "data-account")], attr(n, "data-id"))
		}
	})
	if diff := cmp.Diff([]string{memberA, memberB, account}, sections); diff != "" {
		t.Errorf("account sections, failing first (-want +got):\n%s", diff)
	}
	want := []string{account + " scanned", memberA + " scanned", memberB + " error", "200000000006 skipped", "200000000007 not_scanned"}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("accounts table (-want +got):\n%s", diff)
	}
	wantDists := map[string][]string{account: {"E1MGMT00000001"}, memberA: {"E2MEMBER000001"}, memberB: {memberB}}
	if diff := cmp.Diff(wantDists, dists); diff != "" {
		t.Errorf("distributions per account (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(out), "<dt>Organization</dt><dd><code>o-a1b2c3d4e5</code>") {
		t.Error("the organization is not named")
	}
	// The unreadable account's ERROR findings are not distributions.
	if p := readPage(t, out); p.cards["logging"] != "1 of 2" {
		t.Errorf("logging card %q, want 1 of 2 (the member's failing and the management's passing distribution)", p.cards["logging"])
	}
}
