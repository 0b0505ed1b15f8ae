package serve

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/cloudassure/cloudassure/internal/alert"
	"github.com/cloudassure/cloudassure/internal/store"
)

// Service ties the configuration, the store, the scanner, the alert channels
// and the queue together. Jobs call RoundScans and RunScan.
type Service struct {
	Config   *Config
	Store    *store.Store
	Scanner  Scanner
	Channels []alert.Channel
	Metrics  *Metrics
	Logger   *slog.Logger
	// OnScan, when set, is told of each recorded scan (the demo prints it).
	OnScan func(rec store.ScanRecord, res store.RecordResult)

	queue  Queue
	limits limits
}

// NewService checks cfg's alert channels (reading their secrets) and returns the service.
func NewService(cfg *Config, st *store.Store, sc Scanner, logger *slog.Logger) (*Service, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{Config: cfg, Store: st, Scanner: sc, Logger: logger}
	if st.Dialect() == store.Postgres {
		// Any number of workers may share the store: the limits live in it.
		s.limits = newSharedLimits(st, cfg.slotLease, logger)
	} else {
		s.limits = newLocalLimits(cfg)
	}
	chans, err := Channels(cfg, nil)
	if err != nil {
		return nil, err
	}
	s.Channels = chans
	s.Metrics = NewMetrics(st)
	return s, nil
}

// SetQueue sets the queue rounds and the API enqueue on.
func (s *Service) SetQueue(q Queue) { s.queue = q }

// Queue is the service's queue (nil before SetQueue).
func (s *Service) Queue() Queue { return s.queue }

func (s *Service) target(name string) *TargetConfig {
	for i := range s.Config.Targets {
		if s.Config.Targets[i].Name == name {
			return &s.Config.Targets[i]
		}
	}
	return nil
}

// SyncTargets records the configured targets in the store.
func (s *Service) SyncTargets(ctx context.Context) error {
	for _, t := range s.Config.Targets {
		kind := "account"
		switch {
		case t.Org:
			kind = "organization"
		case len(t.Accounts) > 0:
			kind = "accounts"
		}
		if err := s.Store.UpsertTarget(ctx, store.Target{Name: t.Name, Kind: kind, Schedule: t.Schedule}); err != nil {
			return err
		}
	}
	return nil
}

// Due reports whether target t has missed a scheduled round: nothing
// queued or scanned yet, or the schedule's next time after the latest of
// its latest scan and lastRound (when its latest round was queued) has
// passed. Workers queue such a round when they start (instead of one on
// every start, so a restart does not rescan everything).
func (s *Service) Due(ctx context.Context, t *TargetConfig, lastRound, now time.Time) (bool, error) {
	p, err := s.Store.ListScans(ctx, store.ScanFilter{Target: t.Name, Limit: 1})
	if err != nil {
		return false, err
	}
	last := lastRound
	if len(p.Items) > 0 && p.Items[0].StartedAt.After(last) {
		last = p.Items[0].StartedAt
	}
	if last.IsZero() {
		return true, nil
	}
	return !t.schedule.Next(last).After(now), nil
}

// CatchUp queues a round of every target that is due. Workers starting
// together queue one: the queue decides and inserts under a lock.
func (s *Service) CatchUp(ctx context.Context) error {
	for i := range s.Config.Targets {
		t := &s.Config.Targets[i]
		if _, err := s.queue.EnqueueRoundIf(ctx, t.Name, func(ctx context.Context, lastRound time.Time) (bool, error) {
			return s.Due(ctx, t, lastRound, time.Now())
		}); err != nil {
			return err
		}
	}
	return nil
}

// RoundScans lists the accounts of target now: the scans of round roundID.
func (s *Service) RoundScans(ctx context.Context, target, roundID string) ([]ScanArgs, error) {
	t := s.target(target)
	if t == nil {
		s.Logger.Warn("round of a target no longer configured", "target", target)
		return nil, nil
	}
	accounts, err := s.Scanner.Accounts(s.budgeted(ctx, t), t)
	if err != nil {
		return nil, err
	}
	scans := make([]ScanArgs, len(accounts))
	for i, a := range accounts {
		scans[i] = ScanArgs{Target: target, Account: a, RoundID: roundID}
	}
	return scans, nil
}

// JobDone finishes a scan's job inside the transaction that records the
// scan, so that the scan and its job's completion commit together.
type JobDone func(ctx context.Context, tx *sql.Tx) error

