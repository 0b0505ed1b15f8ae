package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// Router says which alert channels an event goes to. Nil routes nowhere.
type Router func(Event) []string

// RecordResult tells what RecordScan wrote.
type RecordResult struct {
	ScanID int64
	// Events are the transitions recorded, with their IDs.
	Events []Event
	// Deliveries counts the outbox rows written.
	Deliveries int
	// RowsWritten counts every row inserted or updated (the totals row included).
	RowsWritten int
	// AlreadyRecorded is set when this account's scan of this round was
	// recorded before (a job that ran again after its scan committed): then
	// nothing is written and ScanID is the earlier scan's.
	AlreadyRecorded bool
}

// RecordScan writes one account scan in one transaction: the totals row, the
// findings whose state changed, an event per transition and, for each event,
// a delivery per channel route names (the outbox). A scan in which nothing
// changed writes its totals row and nothing else.
func (s *Store) RecordScan(ctx context.Context, rec ScanRecord, route Router) (RecordResult, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return RecordResult{}, fmt.Errorf("store: scan of %s/%s: %w", rec.Target, rec.AccountID, err)
	}
	res, err := s.RecordScanTx(ctx, tx, rec, route)
	if err != nil {
		tx.Rollback()
		return RecordResult{}, err
	}
	if err := tx.Commit(); err != nil {
		return RecordResult{}, fmt.Errorf("store: scan of %s/%s: commit: %w", rec.Target, rec.AccountID, err)
	}
	return res, nil
}

type state struct {
	Finding
	knownStatus string
	lastSeenMS  int64
}

