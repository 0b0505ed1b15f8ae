package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const findingColumns = `target, account_id, rule_id, resource_id, resource_type, resource_arn, resource_name, title, risk, status,
	message, detail_json, suppressed, suppression_reason, suppression_source, stale, deleted, first_seen, last_seen, last_changed`

// scanFinding reads findingColumns (and extra trailing columns) into f.
func scanFinding(rows interface{ Scan(...any) error }, f *Finding, extra ...any) error {
	var detail string
	var suppressed, stale, deleted int
	var first, last, changed int64
	dest := []any{&f.Target, &f.AccountID, &f.RuleID, &f.ResourceID, &f.ResourceType, &f.ResourceARN, &f.ResourceName,
		&f.Title, &f.Risk, &f.Status, &f.Message, &detail, &suppressed, &f.SuppressionReason, &f.SuppressionSource,
		&stale, &deleted, &first, &last, &changed}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(detail), &f.Detail); err != nil {
		return fmt.Errorf("finding %s %s: detail: %w", f.RuleID, f.ResourceID, err)
	}
	f.Suppressed, f.Stale, f.Deleted = suppressed == 1, stale == 1, deleted == 1
	f.FirstSeen, f.LastSeen, f.LastChanged = fromMS(first), fromMS(last), fromMS(changed)
	return nil
}

// prefixed qualifies every column of a column list with p.
func prefixed(cols, p string) string {
	parts := strings.Split(cols, ",")
	for i := range parts {
		parts[i] = p + strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, ", ")
}

