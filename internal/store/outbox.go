package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Batch is the claimed deliveries of one scan round to one channel: one message.
type Batch struct {
	// ID is the delivery ID the message carries; it stays the same across retries.
	ID       string
	Channel  string
	RoundID  string
	Attempts int
	// Deliveries and Events are in event order; Events[i] belongs to Deliveries[i].
	Deliveries []Delivery
	Events     []Event
}

// ClaimBatch claims the due deliveries of one round for channel, once no
// delivery for that round has been written for settle (so that a round's
// changes go out in one message). The claim lasts lease: a sender that dies
// leaves the batch to be claimed again after it. It returns nil when nothing
// is due. Claims are atomic, so any number of senders may run.
func (s *Store) ClaimBatch(ctx context.Context, channel string, now time.Time, settle, lease time.Duration) (*Batch, error) {
	wrap := func(err error) error { return fmt.Errorf("store: claim deliveries for %s: %w", channel, err) }
	due := `channel = ? AND ((status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND lease_until < ?))`
	var round string
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT round_id FROM deliveries WHERE `+due+`
		GROUP BY round_id HAVING MAX(created_at) <= ? ORDER BY MIN(id) LIMIT 1`),
		channel, ms(now), ms(now), ms(now.Add(-settle))).Scan(&round)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, wrap(err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap(err)
	}
	defer tx.Rollback()
	// Which batch: a due batch that was claimed before (a retry, or a sender
	// whose lease ran out) goes out again whole under its delivery ID; else the
	// due rows never claimed form a new batch. Rows another sender holds under
	// a live lease are not due, so their batch ID is never reused here.
	var prevID string
	err = tx.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(MAX(batch_id), '') FROM deliveries WHERE round_id = ? AND `+due),
		round, channel, ms(now), ms(now)).Scan(&prevID)
	if err != nil {
		return nil, wrap(err)
	}
	batchID := prevID
	if batchID == "" {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, wrap(err)
		}
		batchID = "dlv_" + hex.EncodeToString(b[:])
	}
	// The claim is the state-guarded UPDATE: on PostgreSQL a concurrent
	// claimer waits for the row locks and re-checks the guard, so each row is
	// claimed by one sender only; RETURNING names exactly the rows this claim
	// took.
	claimRows, err := tx.QueryContext(ctx, s.rebind(`UPDATE deliveries SET status = 'sending', batch_id = ?, attempts = attempts + 1, lease_until = ?
		WHERE round_id = ? AND batch_id = ? AND `+due+` RETURNING id`), batchID, ms(now.Add(lease)), round, prevID, channel, ms(now), ms(now))
	if err != nil {
		return nil, wrap(err)
	}
	claimed := map[int64]bool{}
	for claimRows.Next() {
		var id int64
		if err := claimRows.Scan(&id); err != nil {
			claimRows.Close()
			return nil, wrap(err)
		}
		claimed[id] = true
	}
	claimRows.Close()
	if err := claimRows.Err(); err != nil {
		return nil, wrap(err)
	}
	if len(claimed) == 0 {
		return nil, tx.Commit() // another sender took it
	}
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT `+prefixed(deliveryColumns, "d.")+`, `+prefixed(eventColumns, "e.")+`
		FROM deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.channel = ? AND d.round_id = ? AND d.batch_id = ? AND d.status = 'sending' ORDER BY e.id`), channel, round, batchID)
	if err != nil {
		return nil, wrap(err)
	}
	b := &Batch{ID: batchID, Channel: channel, RoundID: round}
	for rows.Next() {
		var d Delivery
		var e Event
		var created, next, finished, at int64
		var kind, detail string
		if err := rows.Scan(&d.ID, &d.Channel, &d.EventID, &d.RoundID, &created, &d.Status, &d.BatchID, &d.Attempts, &next, &d.LastError, &finished,
			&e.ID, &at, &e.Target, &e.AccountID, &e.RuleID, &e.ResourceID, &e.ResourceType, &kind, &e.FromStatus,
			&e.ToStatus, &e.Risk, &e.Title, &e.Message, &detail, &e.ScanID, &e.RoundID); err != nil {
			rows.Close()
			return nil, wrap(err)
		}
		if !claimed[d.ID] {
			continue
		}
		d.CreatedAt, d.NextAttemptAt, d.FinishedAt = fromMS(created), fromMS(next), fromMS(finished)
		e.At, e.Kind = fromMS(at), EventKind(kind)
		if err := jsonUnmarshal(detail, &e.Detail); err != nil {
			rows.Close()
			return nil, wrap(err)
		}
		if d.Attempts > b.Attempts {
			b.Attempts = d.Attempts
		}
		b.Deliveries = append(b.Deliveries, d)
		b.Events = append(b.Events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	if err := tx.Commit(); err != nil {
		return nil, wrap(err)
	}
	return b, nil
}

// Outcome is what became of one attempt to send a batch.
type Outcome struct {
	// Err is nil when the message was accepted. It must not hold secrets.
	Err error
	// RetryAt, when Err is set and not zero, puts the batch back for another attempt then;
	// zero makes the failure final.
	RetryAt time.Time
}

// FinishBatch records the outcome of sending b.
func (s *Store) FinishBatch(ctx context.Context, b *Batch, now time.Time, o Outcome) error {
	var err error
	switch {
	case o.Err == nil:
		_, err = s.db.ExecContext(ctx, s.rebind(`UPDATE deliveries SET status = 'sent', finished_at = ?, last_error = '', lease_until = 0
			WHERE batch_id = ? AND status = 'sending'`), ms(now), b.ID)
	case !o.RetryAt.IsZero():
		_, err = s.db.ExecContext(ctx, s.rebind(`UPDATE deliveries SET status = 'pending', next_attempt_at = ?, last_error = ?, lease_until = 0
			WHERE batch_id = ? AND status = 'sending'`), ms(o.RetryAt), o.Err.Error(), b.ID)
	default:
		_, err = s.db.ExecContext(ctx, s.rebind(`UPDATE deliveries SET status = 'failed', finished_at = ?, last_error = ?, lease_until = 0
			WHERE batch_id = ? AND status = 'sending'`), ms(now), o.Err.Error(), b.ID)
	}
	if err != nil {
		return fmt.Errorf("store: delivery %s to %s: %w", b.ID, b.Channel, err)
	}
	return nil
}
