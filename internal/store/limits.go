package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// pgNowMS is PostgreSQL's clock in Unix milliseconds: leases and budgets
// shared by several machines go by the database's clock, not theirs.
const pgNowMS = `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT`

func (s *Store) postgresOnly(what string) error {
	if s.dialect != Postgres {
		return fmt.Errorf("store: %s are shared through PostgreSQL only (one SQLite process keeps them in memory)", what)
	}
	return nil
}

// AcquireSlot leases one of target's n scan slots to holder for ttl (by
// the database's clock): a slot no one holds, or whose lease has expired.
// ok is false when all n are held. Any number of processes may call it at
// once: each slot goes to one of them.
func (s *Store) AcquireSlot(ctx context.Context, target, holder string, n int, ttl time.Duration) (slot int, ok bool, err error) {
	if err := s.postgresOnly("scan slots"); err != nil {
		return 0, false, err
	}
	if n <= 0 {
		return 0, false, fmt.Errorf("store: scan slots of %s: %d slots", target, n)
	}
	for try := 0; ; try++ {
		err = s.db.QueryRowContext(ctx, `UPDATE target_slots SET holder = $3, expires_at = `+pgNowMS+` + $4
			WHERE target = $1 AND slot = (SELECT slot FROM target_slots
				WHERE target = $1 AND slot < $2 AND expires_at < `+pgNowMS+`
				ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
			RETURNING slot`, target, n, holder, ttl.Milliseconds()).Scan(&slot)
		switch {
		case err == nil:
			return slot, true, nil
		case !errors.Is(err, sql.ErrNoRows):
			return 0, false, fmt.Errorf("store: scan slot of %s: %w", target, err)
		case try > 0:
			return 0, false, nil
		}
		// The target's slots may not exist yet (or n grew): make them, then look again.
		r, err := s.db.ExecContext(ctx, `INSERT INTO target_slots (target, slot)
			SELECT $1, g FROM generate_series(0, $2 - 1) AS g ON CONFLICT DO NOTHING`, target, n)
		if err != nil {
			return 0, false, fmt.Errorf("store: scan slots of %s: %w", target, err)
		}
		if added, _ := r.RowsAffected(); added == 0 {
			return 0, false, nil
		}
	}
}

// RenewSlot extends holder's lease of target's slot by ttl from now; false
// when holder no longer holds it (the lease expired and another took it).
func (s *Store) RenewSlot(ctx context.Context, target string, slot int, holder string, ttl time.Duration) (bool, error) {
	if err := s.postgresOnly("scan slots"); err != nil {
		return false, err
	}
	r, err := s.db.ExecContext(ctx, `UPDATE target_slots SET expires_at = `+pgNowMS+` + $4
		WHERE target = $1 AND slot = $2 AND holder = $3`, target, slot, holder, ttl.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("store: renew scan slot %d of %s: %w", slot, target, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: renew scan slot %d of %s: %w", slot, target, err)
	}
	return n == 1, nil
}

// ReleaseSlot frees target's slot if holder still holds it.
func (s *Store) ReleaseSlot(ctx context.Context, target string, slot int, holder string) error {
	if err := s.postgresOnly("scan slots"); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE target_slots SET holder = '', expires_at = 0
		WHERE target = $1 AND slot = $2 AND holder = $3`, target, slot, holder); err != nil {
		return fmt.Errorf("store: release scan slot %d of %s: %w", slot, target, err)
	}
	return nil
}

// HeldSlots counts target's slots whose lease has not expired.
func (s *Store) HeldSlots(ctx context.Context, target string) (int, error) {
	if err := s.postgresOnly("scan slots"); err != nil {
		return 0, err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM target_slots WHERE target = $1 AND expires_at >= `+pgNowMS,
		target).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: scan slots of %s: %w", target, err)
	}
	return n, nil
}

// TakeCall reserves one call to service from target's budget, a token
// bucket of burst calls refilled at perSecond, shared by every process:
// it returns how long to wait before making the call (0 when a token was
// there). Reservations queue up: the bucket goes into debt and each caller
// waits for its turn.
func (s *Store) TakeCall(ctx context.Context, target, service string, perSecond float64, burst int) (time.Duration, error) {
	if err := s.postgresOnly("call budgets"); err != nil {
		return 0, err
	}
	if perSecond <= 0 {
		return 0, nil
	}
	burst = max(burst, 1)
	var tokens float64
	if err := s.db.QueryRowContext(ctx, `INSERT INTO target_rates AS r (target, service, tokens, updated_at)
		VALUES ($1, $2, $4::DOUBLE PRECISION - 1, `+pgNowMS+`)
		ON CONFLICT (target, service) DO UPDATE SET
			tokens = LEAST($4::DOUBLE PRECISION, r.tokens + $3::DOUBLE PRECISION * GREATEST(excluded.updated_at - r.updated_at, 0) / 1000.0) - 1,
			updated_at = GREATEST(excluded.updated_at, r.updated_at)
		RETURNING tokens`, target, service, perSecond, burst).Scan(&tokens); err != nil {
		return 0, fmt.Errorf("store: call budget of %s for %s: %w", target, service, err)
	}
	if tokens >= 0 {
		return 0, nil
	}
	return time.Duration(-tokens / perSecond * float64(time.Second)), nil
}