func limitOf(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

func encodeCursor(parts ...string) string {
	b, _ := json.Marshal(parts)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, n int) ([]string, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	var parts []string
	if err == nil {
		err = json.Unmarshal(b, &parts)
	}
	if err != nil || len(parts) != n {
		return nil, &FilterError{Param: "cursor", Value: c, Reason: "is an invalid cursor (pass the next value of an earlier page of the same list)"}
	}
	return parts, nil
}

// where builds a WHERE clause from conditions.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// UpsertTarget records a configured target.
func (s *Store) UpsertTarget(ctx context.Context, t Target) error {
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = time.Now()
	}
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO targets (name, kind, schedule, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, schedule = excluded.schedule, updated_at = excluded.updated_at
		WHERE targets.kind <> excluded.kind OR targets.schedule <> excluded.schedule`), t.Name, t.Kind, t.Schedule, ms(t.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: target %s: %w", t.Name, err)
	}
	return nil
}

// ListTargets lists the targets, by name.
func (s *Store) ListTargets(ctx context.Context) ([]Target, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT name, kind, schedule, updated_at FROM targets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: targets: %w", err)
	}
	defer rows.Close()
	out := []Target{}
	for rows.Next() {
		var t Target
		var up int64
		if err := rows.Scan(&t.Name, &t.Kind, &t.Schedule, &up); err != nil {
			return nil, fmt.Errorf("store: targets: %w", err)
		}
		t.UpdatedAt = fromMS(up)
		out = append(out, t)
	}
	return out, rows.Err()
}

// AccountFilter selects accounts.
type AccountFilter struct {
	Target string
}

// ListAccounts lists the accounts, by target and ID, with their latest scans and counts.
func (s *Store) ListAccounts(ctx context.Context, f AccountFilter) ([]Account, error) {
	var w where
	w.eq("a.target", f.Target)
	rows, err := s.rdb.QueryContext(ctx, s.rebind(`SELECT a.target, a.account_id, a.name, a.first_seen,
		COALESCE((SELECT MAX(finished_at) FROM scans s WHERE s.target = a.target AND s.account_id = a.account_id), 0),
		COALESCE((SELECT MAX(finished_at) FROM scans s WHERE s.target = a.target AND s.account_id = a.account_id AND s.complete = 1), 0),
		(SELECT COUNT(*) FROM findings f WHERE f.target = a.target AND f.account_id = a.account_id AND f.status = 'FAIL' AND f.suppressed = 0 AND f.deleted = 0),
		(SELECT COUNT(*) FROM findings f WHERE f.target = a.target AND f.account_id = a.account_id AND f.stale = 1 AND f.deleted = 0)
		FROM accounts a`+w.String()+` ORDER BY a.target, a.account_id`), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: accounts: %w", err)
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		var a Account
		var first, last, complete int64
		if err := rows.Scan(&a.Target, &a.AccountID, &a.Name, &first, &last, &complete, &a.Failing, &a.Stale); err != nil {
			return nil, fmt.Errorf("store: accounts: %w", err)
		}
		a.FirstSeen, a.LastScan, a.LastCompleteScan = fromMS(first), fromMS(last), fromMS(complete)
		out = append(out, a)
	}
	return out, rows.Err()
}

// FindingFilter selects findings. Empty fields match everything.
type FindingFilter struct {
	Target, AccountID, RuleID, ResourceID string
	// Status is PASS, FAIL, SKIP or ERROR (any case).
	Status string
	// MinRisk keeps findings of at least this risk (Low, Medium, High, Critical).
	MinRisk string
	// ChangedSince, when set, keeps findings whose status or suppression
	// changed (or that were first seen) at or after it.
	ChangedSince time.Time
	// Suppressed, when set, keeps only suppressed (true) or unsuppressed (false) findings.
	Suppressed *bool
	// Stale, when set, keeps only stale (true) or fresh (false) findings.
	Stale *bool
	// IncludeDeleted also lists findings whose resource is gone.
	IncludeDeleted bool
	Limit          int
	Cursor         string
}

// ListFindings lists the current findings, ordered by target, account, rule and resource.
func (s *Store) ListFindings(ctx context.Context, f FindingFilter) (Page[Finding], error) {
	var w where
	w.eq("f.target", f.Target)
	w.eq("f.account_id", f.AccountID)
	w.eq("f.rule_id", f.RuleID)
	w.eq("f.resource_id", f.ResourceID)
	status, err := oneOf("status", f.Status, FindingStatuses(), true)
	if err != nil {
		return Page[Finding]{}, err
	}
	w.eq("f.status", status)
	if err := riskAtLeast(&w, "f.risk", f.MinRisk); err != nil {
		return Page[Finding]{}, err
	}
	if err := checkLimit(f.Limit); err != nil {
		return Page[Finding]{}, err
	}
	if !f.ChangedSince.IsZero() {
		w.add("f.last_changed >= ?", ms(f.ChangedSince))
	}
	if f.Suppressed != nil {
		w.add("f.suppressed = ?", b2i(*f.Suppressed))
	}
	if f.Stale != nil {
		w.add("f.stale = ?", b2i(*f.Stale))
	}
	if !f.IncludeDeleted {
		w.add("f.deleted = 0")
	}
	cur, err := decodeCursor(f.Cursor, 4)
	if err != nil {
		return Page[Finding]{}, err
	}
	if cur != nil {
		w.add("(f.target, f.account_id, f.rule_id, f.resource_id) > (?, ?, ?, ?)", cur[0], cur[1], cur[2], cur[3])
	}
	limit := limitOf(f.Limit)
	cols := prefixed(findingColumns, "f.")
	rows, err := s.rdb.QueryContext(ctx, s.rebind(`SELECT `+cols+`,
		COALESCE((SELECT MAX(finished_at) FROM scans s WHERE s.target = f.target AND s.account_id = f.account_id), 0)
		FROM findings f`+w.String()+` ORDER BY f.target, f.account_id, f.rule_id, f.resource_id LIMIT `+strconv.Itoa(limit+1)), w.args...)
	if err != nil {
		return Page[Finding]{}, fmt.Errorf("store: findings: %w", err)
	}
	defer rows.Close()
	page := Page[Finding]{Items: []Finding{}}
	for rows.Next() {
		var x Finding
		var lastScan int64
		if err := scanFinding(rows, &x, &lastScan); err != nil {
			return Page[Finding]{}, fmt.Errorf("store: findings: %w", err)
		}
		// A finding not written since an unchanged scan was seen by that scan.
		if !x.Stale && !x.Deleted && lastScan > ms(x.LastSeen) {
			x.LastSeen = fromMS(lastScan)
		}
		page.Items = append(page.Items, x)
	}
	if err := rows.Err(); err != nil {
		return Page[Finding]{}, fmt.Errorf("store: findings: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		l := page.Items[limit-1]
		page.Next = encodeCursor(l.Target, l.AccountID, l.RuleID, l.ResourceID)
	}
	return page, nil
}

// GetFinding returns one finding's current state, or ok false.
func (s *Store) GetFinding(ctx context.Context, k Key) (Finding, bool, error) {
	p, err := s.ListFindings(ctx, FindingFilter{Target: k.Target, AccountID: k.AccountID, RuleID: k.RuleID, ResourceID: k.ResourceID, IncludeDeleted: true, Limit: 1})
	if err != nil || len(p.Items) == 0 {
		return Finding{}, false, err
	}
	return p.Items[0], true, nil
}

// EventFilter selects events. Empty fields match everything.
type EventFilter struct {
	Target, AccountID, RuleID, ResourceID string
	Kinds                                 []EventKind
	// ToStatus keeps events into this status (PASS, FAIL, SKIP, ERROR or DELETED; any case).
	ToStatus string
	// MinRisk keeps events of findings of at least this risk.
	MinRisk      string
	Since, Until time.Time
	// AfterID lists events with a larger ID, oldest first (for followers); otherwise newest first.
	AfterID int64
	Limit   int
	Cursor  string
}

const eventColumns = `id, at, target, account_id, rule_id, resource_id, resource_type, kind, from_status, to_status, risk, title, message, detail_json, scan_id, round_id`

func scanEvent(rows interface{ Scan(...any) error }, e *Event) error {
	var at int64
	var kind, detail string
	if err := rows.Scan(&e.ID, &at, &e.Target, &e.AccountID, &e.RuleID, &e.ResourceID, &e.ResourceType, &kind, &e.FromStatus,
		&e.ToStatus, &e.Risk, &e.Title, &e.Message, &detail, &e.ScanID, &e.RoundID); err != nil {
		return err
	}
	e.At, e.Kind = fromMS(at), EventKind(kind)
	return json.Unmarshal([]byte(detail), &e.Detail)
}

// ListEvents lists events, newest first (oldest first with AfterID).
func (s *Store) ListEvents(ctx context.Context, f EventFilter) (Page[Event], error) {
	var w where
	w.eq("target", f.Target)
	w.eq("account_id", f.AccountID)
	w.eq("rule_id", f.RuleID)
	w.eq("resource_id", f.ResourceID)
	to, err := oneOf("status", f.ToStatus, EventStatuses(), true)
	if err != nil {
		return Page[Event]{}, err
	}
	w.eq("to_status", to)
	if err := riskAtLeast(&w, "risk", f.MinRisk); err != nil {
		return Page[Event]{}, err
	}
	if err := checkLimit(f.Limit); err != nil {
		return Page[Event]{}, err
	}
	if len(f.Kinds) > 0 {
		var kinds []string
		for _, k := range EventKinds() {
			kinds = append(kinds, string(k))
		}
		ph := make([]string, len(f.Kinds))
		for i, k := range f.Kinds {
			if _, err := oneOf("kind", string(k), kinds, false); err != nil {
				return Page[Event]{}, err
			}
			ph[i] = "?"
			w.args = append(w.args, string(k))
		}
		w.conds = append(w.conds, "kind IN ("+strings.Join(ph, ", ")+")")
	}
	if !f.Since.IsZero() {
		w.add("at >= ?", ms(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("at < ?", ms(f.Until))
	}
	order := "id DESC"
	if f.AfterID > 0 {
		w.add("id > ?", f.AfterID)
		order = "id ASC"
	}
	cur, err := decodeCursor(f.Cursor, 1)
	if err != nil {
		return Page[Event]{}, err
	}
	if cur != nil {
		id, _ := strconv.ParseInt(cur[0], 10, 64)
		if order == "id ASC" {
			w.add("id > ?", id)
		} else {
			w.add("id < ?", id)
		}
	}
	limit := limitOf(f.Limit)
	rows, err := s.rdb.QueryContext(ctx, s.rebind(`SELECT `+eventColumns+` FROM events`+w.String()+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit+1)), w.args...)
	if err != nil {
		return Page[Event]{}, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	page := Page[Event]{Items: []Event{}}
	for rows.Next() {
		var e Event
		if err := scanEvent(rows, &e); err != nil {
			return Page[Event]{}, fmt.Errorf("store: events: %w", err)
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return Page[Event]{}, fmt.Errorf("store: events: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = encodeCursor(strconv.FormatInt(page.Items[limit-1].ID, 10))
	}
	return page, nil
}

// FindingHistory lists one finding's events, oldest first.
func (s *Store) FindingHistory(ctx context.Context, k Key) ([]Event, error) {
	rows, err := s.rdb.QueryContext(ctx, s.rebind(`SELECT `+eventColumns+` FROM events
		WHERE target = ? AND account_id = ? AND rule_id = ? AND resource_id = ? ORDER BY id`), k.Target, k.AccountID, k.RuleID, k.ResourceID)
	if err != nil {
		return nil, fmt.Errorf("store: history of %s %s: %w", k.RuleID, k.ResourceID, err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		if err := scanEvent(rows, &e); err != nil {
			return nil, fmt.Errorf("store: history of %s %s: %w", k.RuleID, k.ResourceID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ScanFilter selects scans.
type ScanFilter struct {
	Target, AccountID, RoundID string
	Since                      time.Time
	// Complete, when set, keeps only complete (true) or partial (false) scans.
	Complete *bool
	Limit    int
	Cursor   string
}

// ListScans lists account scans, newest first.
func (s *Store) ListScans(ctx context.Context, f ScanFilter) (Page[Scan], error) {
	var w where
	w.eq("target", f.Target)
	w.eq("account_id", f.AccountID)
	w.eq("round_id", f.RoundID)
	if !f.Since.IsZero() {
		w.add("finished_at >= ?", ms(f.Since))
	}
	if f.Complete != nil {
		w.add("complete = ?", b2i(*f.Complete))
	}
	if err := checkLimit(f.Limit); err != nil {
		return Page[Scan]{}, err
	}
	cur, err := decodeCursor(f.Cursor, 1)
	if err != nil {
		return Page[Scan]{}, err
	}
	if cur != nil {
		id, _ := strconv.ParseInt(cur[0], 10, 64)
		w.add("id < ?", id)
	}
	limit := limitOf(f.Limit)
	rows, err := s.rdb.QueryContext(ctx, s.rebind(`SELECT id, target, account_id, round_id, started_at, finished_at, complete, pass, fail, skip,
		error, suppressed, stale, resources, changes, api_calls, api_calls_json, errors_json, duration_ms FROM scans`+w.String()+
		` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1)), w.args...)
	if err != nil {
		return Page[Scan]{}, fmt.Errorf("store: scans: %w", err)
	}
	defer rows.Close()
	page := Page[Scan]{Items: []Scan{}}
	for rows.Next() {
		var x Scan
		var started, finished int64
		var complete int
		var calls, errs string
		if err := rows.Scan(&x.ID, &x.Target, &x.AccountID, &x.RoundID, &started, &finished, &complete, &x.Pass, &x.Fail, &x.Skip,
			&x.Error, &x.Suppressed, &x.Stale, &x.Resources, &x.Changes, &x.APICalls, &calls, &errs, &x.DurationMS); err != nil {
			return Page[Scan]{}, fmt.Errorf("store: scans: %w", err)
		}
		x.StartedAt, x.FinishedAt, x.Complete = fromMS(started), fromMS(finished), complete == 1
		if err := json.Unmarshal([]byte(calls), &x.APICallsBy); err != nil {
			return Page[Scan]{}, fmt.Errorf("store: scan %d: %w", x.ID, err)
		}
		if err := json.Unmarshal([]byte(errs), &x.Errors); err != nil {
			return Page[Scan]{}, fmt.Errorf("store: scan %d: %w", x.ID, err)
		}
		page.Items = append(page.Items, x)
	}
	if err := rows.Err(); err != nil {
		return Page[Scan]{}, fmt.Errorf("store: scans: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = encodeCursor(strconv.FormatInt(page.Items[limit-1].ID, 10))
	}
	return page, nil
}