// RecordScanTx is RecordScan inside a transaction the caller owns.
func (s *Store) RecordScanTx(ctx context.Context, tx *sql.Tx, rec ScanRecord, route Router) (RecordResult, error) {
	wrap := func(what string, err error) error {
		return fmt.Errorf("store: scan of %s/%s: %s: %w", rec.Target, rec.AccountID, what, err)
	}
	if rec.Target == "" || rec.AccountID == "" {
		return RecordResult{}, fmt.Errorf("store: scan record without target or account (%q/%q)", rec.Target, rec.AccountID)
	}
	if rec.RoundID == "" {
		rec.RoundID = fmt.Sprintf("%s@%d", rec.Target, ms(rec.StartedAt))
	}
	now := ms(rec.FinishedAt)
	var res RecordResult

	// The account: inserted once, updated only when its name changes.
	r, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO accounts (target, account_id, name, first_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (target, account_id) DO UPDATE SET name = excluded.name WHERE accounts.name <> excluded.name AND excluded.name <> ''`),
		rec.Target, rec.AccountID, rec.AccountName, now)
	if err != nil {
		return res, wrap("account", err)
	}
	if n, _ := r.RowsAffected(); n > 0 {
		res.RowsWritten += int(n)
	}
	if s.dialect == Postgres {
		// Serialize scans of one account across workers.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM accounts WHERE target = $1 AND account_id = $2 FOR UPDATE`, rec.Target, rec.AccountID); err != nil {
			return res, wrap("lock account", err)
		}
	}

	// One scan per (target, account, round): a rerun of a job whose scan
	// committed (its completion lost, or the round queued again) writes
	// nothing. The account lock above (PostgreSQL) or the single writer
	// (SQLite) orders concurrent scans of one account, and the unique index
	// scans_round backs this check.
	var earlier int64
	err = tx.QueryRowContext(ctx, s.rebind(`SELECT id FROM scans WHERE target = ? AND account_id = ? AND round_id = ?`),
		rec.Target, rec.AccountID, rec.RoundID).Scan(&earlier)
	switch {
	case err == nil:
		return RecordResult{ScanID: earlier, AlreadyRecorded: true}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return res, wrap("earlier scan of round "+rec.RoundID, err)
	}

	// The previous scan's end: the implicit last_seen of every finding not written since.
	var prevScan sql.NullInt64
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT MAX(finished_at) FROM scans WHERE target = ? AND account_id = ?`),
		rec.Target, rec.AccountID).Scan(&prevScan); err != nil {
		return res, wrap("previous scan", err)
	}

	current, err := s.loadState(ctx, tx, rec.Target, rec.AccountID)
	if err != nil {
		return res, wrap("load state", err)
	}
	if rec.Findings, err = s.applySuppressions(ctx, tx, rec); err != nil {
		return res, wrap("suppressions", err)
	}
	ruleRan := func(id string) bool { return len(rec.Rules) == 0 || slices.Contains(rec.Rules, id) }

	var events []Event
	var upserts []Finding
	seen := map[Key]bool{}
	var totals Scan
	for _, f := range rec.Findings {
		k := Key{Target: rec.Target, AccountID: rec.AccountID, RuleID: f.RuleID, ResourceID: f.Resource.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		switch f.Status {
		case finding.Pass:
			totals.Pass++
		case finding.Fail:
			totals.Fail++
		case finding.Skip:
			totals.Skip++
		case finding.Error:
			totals.Error++
		}
		if f.Suppression != nil {
			totals.Suppressed++
		}
		next := fromFinding(k, f)
		prev, had := current[k]
		if !had || prev.Deleted {
			next.FirstSeen, next.LastSeen, next.LastChanged = fromMS(now), fromMS(now), fromMS(now)
			next.knownStatusOr(string(f.Status))
			upserts = append(upserts, next.Finding)
			if kind, ok := firstEvent(next.Finding); ok {
				events = append(events, newEvent(kind, "", next.Finding))
			}
			continue
		}
		next.FirstSeen = prev.FirstSeen
		next.LastSeen = fromMS(now)
		next.LastChanged = prev.LastChanged
		if prev.Status != next.Status || prev.Suppressed != next.Suppressed {
			next.LastChanged = fromMS(now)
		}
		known := prev.knownStatus
		if next.Status != string(finding.Error) && (!next.Suppressed || next.Status != string(finding.Skip)) {
			next.knownStatus = next.Status
		} else {
			next.knownStatus = known
		}
		for _, kind := range transitions(prev, known, next.Finding) {
			events = append(events, newEvent(kind, prev.Status, next.Finding))
		}
		if changed(prev, next) {
			upserts = append(upserts, next.Finding)
			current[k] = state{Finding: next.Finding, knownStatus: next.knownStatus}
		}
	}
	// Findings not re-checked: deleted after a complete read, stale after a partial one.
	var staleMarks, deletes []state
	for k, prev := range current {
		if seen[k] || prev.Deleted || !ruleRan(k.RuleID) {
			continue
		}
		if rec.Complete {
			deletes = append(deletes, prev)
			ev := newEvent(ResourceDeleted, prev.Status, prev.Finding)
			ev.ToStatus = "DELETED"
			events = append(events, ev)
		} else {
			totals.Stale++
			if !prev.Stale {
				staleMarks = append(staleMarks, prev)
			}
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if a.RuleID != b.RuleID {
			return a.RuleID < b.RuleID
		}
		return a.ResourceID < b.ResourceID
	})
	knownStatus := map[Key]string{}
	for k, st := range current {
		knownStatus[k] = st.knownStatus
	}

	// The totals row.
	totals.Resources = countResources(rec.Findings)
	totals.Changes = len(events)
	calls, callsTotal := rec.APICalls, 0
	for _, n := range calls {
		callsTotal += n
	}
	if calls == nil {
		calls = map[string]int{}
	}
	callsJSON, _ := json.Marshal(calls)
	errs := rec.Errors
	if errs == nil {
		errs = []finding.ScanError{}
	}
	errsJSON, _ := json.Marshal(errs)
	if err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO scans (target, account_id, round_id, started_at, finished_at, complete,
		pass, fail, skip, error, suppressed, stale, resources, changes, api_calls, api_calls_json, errors_json, duration_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		rec.Target, rec.AccountID, rec.RoundID, ms(rec.StartedAt), now, b2i(rec.Complete),
		totals.Pass, totals.Fail, totals.Skip, totals.Error, totals.Suppressed, totals.Stale, totals.Resources, totals.Changes,
		callsTotal, string(callsJSON), string(errsJSON), rec.FinishedAt.Sub(rec.StartedAt).Milliseconds()).Scan(&res.ScanID); err != nil {
		return res, wrap("totals", err)
	}
	res.RowsWritten++

	for _, f := range upserts {
		if err := s.upsertFinding(ctx, tx, f, knownStatus[f.Key]); err != nil {
			return res, wrap("finding "+f.RuleID+" "+f.ResourceID, err)
		}
		res.RowsWritten++
	}
	for _, st := range staleMarks {
		last := st.lastSeenMS
		if prevScan.Valid && prevScan.Int64 > last {
			last = prevScan.Int64
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET stale = 1, last_seen = ? WHERE target = ? AND account_id = ? AND rule_id = ? AND resource_id = ?`),
			last, st.Target, st.AccountID, st.RuleID, st.ResourceID); err != nil {
			return res, wrap("stale "+st.RuleID+" "+st.ResourceID, err)
		}
		res.RowsWritten++
	}
	for _, st := range deletes {
		last := st.lastSeenMS
		if prevScan.Valid && prevScan.Int64 > last && !st.Stale {
			last = prevScan.Int64
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET deleted = 1, stale = 0, last_seen = ?, last_changed = ? WHERE target = ? AND account_id = ? AND rule_id = ? AND resource_id = ?`),
			last, now, st.Target, st.AccountID, st.RuleID, st.ResourceID); err != nil {
			return res, wrap("delete "+st.RuleID+" "+st.ResourceID, err)
		}
		res.RowsWritten++
	}
	for i := range events {
		ev := &events[i]
		ev.At, ev.ScanID, ev.RoundID = fromMS(now), res.ScanID, rec.RoundID
		detail, _ := json.Marshal(ev.Detail)
		if err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO events (at, target, account_id, rule_id, resource_id, resource_type, kind,
			from_status, to_status, risk, title, message, detail_json, scan_id, round_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			now, ev.Target, ev.AccountID, ev.RuleID, ev.ResourceID, ev.ResourceType, string(ev.Kind),
			ev.FromStatus, ev.ToStatus, ev.Risk, ev.Title, ev.Message, string(detail), ev.ScanID, ev.RoundID).Scan(&ev.ID); err != nil {
			return res, wrap("event", err)
		}
		res.RowsWritten++
		if route == nil {
			continue
		}
		for _, ch := range route(*ev) {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO deliveries (channel, event_id, round_id, created_at, status, next_attempt_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, event_id) DO NOTHING`),
				ch, ev.ID, ev.RoundID, now, DeliveryPending, now); err != nil {
				return res, wrap("delivery to "+ch, err)
			}
			res.Deliveries++
			res.RowsWritten++
		}
	}
	res.Events = events
	return res, nil
}

