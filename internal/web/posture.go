package web

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

// loggingRule is the rule whose verdict says whether every behavior of a
// distribution sends real-time logs.
const loggingRule = "CF-001"

// maxRows bounds what one page or export reads from the store.
const maxRows = 50000

// allPages reads page after page from list (which fetches the page at a
// cursor, "" for the first), up to maxRows items.
func allPages[T any](list func(cursor string) (store.Page[T], error)) ([]T, error) {
	var out []T
	cursor := ""
	for {
		p, err := list(cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" || len(out) >= maxRows {
			return out, nil
		}
		cursor = p.Next
	}
}

// allFindings reads every finding matching f, page after page.
func allFindings(ctx context.Context, st *store.Store, f store.FindingFilter) ([]store.Finding, error) {
	f.Limit = 1000
	return allPages(func(cursor string) (store.Page[store.Finding], error) {
		f.Cursor = cursor
		return st.ListFindings(ctx, f)
	})
}

// allEvents reads every event matching f, newest first.
func allEvents(ctx context.Context, st *store.Store, f store.EventFilter) ([]store.Event, error) {
	f.Limit = 1000
	return allPages(func(cursor string) (store.Page[store.Event], error) {
		f.Cursor = cursor
		return st.ListEvents(ctx, f)
	})
}

// allScans reads every scan matching f, newest first.
func allScans(ctx context.Context, st *store.Store, f store.ScanFilter) ([]store.Scan, error) {
	f.Limit = 1000
	return allPages(func(cursor string) (store.Page[store.Scan], error) {
		f.Cursor = cursor
		return st.ListScans(ctx, f)
	})
}

// judged tells whether a CF-001 status counts in the share of enabled
// distributions: PASS, FAIL and ERROR do, a suppressed SKIP does (as not
// logging), a plain SKIP (a disabled distribution) does not.
func judged(status string, suppressed bool) bool {
	switch status {
	case "PASS", "FAIL", "ERROR":
		return true
	case "SKIP":
		return suppressed
	}
	return false
}

// share counts enabled distributions and those fully logging.
type share struct {
	OK, Total int
}

// Percent is the share in percent, rounded down; -1 when nothing was judged.
func (s share) Percent() int {
	if s.Total == 0 {
		return -1
	}
	return s.OK * 100 / s.Total
}

func (s *share) add(status string, suppressed bool) {
	if judged(status, suppressed) {
		s.Total++
		if status == "PASS" {
			s.OK++
		}
	}
}

// history is the CF-001 verdicts of one distribution over time.
type history struct {
	f      store.Finding
	events []store.Event // oldest first
}

// statusAt is the distribution's CF-001 status at t ("" when it was not
// there), reconstructed from its transitions: the current status holds since
// it last changed; before that, the status an event set holds until the next
// event; before the first event in view, the status that event left.
func (h *history) statusAt(t time.Time) (status string, suppressed bool) {
	if t.Before(h.f.FirstSeen) {
		return "", false
	}
	if !t.Before(h.f.LastChanged) {
		if h.f.Deleted {
			return "", false
		}
		return h.f.Status, h.f.Suppressed
	}
	var last *store.Event
	for i := range h.events {
		e := &h.events[i]
		if e.At.After(t) {
			if last == nil {
				return e.FromStatus, false
			}
			break
		}
		last = e
	}
	if last == nil {
		if h.f.Deleted {
			return "", false
		}
		return h.f.Status, h.f.Suppressed
	}
	switch last.ToStatus {
	case "DELETED":
		return "", false
	}
	return last.ToStatus, last.Kind == store.Suppressed
}

// Series is one line of the posture chart: the share of enabled
// distributions fully logging at each complete scan of an account, or at
// the end of each round of a target's scans.
type Series struct {
	Label  string   `json:"label"`
	Times  []int64  `json:"times"` // Unix seconds
	Values []*int   `json:"values"`
	OK     []int    `json:"-"`
	Total  []int    `json:"-"`
	When   []string `json:"-"`
}

// Points is the number of points of the series.
func (s Series) Points() int { return len(s.Times) }

// posture is everything the overview and the accounts page know of the
// share of fully logging distributions.
type posture struct {
	Now        share
	ByTarget   map[string]share
	ByAccount  map[[2]string]share
	Targets    []Series
	Accounts   []Series
	AccountSer map[[2]string]Series
}