// DeliveryFilter selects alert deliveries.
type DeliveryFilter struct {
	Channel, Status string
	EventID         int64
	Limit           int
	Cursor          string
}

const deliveryColumns = `id, channel, event_id, round_id, created_at, status, batch_id, attempts, next_attempt_at, last_error, finished_at`

func scanDelivery(rows interface{ Scan(...any) error }, d *Delivery) error {
	var created, next, finished int64
	if err := rows.Scan(&d.ID, &d.Channel, &d.EventID, &d.RoundID, &created, &d.Status, &d.BatchID, &d.Attempts, &next, &d.LastError, &finished); err != nil {
		return err
	}
	d.CreatedAt, d.NextAttemptAt, d.FinishedAt = fromMS(created), fromMS(next), fromMS(finished)
	return nil
}

// ListDeliveries lists alert deliveries, newest first.
func (s *Store) ListDeliveries(ctx context.Context, f DeliveryFilter) (Page[Delivery], error) {
	var w where
	w.eq("channel", f.Channel)
	status, err := oneOf("status", f.Status, DeliveryStatuses(), false)
	if err != nil {
		return Page[Delivery]{}, err
	}
	w.eq("status", status)
	if err := checkLimit(f.Limit); err != nil {
		return Page[Delivery]{}, err
	}
	if f.EventID > 0 {
		w.add("event_id = ?", f.EventID)
	}
	cur, err := decodeCursor(f.Cursor, 1)
	if err != nil {
		return Page[Delivery]{}, err
	}
	if cur != nil {
		id, _ := strconv.ParseInt(cur[0], 10, 64)
		w.add("id < ?", id)
	}
	limit := limitOf(f.Limit)
	rows, err := s.rdb.QueryContext(ctx, s.rebind(`SELECT `+deliveryColumns+` FROM deliveries`+w.String()+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1)), w.args...)
	if err != nil {
		return Page[Delivery]{}, fmt.Errorf("store: deliveries: %w", err)
	}
	defer rows.Close()
	page := Page[Delivery]{Items: []Delivery{}}
	for rows.Next() {
		var d Delivery
		if err := scanDelivery(rows, &d); err != nil {
			return Page[Delivery]{}, fmt.Errorf("store: deliveries: %w", err)
		}
		page.Items = append(page.Items, d)
	}
	if err := rows.Err(); err != nil {
		return Page[Delivery]{}, fmt.Errorf("store: deliveries: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = encodeCursor(strconv.FormatInt(page.Items[limit-1].ID, 10))
	}
	return page, nil
}