func (s *Store) loadState(ctx context.Context, q queryer, target, account string) (map[Key]state, error) {
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT `+findingColumns+`, known_status, last_seen FROM findings WHERE target = ? AND account_id = ?`), target, account)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[Key]state{}
	for rows.Next() {
		var st state
		if err := scanFinding(rows, &st.Finding, &st.knownStatus, &st.lastSeenMS); err != nil {
			return nil, err
		}
		out[st.Key] = st
	}
	return out, rows.Err()
}

func (s *Store) upsertFinding(ctx context.Context, tx *sql.Tx, f Finding, known string) error {
	detail, _ := json.Marshal(f.Detail)
	if known == "" {
		known = f.Status
	}
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO findings (target, account_id, rule_id, resource_id, resource_type, resource_arn,
		resource_name, title, risk, status, known_status, message, detail_json, suppressed, suppression_reason, suppression_source,
		stale, deleted, first_seen, last_seen, last_changed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)
		ON CONFLICT (target, account_id, rule_id, resource_id) DO UPDATE SET
		resource_type = excluded.resource_type, resource_arn = excluded.resource_arn, resource_name = excluded.resource_name,
		title = excluded.title, risk = excluded.risk, status = excluded.status, known_status = excluded.known_status,
		message = excluded.message, detail_json = excluded.detail_json, suppressed = excluded.suppressed,
		suppression_reason = excluded.suppression_reason, suppression_source = excluded.suppression_source,
		stale = 0, deleted = 0, first_seen = excluded.first_seen, last_seen = excluded.last_seen, last_changed = excluded.last_changed`),
		f.Target, f.AccountID, f.RuleID, f.ResourceID, f.ResourceType, f.ResourceARN, f.ResourceName, f.Title, f.Risk, f.Status, known,
		f.Message, string(detail), b2i(f.Suppressed), f.SuppressionReason, f.SuppressionSource,
		ms(f.FirstSeen), ms(f.LastSeen), ms(f.LastChanged))
	return err
}

