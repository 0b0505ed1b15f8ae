package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/store"
)

// ranges are the chart ranges the overview offers, in days.
var ranges = []int{7, 30, 90}

func rangeOf(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("range"))
	for _, d := range ranges {
		if n == d {
			return d
		}
	}
	return 30
}

var funcs = template.FuncMap{
	"lower": strings.ToLower,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"pct": func(s share) string {
		if s.Total == 0 {
			return "—"
		}
		return fmt.Sprintf("%d %%", s.Percent())
	},
	"distURL": distURL,
	"ms": func(ms int64) string {
		d := time.Duration(ms) * time.Millisecond
		if d < time.Minute {
			return fmt.Sprintf("%.1fs", d.Seconds())
		}
		return d.Round(time.Second).String()
	},
	"add":       func(a, b int) int { return a + b },
	"dashboard": func(src string) bool { return strings.HasPrefix(src, "dashboard:") },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

// distURL is the page of one distribution.
func distURL(target, account, id string) string {
	return "/d/" + url.PathEscape(target) + "/" + url.PathEscape(account) + "/" + url.PathEscape(id)
}

type statusCount struct {
	Status string
	N      int
}

type ruleRow struct {
	ID     string
	Title  string
	Counts []statusCount
	Total  int
}

type eventRow struct {
	store.Event
	URL string
}

type unreadable struct {
	Target, AccountID, Name string
	LastScan                time.Time
	LastComplete            time.Time
	Errors                  []finding.ScanError
}

type targetRow struct {
	Name  string
	Share share
}

type overviewData struct {
	Range      int
	Ranges     []int
	Now        share
	Targets    []targetRow
	Rules      []ruleRow
	Statuses   []string
	Changes    []eventRow
	Unreadable []unreadable
	ChartJSON  template.JS
	TargetSer  []Series
	AccountSer []Series
	Empty      bool
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	days := rangeOf(r)
	p, err := buildPosture(ctx, h.st, h.opts.Now(), days)
	if err != nil {
		return err
	}
	d := overviewData{Range: days, Ranges: ranges, Now: p.Now, Statuses: statusNames(), TargetSer: p.Targets, AccountSer: p.Accounts}
	for _, t := range sortedKeys(p.ByTarget) {
		d.Targets = append(d.Targets, targetRow{t, p.ByTarget[t]})
	}
	fs, err := allFindings(ctx, h.st, store.FindingFilter{})
	if err != nil {
		return err
	}
	d.Empty = len(fs) == 0
	d.Rules = ruleCounts(fs)
	evs, err := h.st.ListEvents(ctx, store.EventFilter{Kinds: []store.EventKind{store.NewFailure, store.Regression, store.Resolved}, Limit: 10})
	if err != nil {
		return err
	}
	for _, e := range evs.Items {
		d.Changes = append(d.Changes, eventRow{e, distURL(e.Target, e.AccountID, e.ResourceID)})
	}
	accts, err := h.st.ListAccounts(ctx, store.AccountFilter{})
	if err != nil {
		return err
	}
	for _, a := range accts {
		if !a.LastScan.IsZero() && a.LastScan.Equal(a.LastCompleteScan) {
			continue
		}
		u := unreadable{Target: a.Target, AccountID: a.AccountID, Name: a.Name, LastScan: a.LastScan, LastComplete: a.LastCompleteScan}
		if sc, err := h.st.ListScans(ctx, store.ScanFilter{Target: a.Target, AccountID: a.AccountID, Limit: 1}); err == nil && len(sc.Items) > 0 {
			u.Errors = sc.Items[0].Errors
		}
		d.Unreadable = append(d.Unreadable, u)
	}
	chart, err := json.Marshal(map[string]any{"targets": p.Targets, "accounts": p.Accounts})
	if err != nil {
		return err
	}
	d.ChartJSON = template.JS(chart) // json.Marshal escapes <, > and &
	h.render(w, r, http.StatusOK, "overview", &page{Title: "Overview", Nav: "overview", Data: d})
	return nil
}

func statusNames() []string {
	out := make([]string, len(finding.Statuses()))
	for i, s := range finding.Statuses() {
		out[i] = string(s)
	}
	return out
}

func ruleCounts(fs []store.Finding) []ruleRow {
	byRule := map[string]map[string]int{}
	titles := map[string]string{}
	for _, f := range fs {
		if byRule[f.RuleID] == nil {
			byRule[f.RuleID] = map[string]int{}
		}
		byRule[f.RuleID][f.Status]++
		titles[f.RuleID] = f.Title
	}
	var out []ruleRow
	for _, id := range sortedKeys(byRule) {
		row := ruleRow{ID: id, Title: titles[id]}
		for _, st := range statusNames() {
			row.Counts = append(row.Counts, statusCount{st, byRule[id][st]})
			row.Total += byRule[id][st]
		}
		out = append(out, row)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// accountRow is one row of the accounts page.
type accountRow struct {
	store.Account
	Distributions int
	Share         share
	Spark         template.HTML
	URL           string
}

type accountsData struct {
	Rows   []accountRow
	Sort   string
	Desc   bool
	Q      string
	Target string
	Cols   []sortCol
}

type sortCol struct {
	Key, Label, URL, Aria string
	Numeric               bool
}

func (h *Handler) accounts(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	accts, err := h.st.ListAccounts(ctx, store.AccountFilter{Target: q.Get("target")})
	if err != nil {
		return err
	}
	p, err := buildPosture(ctx, h.st, h.opts.Now(), 30)
	if err != nil {
		return err
	}
	fs, err := allFindings(ctx, h.st, store.FindingFilter{RuleID: loggingRule, Target: q.Get("target")})
	if err != nil {
		return err
	}
	dists := map[[2]string]map[string]bool{}
	for _, f := range fs {
		k := [2]string{f.Target, f.AccountID}
		if dists[k] == nil {
			dists[k] = map[string]bool{}
		}
		if isDistribution(f.ResourceType) {
			dists[k][f.ResourceID] = true
		}
	}
	text := strings.ToLower(strings.TrimSpace(q.Get("q")))
	d := accountsData{Sort: q.Get("sort"), Desc: q.Get("dir") == "desc", Q: q.Get("q"), Target: q.Get("target")}
	for _, a := range accts {
		if text != "" && !strings.Contains(strings.ToLower(a.Target+" "+a.AccountID+" "+a.Name), text) {
			continue
		}
		k := [2]string{a.Target, a.AccountID}
		row := accountRow{Account: a, Distributions: len(dists[k]), Share: p.ByAccount[k],
			Spark: sparkline(p.AccountSer[k]), URL: "/findings?target=" + url.QueryEscape(a.Target) + "&account=" + url.QueryEscape(a.AccountID)}
		d.Rows = append(d.Rows, row)
	}
	less := map[string]func(a, b accountRow) bool{
		"account": func(a, b accountRow) bool { return a.Target+a.AccountID < b.Target+b.AccountID },
		"name":    func(a, b accountRow) bool { return a.Name < b.Name },
		"dists":   func(a, b accountRow) bool { return a.Distributions < b.Distributions },
		"failing": func(a, b accountRow) bool { return a.Failing < b.Failing },
		"share":   func(a, b accountRow) bool { return a.Share.Percent() < b.Share.Percent() },
		"scan":    func(a, b accountRow) bool { return a.LastCompleteScan.Before(b.LastCompleteScan) },
	}
	if _, ok := less[d.Sort]; !ok {
		d.Sort = "account"
	}
	sort.SliceStable(d.Rows, func(i, j int) bool {
		if d.Desc {
			return less[d.Sort](d.Rows[j], d.Rows[i])
		}
		return less[d.Sort](d.Rows[i], d.Rows[j])
	})
	for _, c := range []sortCol{{Key: "account", Label: "Account"}, {Key: "name", Label: "Name"}, {Key: "dists", Label: "Distributions", Numeric: true},
		{Key: "failing", Label: "Failing checks", Numeric: true}, {Key: "share", Label: "Fully logging", Numeric: true}, {Key: "scan", Label: "Last complete scan"}} {
		v := url.Values{"sort": {c.Key}}
		if d.Q != "" {
			v.Set("q", d.Q)
		}
		if d.Target != "" {
			v.Set("target", d.Target)
		}
		c.Aria = "none"
		if c.Key == d.Sort {
			c.Aria = "ascending"
			if d.Desc {
				c.Aria = "descending"
			} else {
				v.Set("dir", "desc")
			}
		}
		c.URL = "/accounts?" + v.Encode()
		d.Cols = append(d.Cols, c)
	}
	h.render(w, r, http.StatusOK, "accounts", &page{Title: "Accounts", Nav: "accounts", Data: d})
	return nil
}

func isDistribution(typ string) bool {
	return strings.Contains(strings.ToLower(typ), "distribution")
}

// sparkline draws a series as a small inline SVG (no script needed).
func sparkline(s Series) template.HTML {
	const w, hgt = 120.0, 24.0
	var pts []string
	n := len(s.Values)
	for i, v := range s.Values {
		if v == nil {
			continue
		}
		x := 0.0
		if n > 1 {
			x = float64(i) * w / float64(n-1)
		}
		y := hgt - 2 - float64(*v)*(hgt-4)/100
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	if len(pts) == 0 {
		return `<span class="muted">no complete scan</span>`
	}
	last := "no data"
	if v := s.Values[n-1]; v != nil {
		last = fmt.Sprintf("%d %% now", *v)
	}
	label := fmt.Sprintf("fully logging over 30 days, %d scans, %s", len(pts), last)
	return template.HTML(fmt.Sprintf(`<svg class="spark" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s" data-points="%d"><polyline fill="none" stroke="currentColor" stroke-width="1.5" points="%s"/></svg>`,
		w, hgt, w, hgt, template.HTMLEscapeString(label), len(pts), strings.Join(pts, " ")))
}

// checkRow is one rule's verdict on a distribution.
type checkRow struct {
	store.Finding
	History []store.Event
	Sup     *store.Suppression
	Failing bool
}

type behaviorRow struct {
	finding.Behavior
	Faults []string
}

type distributionData struct {
	Target, AccountID, ID string
	Name, Type, ARN       string
	Staging               bool
	Checks                []checkRow
	Behaviors             []behaviorRow
	Timeline              []store.Event
	FixCmd                string
	Remedies              []rules.Remediation
	RemedyIDs             []string
	Delivery, Policy      *checkRow
	URL                   string
	Today                 string
}

func (h *Handler) distribution(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	target, account, id := r.PathValue("target"), r.PathValue("account"), r.PathValue("id")
	fs, err := allFindings(ctx, h.st, store.FindingFilter{Target: target, AccountID: account, ResourceID: id})
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		return httpError{http.StatusNotFound, fmt.Sprintf("no distribution %s in account %s of target %s", id, account, target)}
	}
	sups, err := h.st.ListSuppressions(ctx, target, account)
	if err != nil {
		return err
	}
	d := distributionData{Target: target, AccountID: account, ID: id, URL: distURL(target, account, id),
		Today: h.opts.Now().UTC().Format("2006-01-02")}
	for _, f := range fs {
		d.Name, d.Type, d.ARN = f.ResourceName, f.ResourceType, f.ResourceARN
		d.Staging = d.Staging || f.Detail.Staging
		hist, err := h.st.FindingHistory(ctx, f.Key)
		if err != nil {
			return err
		}
		c := checkRow{Finding: f, History: hist, Failing: f.Status == "FAIL" || f.Status == "ERROR"}
		for i := range sups {
			if sups[i].Key == f.Key {
				c.Sup = &sups[i]
			}
		}
		d.Checks = append(d.Checks, c)
		d.Timeline = append(d.Timeline, hist...)
	}
	sort.SliceStable(d.Checks, func(i, j int) bool { return d.Checks[i].RuleID < d.Checks[j].RuleID })
	sort.SliceStable(d.Timeline, func(i, j int) bool {
		a, b := d.Timeline[i], d.Timeline[j]
		if !a.At.Equal(b.At) {
			return a.At.After(b.At)
		}
		return a.ID > b.ID
	})
	d.Behaviors = behaviorsOf(d.Checks)
	for i := range d.Checks {
		c := &d.Checks[i]
		switch c.RuleID {
		case "CF-002":
			d.Delivery = c
		case "CF-003":
			d.Policy = c
		}
		if c.Failing || (c.Suppressed && strings.HasPrefix(c.SuppressionSource, "dashboard:")) {
			if rule, ok := rules.Find(c.RuleID); ok {
				d.Remedies = append(d.Remedies, rule.Remediation)
				d.RemedyIDs = append(d.RemedyIDs, rule.ID)
			}
		}
		if c.RuleID == loggingRule && (c.Status == "FAIL" || c.Suppressed) {
			d.FixCmd = "cloudassure fix aws --distribution " + shellWord(id)
			if h.opts.FixProfile != nil {
				if p := h.opts.FixProfile(target); p != "" {
					d.FixCmd = "cloudassure fix aws --profile " + shellWord(p) + " --distribution " + shellWord(id)
				}
			}
		}
	}
	h.render(w, r, http.StatusOK, "distribution", &page{Title: id, Nav: "accounts", Data: d})
	return nil
}

// behaviorsOf lists the distribution's behaviors in the distribution's
// order (the default first, then the ordered ones by their position), each
// with the rules that fault it. A behavior recorded without a position (by
// a version before findings carried it) comes after those with one, in the
// order the findings list it.
func behaviorsOf(checks []checkRow) []behaviorRow {
	var out []behaviorRow
	add := func(b finding.Behavior, fault string) {
		for i := range out {
			if out[i].PathPattern == b.PathPattern && out[i].Default == b.Default {
				if out[i].RealtimeLogConfigARN == "" {
					out[i].RealtimeLogConfigARN = b.RealtimeLogConfigARN
				}
				if fault != "" {
					out[i].Faults = append(out[i].Faults, fault)
				}
				return
			}
		}
		row := behaviorRow{Behavior: b}
		if fault != "" {
			row.Faults = []string{fault}
		}
		out = append(out, row)
	}
	for _, c := range checks {
		fault := ""
		if c.Status == "FAIL" || c.Status == "ERROR" || (c.Suppressed && c.RuleID == loggingRule) {
			fault = c.RuleID
		}
		if c.RuleID == loggingRule && c.Status == "PASS" {
			fault = ""
		}
		for _, b := range c.Detail.Behaviors {
			add(b, fault)
		}
		for _, b := range c.Detail.OtherBehaviors {
			add(b, "")
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Rank() < out[j].Rank() })
	return out
}

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
