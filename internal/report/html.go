package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// HTML writes one self-contained HTML file: styles, script and data inline,
// nothing loaded from the network (its Content-Security-Policy forbids it).
// It shows a summary, then one section per account and per distribution with
// every check and every behavior (the failing ones first), filters that work
// offline, and the remediation for each failure. The whole report is also
// embedded as JSON (the JSON contract) in a script element of type
// application/json with the ID cloudassure-report. Without JavaScript
// everything is shown and only the filters are missing.
type HTML struct {
	// Rules describe the rules that ran (titles, rationale, help links).
	Rules []finding.RuleInfo
	// Remediation holds the full remediation texts per rule ID.
	Remediation map[string]Remediation
}

var _ Reporter = (*HTML)(nil)

// Remediation is how to fix a rule's failures, one way per tool: the texts
// `cloudassure explain` prints.
type Remediation struct {
	Summary        string
	Console        string
	CLI            string
	CloudFormation string
	Terraform      string
}

var (
	//go:embed html/report.html.tmpl
	htmlTemplateText string
	//go:embed html/report.css
	htmlCSS string
	//go:embed html/report.js
	htmlJS string
)

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"lower": func(s finding.Status) string { return strings.ToLower(string(s)) },
}).Parse(htmlTemplateText))

// htmlCSP allows only the inline style and script of the report, by hash.
var htmlCSP = "default-src 'none'; style-src '" + cspHash(htmlCSS) + "'; script-src '" + cspHash(htmlJS) +
	"'; img-src data:; base-uri 'none'; form-action 'none'"

func cspHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

// statusRank orders statuses worst first.
func statusRank(s finding.Status) int {
	for i, st := range finding.Statuses() {
		if st == s {
			return i
		}
	}
	return len(finding.Statuses())
}

type htmlView struct {
	Title      string
	Tool       string
	Version    string
	Source     string
	Account    string
	Org        string
	Started    string
	Finished   string
	Duration   string
	Summary    finding.Summary
	SummaryLn  string
	Logging    htmlLogging
	Statuses   []htmlStatusCount
	Rules      []htmlRule
	Risks      []string
	Accounts   []*htmlAccount
	MultiAcct  bool
	DistNoun   string
	DistCount  int
	Errors     []htmlError
	OrgAccts   []htmlOrgAccount
	CSS        template.CSS
	JS         template.JS
	CSP        string
	Data       template.JS
	HasChecks  bool
	IaC        bool
	HelpByRule map[string]string
}

type htmlLogging struct {
	OK, Total, Suppressed int
	Percent               int
	Known                 bool
}

type htmlStatusCount struct {
	Status finding.Status
	Count  int
}

type htmlRule struct {
	ID, Name, Title, Risk, Rationale, HelpURI string
	Counts                                    []htmlStatusCount
	Remediation                               Remediation
	HasSteps                                  bool
}

type htmlAccount struct {
	ID, Name      string
	Dists         []*htmlDist
	Fail, Checks  int
	FailingDists  int
	worst         int
	firstPosition int
}

type htmlDist struct {
	Anchor    string
	ID, Name  string
	Type, ARN string
	Root      string
	Location  string
	Staging   bool
	Status    finding.Status
	Account   string
	Text      string
	Checks    []*htmlCheck
	Behaviors []*htmlBehavior
	FixCmd    string
	position  int
}

type htmlCheck struct {
	RuleID, Title, Risk string
	Status              finding.Status
	Message             string
	Problems            []string
	Behaviors           string
	Suppression         *finding.Suppression
	Related             []string
	// Judged are the related streams and roles with what CF-002 found.
	Judged       []finding.Resource
	Remedy       string
	RemedyAnchor string
	Text         string
	Failing      bool
}

type htmlBehavior struct {
	Path    string
	Default bool
	// Position is the behavior's place in the distribution (0 default).
	Position  int
	rank      int
	ConfigARN string
	State     string
	Location  string
	Faults    []string
	Failing   bool
}

type htmlError struct {
	Account, Where, Operation, Code, Action, Message string
}

// htmlOrgAccount is one account of an organization scan.
type htmlOrgAccount struct {
	finding.AccountResult
	Duration string
	Anchor   string
}