// FailingCount is the number of failing findings of one target, account, rule and risk.
type FailingCount struct {
	Target, AccountID, RuleID, Risk string
	N                               int
}

// FailingCounts counts the current unsuppressed FAIL findings by target, account, rule and risk.
func (s *Store) FailingCounts(ctx context.Context) ([]FailingCount, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT target, account_id, rule_id, risk, COUNT(*) FROM findings
		WHERE status = 'FAIL' AND suppressed = 0 AND deleted = 0 GROUP BY target, account_id, rule_id, risk ORDER BY target, account_id, rule_id, risk`)
	if err != nil {
		return nil, fmt.Errorf("store: failing counts: %w", err)
	}
	defer rows.Close()
	var out []FailingCount
	for rows.Next() {
		var c FailingCount
		if err := rows.Scan(&c.Target, &c.AccountID, &c.RuleID, &c.Risk, &c.N); err != nil {
			return nil, fmt.Errorf("store: failing counts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeliveryCounts counts deliveries by channel and status.
func (s *Store) DeliveryCounts(ctx context.Context) (map[[2]string]int, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT channel, status, COUNT(*) FROM deliveries GROUP BY channel, status`)
	if err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	defer rows.Close()
	out := map[[2]string]int{}
	for rows.Next() {
		var ch, st string
		var n int
		if err := rows.Scan(&ch, &st, &n); err != nil {
			return nil, fmt.Errorf("store: delivery counts: %w", err)
		}
		out[[2]string{ch, st}] = n
	}
	return out, rows.Err()
}

// Prune deletes events, scans (totals) and finished deliveries older than
// before; the newest scan of every account and the current state are kept.
func (s *Store) Prune(ctx context.Context, before time.Time) (PruneResult, error) {
	var res PruneResult
	cut := ms(before)
	steps := []struct {
		n   *int64
		sql string
	}{
		{&res.Deliveries, `DELETE FROM deliveries WHERE created_at < ? AND status IN ('sent', 'failed')`},
		{&res.Events, `DELETE FROM events WHERE at < ? AND id NOT IN (SELECT event_id FROM deliveries)`},
		{&res.Scans, `DELETE FROM scans WHERE finished_at < ? AND id NOT IN (SELECT MAX(id) FROM scans GROUP BY target, account_id)`},
	}
	for _, st := range steps {
		r, err := s.db.ExecContext(ctx, s.rebind(st.sql), cut)
		if err != nil {
			return res, fmt.Errorf("store: prune: %w", err)
		}
		*st.n, _ = r.RowsAffected()
	}
	return res, nil
}

// PruneResult counts the rows Prune deleted.
type PruneResult struct {
	Events, Scans, Deliveries int64
}

var _ queryer = (*sql.Tx)(nil)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
