package web

import (
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/store"
)

// findingQuery is the findings table's filters, from the URL.
type findingQuery struct {
	Status, Rule, Risk, Account, Target, Q string
	Cursor                                 string
}

func findingQueryOf(r *http.Request) findingQuery {
	q := r.URL.Query()
	return findingQuery{
		Status: strings.ToUpper(q.Get("status")), Rule: q.Get("rule"), Risk: q.Get("risk"),
		Account: q.Get("account"), Target: q.Get("target"), Q: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor"),
	}
}

func (fq findingQuery) filter() store.FindingFilter {
	return store.FindingFilter{Target: fq.Target, AccountID: fq.Account, RuleID: fq.Rule, Status: fq.Status}
}

// values are the filters as URL parameters (without the cursor).
func (fq findingQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": fq.Status, "rule": fq.Rule, "risk": fq.Risk, "account": fq.Account, "target": fq.Target, "q": fq.Q} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// match applies the filters the store does not: the exact risk and the text.
func (fq findingQuery) match(f store.Finding) bool {
	if fq.Risk != "" && !strings.EqualFold(f.Risk, fq.Risk) {
		return false
	}
	if fq.Q == "" {
		return true
	}
	text := strings.ToLower(strings.Join([]string{f.Target, f.AccountID, f.RuleID, f.ResourceID, f.ResourceName,
		f.ResourceARN, f.Status, f.Risk, f.Message, f.SuppressionReason}, " "))
	return strings.Contains(text, strings.ToLower(fq.Q))
}

// matching reads the findings of the query: every one, or (limit > 0) one
// page of them from the cursor on, with the cursor of the next page.
func (h *Handler) matching(r *http.Request, fq findingQuery, limit int) ([]store.Finding, string, error) {
	f := fq.filter()
	f.Cursor = fq.Cursor
	f.Limit = 500
	var out []store.Finding
	for {
		p, err := h.st.ListFindings(r.Context(), f)
		if err != nil {
			if e := badFilter(err, "the page link is not valid any more: start again from the first page"); e != nil {
				return nil, "", e
			}
			return nil, "", err
		}
		for i, x := range p.Items {
			if !fq.match(x) {
				continue
			}
			out = append(out, x)
			if limit > 0 && len(out) == limit {
				if i < len(p.Items)-1 || p.Next != "" {
					return out, cursorAfter(x), nil
				}
				return out, "", nil
			}
		}
		if p.Next == "" || len(out) >= maxRows {
			return out, "", nil
		}
		f.Cursor = p.Next
	}
}

// cursorAfter is the store's cursor for the finding after f.
func cursorAfter(f store.Finding) string {
	b, _ := json.Marshal([]string{f.Target, f.AccountID, f.RuleID, f.ResourceID})
	return base64URL(b)
}

type option struct {
	Value, Label string
	Selected     bool
}

type findingsData struct {
	Query     findingQuery
	Rows      []findingRow
	Next      string
	First     string
	Paged     bool
	CSV, JSON string
	Statuses  []option
	Rules     []option
	Risks     []option
	Accounts  []option
	Today     string
}

type findingRow struct {
	store.Finding
	URL     string
	Dash    bool
	Failing bool
}

func (h *Handler) findings(w http.ResponseWriter, r *http.Request) error {
	fq := findingQueryOf(r)
	rows, next, err := h.matching(r, fq, h.opts.PageSize)
	if err != nil {
		return err
	}
	v := fq.values()
	d := findingsData{Query: fq, Paged: fq.Cursor != "", First: "/findings?" + v.Encode(),
		CSV: "/findings.csv?" + v.Encode(), JSON: "/findings.json?" + v.Encode(), Today: h.opts.Now().UTC().Format("2006-01-02")}
	if next != "" {
		nv := fq.values()
		nv.Set("cursor", next)
		d.Next = "/findings?" + nv.Encode()
	}
	for _, f := range rows {
		d.Rows = append(d.Rows, findingRow{Finding: f, URL: distURL(f.Target, f.AccountID, f.ResourceID),
			Dash: f.Suppressed && strings.HasPrefix(f.SuppressionSource, "dashboard:"), Failing: f.Status == "FAIL"})
	}
	for _, s := range statusNames() {
		d.Statuses = append(d.Statuses, option{s, s, s == fq.Status})
	}
	for _, rule := range rules.All() {
		d.Rules = append(d.Rules, option{rule.ID, rule.ID, rule.ID == fq.Rule})
	}
	for _, risk := range []string{"High", "Medium", "Low"} {
		d.Risks = append(d.Risks, option{risk, risk, strings.EqualFold(risk, fq.Risk)})
	}
	accts, err := h.st.ListAccounts(r.Context(), store.AccountFilter{})
	if err != nil {
		return err
	}
	for _, a := range accts {
		label := a.AccountID
		if a.Name != "" {
			label += " (" + a.Name + ")"
		}
		d.Accounts = append(d.Accounts, option{a.AccountID, label, a.AccountID == fq.Account})
	}
	h.render(w, r, http.StatusOK, "findings", &page{Title: "Findings", Nav: "findings", Data: d})
	return nil
}

// exportHeader is the header row of the CSV export.
var exportHeader = []string{"target", "account_id", "rule_id", "status", "risk", "resource_type", "resource_id", "resource_name",
	"resource_arn", "message", "suppressed", "suppression_reason", "suppression_source", "stale", "first_seen", "last_seen", "last_changed"}

func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request) error {
	rows, _, err := h.matching(r, findingQueryOf(r), 0)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="cloudassure-findings.csv"`)
	cw := csv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return err
	}
	t := func(x time.Time) string { return x.UTC().Format(time.RFC3339) }
	for _, f := range rows {
		if err := cw.Write([]string{f.Target, f.AccountID, f.RuleID, f.Status, f.Risk, f.ResourceType, f.ResourceID, f.ResourceName,
			f.ResourceARN, csvSafe(f.Message), strconv.FormatBool(f.Suppressed), csvSafe(f.SuppressionReason), f.SuppressionSource,
			strconv.FormatBool(f.Stale), t(f.FirstSeen), t(f.LastSeen), t(f.LastChanged)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (h *Handler) exportJSON(w http.ResponseWriter, r *http.Request) error {
	rows, _, err := h.matching(r, findingQueryOf(r), 0)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []store.Finding{}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="cloudassure-findings.json"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"findings": rows})
}

type scansData struct {
	Rows            []store.Scan
	Next            string
	Target, Account string
}

func (h *Handler) scans(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := h.st.ListScans(r.Context(), store.ScanFilter{Target: q.Get("target"), AccountID: q.Get("account"), Limit: h.opts.PageSize, Cursor: q.Get("cursor")})
	if err != nil {
		if e := badFilter(err, "the page link is not valid any more"); e != nil {
			return e
		}
		return err
	}
	d := scansData{Rows: p.Items, Target: q.Get("target"), Account: q.Get("account")}
	if p.Next != "" {
		v := url.Values{"cursor": {p.Next}}
		if d.Target != "" {
			v.Set("target", d.Target)
		}
		if d.Account != "" {
			v.Set("account", d.Account)
		}
		d.Next = "/scans?" + v.Encode()
	}
	h.render(w, r, http.StatusOK, "scans", &page{Title: "Scans", Nav: "scans", Data: d})
	return nil
}

type alertsData struct {
	Rows            []store.Delivery
	Next            string
	Channel, Status string
	Counts          []channelCount
}

type channelCount struct {
	Channel string
	Counts  []statusCount
}

func (h *Handler) alerts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := h.st.ListDeliveries(r.Context(), store.DeliveryFilter{Channel: q.Get("channel"), Status: q.Get("status"), Limit: h.opts.PageSize, Cursor: q.Get("cursor")})
	if err != nil {
		if e := badFilter(err, "the page link is not valid any more"); e != nil {
			return e
		}
		return err
	}
	d := alertsData{Rows: p.Items, Channel: q.Get("channel"), Status: q.Get("status")}
	if p.Next != "" {
		v := url.Values{"cursor": {p.Next}}
		if d.Channel != "" {
			v.Set("channel", d.Channel)
		}
		if d.Status != "" {
			v.Set("status", d.Status)
		}
		d.Next = "/alerts?" + v.Encode()
	}
	counts, err := h.st.DeliveryCounts(r.Context())
	if err != nil {
		return err
	}
	byChannel := map[string]map[string]int{}
	for k, n := range counts {
		if byChannel[k[0]] == nil {
			byChannel[k[0]] = map[string]int{}
		}
		byChannel[k[0]][k[1]] = n
	}
	for _, ch := range sortedKeys(byChannel) {
		cc := channelCount{Channel: ch}
		for _, st := range []string{store.DeliverySent, store.DeliveryFailed, store.DeliveryPending, store.DeliverySending} {
			cc.Counts = append(cc.Counts, statusCount{st, byChannel[ch][st]})
		}
		d.Counts = append(d.Counts, cc)
	}
	h.render(w, r, http.StatusOK, "alerts", &page{Title: "Alerts", Nav: "alerts", Data: d})
	return nil
}

// keyOf reads a finding's key from a form.
func keyOf(r *http.Request) (store.Key, error) {
	k := store.Key{Target: r.PostFormValue("target"), AccountID: r.PostFormValue("account"),
		RuleID: r.PostFormValue("rule"), ResourceID: r.PostFormValue("resource")}
	if k.Target == "" || k.AccountID == "" || k.RuleID == "" || k.ResourceID == "" {
		return k, badRequest("the form names no finding (target, account, rule and resource are required)")
	}
	return k, nil
}

func (h *Handler) suppress(w http.ResponseWriter, r *http.Request) error {
	k, err := keyOf(r)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		return badRequest("a reason is required to suppress a finding")
	}
	if len(reason) > 500 {
		return badRequest("the reason is longer than 500 characters")
	}
	now := h.opts.Now()
	sup := store.Suppression{Key: k, Reason: reason, CreatedBy: userOf(r).name, CreatedAt: now}
	if e := strings.TrimSpace(r.PostFormValue("expires")); e != "" {
		day, err := time.Parse("2006-01-02", e)
		if err != nil {
			return badRequest("the expiry %q is not a date (YYYY-MM-DD)", e)
		}
		sup.ExpiresAt = day
		if !day.After(now) {
			return badRequest("the expiry %s is not in the future", e)
		}
	}
	if _, err := h.st.Suppress(r.Context(), sup); err != nil {
		switch {
		case errors.Is(err, store.ErrNotFound):
			return httpError{http.StatusNotFound, "no such finding"}
		case errors.Is(err, store.ErrNotSuppressible):
			return httpError{http.StatusConflict, store.ErrNotSuppressible.Error()}
		}
		return err
	}
	h.back(w, r, k)
	return nil
}

func (h *Handler) lift(w http.ResponseWriter, r *http.Request) error {
	k, err := keyOf(r)
	if err != nil {
		return err
	}
	if _, err := h.st.Lift(r.Context(), k, userOf(r).name, h.opts.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return httpError{http.StatusNotFound, "this finding is not suppressed from the dashboard"}
		}
		return err
	}
	h.back(w, r, k)
	return nil
}

// back sends the browser to the page the form came from (a path on this
// site), else to the distribution's page.
func (h *Handler) back(w http.ResponseWriter, r *http.Request, k store.Key) {
	to := safeNext(r.PostFormValue("return"))
	if to == "/" {
		to = distURL(k.Target, k.AccountID, k.ResourceID)
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// badFilter is a 400 for a filter the store cannot use (staleCursor for a
// cursor it did not give), or nil for any other error.
func badFilter(err error, staleCursor string) error {
	var fe *store.FilterError
	if !errors.As(err, &fe) {
		return nil
	}
	if fe.Param == "cursor" {
		return badRequest("%s", staleCursor)
	}
	return badRequest("%s", fe.Error())
}
