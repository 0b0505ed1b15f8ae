package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// Suppression is a finding suppressed from the dashboard: it is reported as
// SKIP with its reason by every scan until it is lifted or expires.
type Suppression struct {
	Key
	Reason string `json:"reason"`
	// ExpiresAt is when the suppression stops applying (zero: never).
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// CreatedBy is the name of the token that suppressed it.
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// DashboardSource is the suppression source of findings suppressed from the
// dashboard: "dashboard:" and the token's name.
func DashboardSource(by string) string { return "dashboard:" + by }

// suppressedPrefix starts the message of a failing finding that is suppressed,
// as the suppress package writes it.
const suppressedPrefix = "suppressed (fail): "

// ErrNotFound is returned for a finding or suppression that does not exist.
var ErrNotFound = errors.New("not found")

// ErrNotSuppressible is returned when a finding cannot be suppressed from the
// dashboard: it is not failing, or a settings file suppresses it already.
var ErrNotSuppressible = errors.New("only a failing finding that no settings file suppresses can be suppressed")

// Suppress records a suppression and applies it at once: the failing finding
// becomes SKIP with the reason, and a suppressed event records who and why.
// Suppressing a finding the dashboard suppressed already replaces the reason
// and expiry.
func (s *Store) Suppress(ctx context.Context, sup Suppression) (Event, error) {
	wrap := func(err error) error {
		return fmt.Errorf("store: suppress %s %s/%s %s: %w", sup.RuleID, sup.Target, sup.AccountID, sup.ResourceID, err)
	}
	if strings.TrimSpace(sup.Reason) == "" {
		return Event{}, wrap(errors.New("a reason is required"))
	}
	if strings.TrimSpace(sup.CreatedBy) == "" {
		return Event{}, wrap(errors.New("who suppresses it is required"))
	}
	if sup.CreatedAt.IsZero() {
		sup.CreatedAt = time.Now()
	}
	if !sup.ExpiresAt.IsZero() && !sup.ExpiresAt.After(sup.CreatedAt) {
		return Event{}, wrap(errors.New("the expiry is in the past"))
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Event{}, wrap(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	f, err := s.findingTx(ctx, tx, sup.Key)
	if err != nil {
		return Event{}, wrap(err)
	}
	ours := f.Suppressed && strings.HasPrefix(f.SuppressionSource, "dashboard:")
	if !ours && (f.Status != string(finding.Fail) || f.Suppressed) {
		return Event{}, wrap(ErrNotSuppressible)
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO suppressions (target, account_id, rule_id, resource_id, reason, expires_at, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target, account_id, rule_id, resource_id) DO UPDATE SET
		reason = excluded.reason, expires_at = excluded.expires_at, created_by = excluded.created_by, created_at = excluded.created_at`),
		sup.Target, sup.AccountID, sup.RuleID, sup.ResourceID, sup.Reason, msOrZero(sup.ExpiresAt), sup.CreatedBy, ms(sup.CreatedAt)); err != nil {
		return Event{}, wrap(err)
	}
	from := f.Status
	if !ours {
		f.Message = suppressedPrefix + f.Message
	}
	f.Status, f.Suppressed = string(finding.Skip), true
	f.SuppressionReason, f.SuppressionSource = sup.Reason, DashboardSource(sup.CreatedBy)
	// known_status SKIP, as a scan records a suppressed finding: the next
	// scan that still suppresses it records no transition.
	if err := s.updateSuppressionTx(ctx, tx, f, string(finding.Skip), sup.CreatedAt); err != nil {
		return Event{}, wrap(err)
	}
	msg := fmt.Sprintf("suppressed by %s: %s", sup.CreatedBy, sup.Reason)
	if !sup.ExpiresAt.IsZero() {
		msg += " (until " + sup.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC") + ")"
	}
	ev := newEvent(Suppressed, from, f)
	ev.Message = msg
	if ev, err = s.insertDashboardEvent(ctx, tx, ev, sup.CreatedAt); err != nil {
		return Event{}, wrap(err)
	}
	if err := tx.Commit(); err != nil {
		return Event{}, wrap(err)
	}
	return ev, nil
}

// Lift removes the dashboard's suppression of a finding: it is FAIL again at
// once (the next scan judges it afresh), and a suppression_lifted event
// records who lifted it.
func (s *Store) Lift(ctx context.Context, k Key, by string, now time.Time) (Event, error) {
	wrap := func(err error) error {
		return fmt.Errorf("store: lift the suppression of %s %s/%s %s: %w", k.RuleID, k.Target, k.AccountID, k.ResourceID, err)
	}
	if now.IsZero() {
		now = time.Now()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Event{}, wrap(err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	r, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM suppressions WHERE target = ? AND account_id = ? AND rule_id = ? AND resource_id = ?`),
		k.Target, k.AccountID, k.RuleID, k.ResourceID)
	if err != nil {
		return Event{}, wrap(err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return Event{}, wrap(ErrNotFound)
	}
	f, err := s.findingTx(ctx, tx, k)
	if err != nil {
		return Event{}, wrap(err)
	}
	var ev Event
	if f.Suppressed && strings.HasPrefix(f.SuppressionSource, "dashboard:") {
		from := f.Status
		f.Message = strings.TrimPrefix(f.Message, suppressedPrefix)
		f.Status, f.Suppressed, f.SuppressionReason, f.SuppressionSource = string(finding.Fail), false, "", ""
		if err := s.updateSuppressionTx(ctx, tx, f, string(finding.Fail), now); err != nil {
			return Event{}, wrap(err)
		}
		ev = newEvent(SuppressionLifted, from, f)
		ev.Message = "suppression lifted by " + by
		if ev, err = s.insertDashboardEvent(ctx, tx, ev, now); err != nil {
			return Event{}, wrap(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Event{}, wrap(err)
	}
	return ev, nil
}

// ListSuppressions lists the dashboard's suppressions of a target's account
// ("" for all), expired ones included, by key.
func (s *Store) ListSuppressions(ctx context.Context, target, account string) ([]Suppression, error) {
	var w where
	w.eq("target", target)
	w.eq("account_id", account)
	return s.suppressions(ctx, s.rdb, w)
}

func (s *Store) suppressions(ctx context.Context, q queryer, w where) ([]Suppression, error) {
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT target, account_id, rule_id, resource_id, reason, expires_at, created_by, created_at
		FROM suppressions`+w.String()+` ORDER BY target, account_id, rule_id, resource_id`), w.args...)
	if err != nil {
		return nil, fmt.Errorf("store: suppressions: %w", err)
	}
	defer rows.Close()
	out := []Suppression{}
	for rows.Next() {
		var x Suppression
		var exp, at int64
		if err := rows.Scan(&x.Target, &x.AccountID, &x.RuleID, &x.ResourceID, &x.Reason, &exp, &x.CreatedBy, &at); err != nil {
			return nil, fmt.Errorf("store: suppressions: %w", err)
		}
		if exp != 0 {
			x.ExpiresAt = fromMS(exp)
		}
		x.CreatedAt = fromMS(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

// applySuppressions returns the scan's findings with the dashboard's
// suppressions in force at the end of the scan applied, as the suppress
// package applies a settings file's: a failing finding becomes SKIP with the
// reason. The caller's slice is left as it is.
func (s *Store) applySuppressions(ctx context.Context, q queryer, rec ScanRecord) ([]finding.Finding, error) {
	var w where
	w.eq("target", rec.Target)
	w.eq("account_id", rec.AccountID)
	w.add("(expires_at = 0 OR expires_at > ?)", ms(rec.FinishedAt))
	sups, err := s.suppressions(ctx, q, w)
	if err != nil || len(sups) == 0 {
		return rec.Findings, err
	}
	active := make(map[[2]string]Suppression, len(sups))
	for _, x := range sups {
		active[[2]string{x.RuleID, x.ResourceID}] = x
	}
	out := make([]finding.Finding, len(rec.Findings))
	copy(out, rec.Findings)
	for i := range out {
		f := &out[i]
		x, ok := active[[2]string{f.RuleID, f.Resource.ID}]
		if !ok || f.Status != finding.Fail || f.Suppression != nil {
			continue
		}
		f.Message = suppressedPrefix + f.Message
		f.Status = finding.Skip
		f.Suppression = &finding.Suppression{Reason: x.Reason, Source: DashboardSource(x.CreatedBy)}
	}
	return out, nil
}

// findingTx reads one finding inside tx.
func (s *Store) findingTx(ctx context.Context, tx *sql.Tx, k Key) (Finding, error) {
	var f Finding
	row := tx.QueryRowContext(ctx, s.rebind(`SELECT `+findingColumns+` FROM findings
		WHERE target = ? AND account_id = ? AND rule_id = ? AND resource_id = ? AND deleted = 0`), k.Target, k.AccountID, k.RuleID, k.ResourceID)
	if err := scanFinding(row, &f); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return f, ErrNotFound
		}
		return f, err
	}
	return f, nil
}

func (s *Store) updateSuppressionTx(ctx context.Context, tx *sql.Tx, f Finding, known string, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET status = ?, known_status = ?, message = ?, suppressed = ?,
		suppression_reason = ?, suppression_source = ?, last_changed = ?
		WHERE target = ? AND account_id = ? AND rule_id = ? AND resource_id = ?`),
		f.Status, known, f.Message, b2i(f.Suppressed), f.SuppressionReason, f.SuppressionSource, ms(now),
		f.Target, f.AccountID, f.RuleID, f.ResourceID)
	return err
}

// insertDashboardEvent writes an event made from the dashboard (no scan, no alert).
func (s *Store) insertDashboardEvent(ctx context.Context, tx *sql.Tx, e Event, at time.Time) (Event, error) {
	e.At, e.RoundID = at, "dashboard"
	detail, _ := json.Marshal(e.Detail)
	err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO events (at, target, account_id, rule_id, resource_id, resource_type, kind,
		from_status, to_status, risk, title, message, detail_json, scan_id, round_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id`),
		ms(at), e.Target, e.AccountID, e.RuleID, e.ResourceID, e.ResourceType, string(e.Kind),
		e.FromStatus, e.ToStatus, e.Risk, e.Title, e.Message, string(detail), e.RoundID).Scan(&e.ID)
	return e, err
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}