// buildPosture computes the share now and, over the days before now, at
// each complete scan: per target (all its accounts, at each of their scans)
// and per account.
func buildPosture(ctx context.Context, st *store.Store, now time.Time, days int) (*posture, error) {
	since := now.Add(-time.Duration(days) * 24 * time.Hour)
	fs, err := allFindings(ctx, st, store.FindingFilter{RuleID: loggingRule, IncludeDeleted: true})
	if err != nil {
		return nil, err
	}
	evs, err := allEvents(ctx, st, store.EventFilter{RuleID: loggingRule, Since: since})
	if err != nil {
		return nil, err
	}
	complete := true
	scans, err := allScans(ctx, st, store.ScanFilter{Since: since, Complete: &complete})
	if err != nil {
		return nil, err
	}
	p := &posture{ByTarget: map[string]share{}, ByAccount: map[[2]string]share{}, AccountSer: map[[2]string]Series{}}
	hist := map[store.Key]*history{}
	byAccount := map[[2]string][]*history{}
	for _, f := range fs {
		if !isDistribution(f.ResourceType) {
			continue // an account that could not be read is not a distribution
		}
		h := &history{f: f}
		hist[f.Key] = h
		acct := [2]string{f.Target, f.AccountID}
		byAccount[acct] = append(byAccount[acct], h)
		if !f.Deleted {
			p.Now.add(f.Status, f.Suppressed)
			s := p.ByTarget[f.Target]
			s.add(f.Status, f.Suppressed)
			p.ByTarget[f.Target] = s
			a := p.ByAccount[acct]
			a.add(f.Status, f.Suppressed)
			p.ByAccount[acct] = a
		}
	}
	for i := len(evs) - 1; i >= 0; i-- { // oldest first
		if h := hist[evs[i].Key]; h != nil {
			h.events = append(h.events, evs[i])
		}
	}
	// Scan times per account and per target, oldest first.
	acctTimes := map[[2]string][]time.Time{}
	// A target's point is the end of each round: its last account scan.
	roundEnd := map[[2]string]time.Time{}
	var roundOrder [][2]string
	for i := len(scans) - 1; i >= 0; i-- {
		sc := scans[i]
		acct := [2]string{sc.Target, sc.AccountID}
		acctTimes[acct] = append(acctTimes[acct], sc.FinishedAt)
		rk := [2]string{sc.Target, sc.RoundID}
		if _, ok := roundEnd[rk]; !ok {
			roundOrder = append(roundOrder, rk)
		}
		if sc.FinishedAt.After(roundEnd[rk]) {
			roundEnd[rk] = sc.FinishedAt
		}
	}
	targetTimes := map[string][]time.Time{}
	for _, rk := range roundOrder {
		targetTimes[rk[0]] = append(targetTimes[rk[0]], roundEnd[rk])
	}
	for t := range targetTimes {
		ts := targetTimes[t]
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	}
	seriesOf := func(label string, times []time.Time, hs []*history) Series {
		s := Series{Label: label, Times: []int64{}, Values: []*int{}}
		for _, t := range times {
			var sh share
			for _, h := range hs {
				st, sup := h.statusAt(t)
				sh.add(st, sup)
			}
			s.Times = append(s.Times, t.Unix())
			s.OK, s.Total = append(s.OK, sh.OK), append(s.Total, sh.Total)
			s.When = append(s.When, t.UTC().Format("2006-01-02 15:04"))
			if pct := sh.Percent(); pct >= 0 {
				s.Values = append(s.Values, &pct)
			} else {
				s.Values = append(s.Values, nil)
			}
		}
		return s
	}
	var accts [][2]string
	for a := range acctTimes {
		accts = append(accts, a)
	}
	sort.Slice(accts, func(i, j int) bool {
		if accts[i][0] != accts[j][0] {
			return accts[i][0] < accts[j][0]
		}
		return accts[i][1] < accts[j][1]
	})
	byTarget := map[string][]*history{}
	for a, hs := range byAccount {
		byTarget[a[0]] = append(byTarget[a[0]], hs...)
	}
	for _, a := range accts {
		s := seriesOf(fmt.Sprintf("%s / %s", a[0], a[1]), acctTimes[a], byAccount[a])
		p.Accounts = append(p.Accounts, s)
		p.AccountSer[a] = s
	}
	var targets []string
	for t := range targetTimes {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		p.Targets = append(p.Targets, seriesOf(t, dedupTimes(targetTimes[t]), byTarget[t]))
	}
	return p, nil
}

// dedupTimes drops repeated times of a sorted list (accounts of one round
// finishing in the same millisecond).
func dedupTimes(ts []time.Time) []time.Time {
	out := ts[:0:0]
	for i, t := range ts {
		if i == 0 || !t.Equal(ts[i-1]) {
			out = append(out, t)
		}
	}
	return out
}