// Write implements Reporter.
func (h *HTML) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	r, err := r.Loaded() // this format needs every finding at once
	if err != nil {
		return err
	}
	v, err := h.view(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, v); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

func (h *HTML) view(r *finding.Report) (*htmlView, error) {
	data, err := htmlData(r)
	if err != nil {
		return nil, err
	}
	s := counts(r)
	name := r.Tool.Name
	if name == "" {
		name = "cloudassure"
	}
	v := &htmlView{
		Title:     name + " report",
		Tool:      name,
		Version:   r.Tool.Version,
		Source:    r.Source,
		Account:   r.Account,
		Org:       r.Organization,
		Summary:   s,
		SummaryLn: summaryLine(r),
		CSS:       template.CSS(htmlCSS),
		JS:        template.JS(htmlJS),
		CSP:       htmlCSP,
		Data:      template.JS(data),
		HasChecks: len(r.Findings) > 0,
		IaC:       r.Source != "" && r.Source != "aws",
	}
	if r.Account != "" {
		v.Title += " — " + r.Account
	}
	if !r.StartedAt.IsZero() {
		v.Started = r.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if !r.FinishedAt.IsZero() {
		v.Finished = r.FinishedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	if s.DurationMS > 0 || !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
		v.Duration = duration(s.DurationMS)
	}
	_, v.DistNoun = resourceNoun(r)
	for _, st := range finding.Statuses() {
		v.Statuses = append(v.Statuses, htmlStatusCount{st, statusCount(s, st)})
	}
	v.Logging = loggingShare(r)
	v.Rules = h.rules(r)
	v.Risks = risksOf(r)
	v.Accounts = groupAccounts(r, h.remedies(v.Rules))
	v.MultiAcct = len(v.Accounts) > 1
	for _, a := range v.Accounts {
		v.DistCount += len(a.Dists)
	}
	for i := range r.Errors {
		e := &r.Errors[i]
		act := ""
		if e.Action != "" && e.Action != e.Operation {
			act = e.Action
		}
		he := htmlError{Where: scanErrorWhere(e), Operation: e.Operation, Code: e.Code, Action: act, Message: e.Message}
		if e.Account != nil {
			he.Account = e.Account.ID
		}
		v.Errors = append(v.Errors, he)
	}
	shown := map[string]bool{}
	for _, a := range v.Accounts {
		shown[a.ID] = true
	}
	for _, a := range r.Accounts {
		oa := htmlOrgAccount{AccountResult: a, Duration: duration(a.DurationMS)}
		if shown[a.ID] {
			oa.Anchor = "acct-" + a.ID
		}
		v.OrgAccts = append(v.OrgAccts, oa)
	}
	return v, nil
}

// htmlData is the report as the json format writes it, compacted, with <, >
// and & escaped so that it cannot end the script element it is put in.
func htmlData(r *finding.Report) ([]byte, error) {
	var js, compact, out bytes.Buffer
	if err := (&JSON{}).Write(&js, r); err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	if err := json.Compact(&compact, js.Bytes()); err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	json.HTMLEscape(&out, compact.Bytes())
	return out.Bytes(), nil
}

func statusCount(s finding.Summary, st finding.Status) int {
	switch st {
	case finding.Fail:
		return s.Fail
	case finding.Error:
		return s.Error
	case finding.Pass:
		return s.Pass
	case finding.Skip:
		return s.Skip
	}
	return 0
}

// loggingShare counts the distributions CF-001 judged (every one but the
// disabled ones it skipped) and those whose every behavior sends real-time
// logs. A suppressed CF-001 finding counts as judged and not logging.
// Findings about other resources (an account that could not be read) do
// not count.
func loggingShare(r *finding.Report) htmlLogging {
	var l htmlLogging
	for _, f := range r.Findings {
		if f.RuleID != "CF-001" || !strings.Contains(strings.ToLower(f.Resource.Type), "distribution") {
			continue // an account that could not be read is not a distribution
		}
		l.Known = true
		switch {
		case f.Status == finding.Pass:
			l.OK++
			l.Total++
		case f.Status == finding.Skip && f.Suppression == nil:
		case f.Status == finding.Skip:
			l.Suppressed++
			l.Total++
		default:
			l.Total++
		}
	}
	if l.Total > 0 {
		l.Percent = l.OK * 100 / l.Total
	}
	return l
}

func (h *HTML) rules(r *finding.Report) []htmlRule {
	var out []htmlRule
	for _, m := range rulesOf(r, h.Rules) {
		hr := htmlRule{
			ID: m.ID, Name: m.Name, Title: m.Title, Risk: m.Risk, Rationale: m.Rationale, HelpURI: m.HelpURI,
		}
		if rem, ok := h.Remediation[m.ID]; ok {
			hr.Remediation = rem
		}
		if hr.Remediation.Summary == "" {
			hr.Remediation.Summary = m.Remediation
		}
		rem := hr.Remediation
		hr.HasSteps = rem.Console != "" || rem.CLI != "" || rem.CloudFormation != "" || rem.Terraform != ""
		n := map[finding.Status]int{}
		for _, f := range r.Findings {
			if f.RuleID == m.ID {
				n[f.Status]++
			}
		}
		for _, st := range finding.Statuses() {
			hr.Counts = append(hr.Counts, htmlStatusCount{st, n[st]})
		}
		out = append(out, hr)
	}
	return out
}

// remedies maps each rule ID to its one-line remediation.
func (h *HTML) remedies(rs []htmlRule) map[string]htmlRule {
	out := make(map[string]htmlRule, len(rs))
	for _, r := range rs {
		out[r.ID] = r
	}
	return out
}

func risksOf(r *finding.Report) []string {
	rank := map[string]int{"Critical": 0, "High": 1, "Medium": 2, "Low": 3}
	seen := map[string]bool{}
	var out []string
	for _, f := range r.Findings {
		if f.Risk != "" && !seen[f.Risk] {
			seen[f.Risk] = true
			out = append(out, f.Risk)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, ok := rank[out[i]]
		if !ok {
			ri = len(rank)
		}
		rj, ok := rank[out[j]]
		if !ok {
			rj = len(rank)
		}
		if ri != rj {
			return ri < rj
		}
		return out[i] < out[j]
	})
	return out
}

// accountOf names the account a finding belongs to: its own in an
// organization scan, else the report's.
func accountOf(r *finding.Report, f *finding.Finding) (id, name string) {
	if f.Account != nil && f.Account.ID != "" {
		return f.Account.ID, f.Account.Name
	}
	return r.Account, ""
}

// groupAccounts groups findings by account and by resource. Accounts and
// distributions with failures come first; otherwise the order is that of
// the findings.
func groupAccounts(r *finding.Report, rules map[string]htmlRule) []*htmlAccount {
	var accounts []*htmlAccount
	byAccount := map[string]*htmlAccount{}
	byDist := map[string]*htmlDist{}
	for i := range r.Findings {
		f := &r.Findings[i]
		aid, aname := accountOf(r, f)
		a, ok := byAccount[aid]
		if !ok {
			a = &htmlAccount{ID: aid, Name: aname, firstPosition: len(accounts)}
			byAccount[aid] = a
			accounts = append(accounts, a)
		}
		key := aid + "\x00" + resourceKey(f)
		d, ok := byDist[key]
		if !ok {
			d = &htmlDist{
				ID: f.Resource.ID, Name: f.Resource.Name, Type: f.Resource.Type, ARN: f.Resource.ARN, Root: f.Resource.Root,
				Location: location(f.Location), Account: aid, Status: f.Status, position: len(byDist),
			}
			byDist[key] = d
			a.Dists = append(a.Dists, d)
		}
		d.Staging = d.Staging || f.Staging
		if statusRank(f.Status) < statusRank(d.Status) {
			d.Status = f.Status
		}
		d.Checks = append(d.Checks, newHTMLCheck(f, rules[f.RuleID]))
		addBehaviors(d, f)
		a.Checks++
		if f.Status == finding.Fail {
			a.Fail++
		}
	}
	n := 0
	for _, a := range accounts {
		a.worst = len(finding.Statuses())
		for _, d := range a.Dists {
			sort.SliceStable(d.Checks, func(i, j int) bool {
				return statusRank(d.Checks[i].Status) < statusRank(d.Checks[j].Status)
			})
			sort.SliceStable(d.Behaviors, func(i, j int) bool {
				bi, bj := d.Behaviors[i], d.Behaviors[j]
				if bi.Failing != bj.Failing {
					return bi.Failing
				}
				return bi.rank < bj.rank
			})
			d.FixCmd = fixCommand(r, d)
			d.Text = strings.ToLower(strings.Join([]string{d.ID, d.Name, d.ARN, d.Root, d.Location, a.ID, a.Name}, " "))
			if d.Status == finding.Fail || d.Status == finding.Error {
				a.FailingDists++
			}
			a.worst = min(a.worst, statusRank(d.Status))
		}
		sort.SliceStable(a.Dists, func(i, j int) bool {
			return statusRank(a.Dists[i].Status) < statusRank(a.Dists[j].Status)
		})
		for _, d := range a.Dists {
			n++
			d.Anchor = fmt.Sprintf("dist-%d", n)
		}
	}
	sort.SliceStable(accounts, func(i, j int) bool { return accounts[i].worst < accounts[j].worst })
	return accounts
}

func newHTMLCheck(f *finding.Finding, rule htmlRule) *htmlCheck {
	c := &htmlCheck{
		RuleID: f.RuleID, Title: f.Title, Risk: f.Risk, Status: f.Status, Message: f.Message,
		Problems: f.Problems, Suppression: f.Suppression,
		Failing: f.Status == finding.Fail || f.Status == finding.Error,
	}
	if len(f.Behaviors) > 0 && c.Failing {
		c.Behaviors = behaviorList(f)
	}
	for _, rel := range f.Related {
		s := rel.ID
		if rel.ARN != "" && rel.ARN != rel.ID {
			s = rel.ARN
		}
		if s != "" {
			c.Related = append(c.Related, s)
		}
		if rel.Stream != nil || rel.Role != nil {
			c.Judged = append(c.Judged, rel)
		}
	}
	if c.Failing {
		c.Remedy = rule.Remediation.Summary
		if rule.HasSteps || rule.Rationale != "" {
			c.RemedyAnchor = "fix-" + f.RuleID
		}
	}
	parts := []string{f.RuleID, f.Title, string(f.Status), f.Risk, f.Message, c.Behaviors}
	parts = append(parts, f.Problems...)
	parts = append(parts, c.Related...)
	if f.Suppression != nil {
		parts = append(parts, f.Suppression.Reason)
	}
	c.Text = strings.ToLower(strings.Join(parts, " "))
	return c
}

// addBehaviors merges the behaviors a finding names into d's list (sorted
// later: failing first, each group in the distribution's order) and marks those a failing or errored finding names.
func addBehaviors(d *htmlDist, f *finding.Finding) {
	faulted := f.Status == finding.Fail || f.Status == finding.Error
	add := func(b finding.Behavior, fault bool) {
		var hb *htmlBehavior
		for _, x := range d.Behaviors {
			if x.Path == b.PathPattern && x.Default == b.Default {
				hb = x
				break
			}
		}
		if hb == nil {
			hb = &htmlBehavior{Path: b.PathPattern, Default: b.Default, Position: b.Position, rank: b.Rank(),
				State: b.State, Location: location(b.Location)}
			if hb.Path == "" {
				hb.Path = "*"
			}
			d.Behaviors = append(d.Behaviors, hb)
		}
		if hb.ConfigARN == "" {
			hb.ConfigARN = b.RealtimeLogConfigARN
		}
		if fault {
			hb.Failing = true
			hb.Faults = append(hb.Faults, f.RuleID)
		}
	}
	for _, b := range f.Behaviors {
		add(b, faulted)
	}
	for _, b := range f.OtherBehaviors {
		add(b, false)
	}
}

// fixCommand is the cloudassure command that fixes CF-001 for exactly this
// distribution when it fails CF-001: fix iac on its file for code, fix aws
// for a live distribution.
func fixCommand(r *finding.Report, d *htmlDist) string {
	failing := false
	for _, c := range d.Checks {
		if c.RuleID == "CF-001" && c.Status == finding.Fail {
			failing = true
		}
	}
	if !failing {
		return ""
	}
	switch {
	case d.Location != "":
		file := d.Location
		if i := strings.LastIndexByte(file, ':'); i > 0 && strings.Trim(file[i+1:], "0123456789-") == "" {
			file = file[:i]
		}
		return "cloudassure fix iac " + shellQuote(file)
	case d.ARN != "" || r.Source == "aws":
		return "cloudassure fix aws --distribution " + shellQuote(d.ID)
	}
	return ""
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