// RunScan scans one account and records the result in one transaction, in
// which done (when set) finishes the job.
func (s *Service) RunScan(ctx context.Context, args ScanArgs, done JobDone) error {
	t := s.target(args.Target)
	if t == nil {
		s.Logger.Warn("scan of a target no longer configured", "target", args.Target)
		return nil
	}
	scan, release, err := s.limits.acquire(ctx, t)
	if err != nil {
		return fmt.Errorf("scan %s/%s: %w", args.Target, args.Account, err)
	}
	defer release()
	rec, err := s.Scanner.Scan(s.budgeted(scan, t), t, args.Account)
	if err != nil {
		return fmt.Errorf("scan %s/%s: %w", args.Target, args.Account, err)
	}
	if scan.Err() != nil {
		// Interrupted (shutdown, job timeout, slot lost): record nothing, the job runs again.
		return fmt.Errorf("scan %s/%s: %w", args.Target, args.Account, context.Cause(scan))
	}
	rec.RoundID = args.RoundID
	if rec.RoundID == "" {
		rec.RoundID = fmt.Sprintf("%s@%s", args.Target, rec.StartedAt.UTC().Format(time.RFC3339))
	}
	res, err := s.record(ctx, rec, done)
	if err != nil {
		return err
	}
	if res.AlreadyRecorded {
		// The job ran again after its scan committed: that scan stands.
		s.Logger.Info("scan already recorded", "target", rec.Target, "account", rec.AccountID, "round", rec.RoundID, "scan_id", res.ScanID)
		return nil
	}
	s.Metrics.observeScan(rec)
	s.Logger.Info("scan recorded", "target", rec.Target, "account", rec.AccountID, "round", rec.RoundID, "complete", rec.Complete,
		"findings", len(rec.Findings), "events", len(res.Events), "deliveries", res.Deliveries, "rows", res.RowsWritten)
	if s.OnScan != nil {
		s.OnScan(rec, res)
	}
	return nil
}

// budgeted gives ctx the call budget of target t, when t has rates.
func (s *Service) budgeted(ctx context.Context, t *TargetConfig) context.Context {
	if len(t.Rates) == 0 {
		return ctx
	}
	return withCallBudget(ctx, func(ctx context.Context, service string) error { return s.limits.call(ctx, t, service) })
}

// record writes rec and runs done in one transaction.
func (s *Service) record(ctx context.Context, rec store.ScanRecord, done JobDone) (store.RecordResult, error) {
	if done == nil {
		return s.Store.RecordScan(ctx, rec, s.Route)
	}
	tx, err := s.Store.DB().BeginTx(ctx, nil)
	if err != nil {
		return store.RecordResult{}, fmt.Errorf("store: scan of %s/%s: %w", rec.Target, rec.AccountID, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	res, err := s.Store.RecordScanTx(ctx, tx, rec, s.Route)
	if err != nil {
		return store.RecordResult{}, err
	}
	if err := done(ctx, tx); err != nil {
		return store.RecordResult{}, fmt.Errorf("scan of %s/%s: %w", rec.Target, rec.AccountID, err)
	}
	if err := tx.Commit(); err != nil {
		return store.RecordResult{}, fmt.Errorf("store: scan of %s/%s: commit: %w", rec.Target, rec.AccountID, err)
	}
	return res, nil
}

// Route names the channels whose rules take ev.
func (s *Service) Route(ev store.Event) []string {
	var out []string
	for i := range s.Config.Alerts {
		if a := &s.Config.Alerts[i]; a.Matches(ev) {
			out = append(out, a.Name)
		}
	}
	return out
}

// Sender returns the alert sender of the service's channels.
func (s *Service) Sender() *alert.Sender {
	return &alert.Sender{Store: s.Store, Channels: s.Channels, Logger: s.Logger, OnOutcome: s.Metrics.observeDelivery}
}

// Prune applies the retention once.
func (s *Service) Prune(ctx context.Context, now time.Time) error {
	res, err := s.Store.Prune(ctx, now.Add(-s.Config.retention))
	if err != nil {
		return err
	}
	if res.Events+res.Scans+res.Deliveries > 0 {
		s.Logger.Info("retention pruned", "events", res.Events, "scans", res.Scans, "deliveries", res.Deliveries)
	}
	return nil
}