func fromFinding(k Key, f finding.Finding) state {
	out := Finding{
		Key: k, ResourceType: f.Resource.Type, ResourceARN: f.Resource.ARN, ResourceName: f.Resource.Name,
		Title: f.Title, Risk: f.Risk, Status: string(f.Status), Message: f.Message,
		Detail: Detail{Behaviors: f.Behaviors, OtherBehaviors: f.OtherBehaviors, Problems: f.Problems, Related: f.Related, Staging: f.Staging},
	}
	if f.Suppression != nil {
		out.Suppressed, out.SuppressionReason, out.SuppressionSource = true, f.Suppression.Reason, f.Suppression.Source
	}
	return state{Finding: out}
}

func (st *state) knownStatusOr(s string) {
	if s == string(finding.Error) {
		st.knownStatus = ""
		return
	}
	st.knownStatus = s
}

// firstEvent is the event for a finding seen for the first time (or again after its resource was deleted).
func firstEvent(f Finding) (EventKind, bool) {
	switch f.Status {
	case string(finding.Fail):
		if f.Suppressed {
			return Suppressed, true
		}
		return NewFailure, true
	case string(finding.Error):
		return ErrorEvent, true
	}
	return "", false
}

// transitions are the events between a finding's previous state and its new
// one. known is the last status other than ERROR ("" if none), so that a
// check that could not run for a while and then gives its old result again
// raises no alert.
func transitions(prev state, known string, next Finding) []EventKind {
	fail, pass, errS, skip := string(finding.Fail), string(finding.Pass), string(finding.Error), string(finding.Skip)
	switch {
	case next.Status == errS:
		if prev.Status != errS {
			return []EventKind{ErrorEvent}
		}
		return nil
	case next.Suppressed && !prev.Suppressed:
		// A failure (or a SKIP that a suppression made of one) is now suppressed.
		if next.Status == fail || next.Status == skip {
			return []EventKind{Suppressed}
		}
		return nil
	case next.Suppressed:
		return nil
	case prev.Suppressed:
		if next.Status == fail {
			return []EventKind{SuppressionExpired}
		}
		return nil
	case next.Status == fail:
		switch known {
		case fail:
			return nil
		case pass, skip:
			return []EventKind{Regression}
		}
		return []EventKind{NewFailure}
	case next.Status == pass || next.Status == skip:
		if known == fail {
			return []EventKind{Resolved}
		}
	}
	return nil
}

func changed(prev state, next state) bool {
	a, b := prev.Finding, next.Finding
	if prev.Stale || a.Status != b.Status || a.Suppressed != b.Suppressed || a.Message != b.Message || a.Risk != b.Risk ||
		a.Title != b.Title || a.ResourceARN != b.ResourceARN || a.ResourceName != b.ResourceName || a.ResourceType != b.ResourceType ||
		a.SuppressionReason != b.SuppressionReason || a.SuppressionSource != b.SuppressionSource || prev.knownStatus != next.knownStatus {
		return true
	}
	da, _ := json.Marshal(a.Detail)
	db, _ := json.Marshal(b.Detail)
	return string(da) != string(db)
}

func newEvent(kind EventKind, from string, f Finding) Event {
	return Event{
		Key: f.Key, ResourceType: f.ResourceType, Kind: kind, FromStatus: from, ToStatus: f.Status,
		Risk: f.Risk, Title: f.Title, Message: f.Message, Detail: f.Detail,
	}
}

func countResources(fs []finding.Finding) int {
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.Resource.Type+"\x00"+f.Resource.ID] = true
	}
	return len(seen)
}
