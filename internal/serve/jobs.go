package serve

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/cloudassure/cloudassure/internal/store"
)

// ScanArgs is the unit of work: scan one account of one target. Only one
// such job per account is pending or running at a time (River unique jobs
// over target and account), so restarts and bursts never double-scan.
type ScanArgs struct {
	Target  string `json:"target" river:"unique"`
	Account string `json:"account" river:"unique"`
	RoundID string `json:"round_id"`
}

// Kind is the River job kind.
func (ScanArgs) Kind() string { return "cloudassure_scan" }

var uniqueStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// InsertOpts makes scans unique per account and retried 5 times.
func (ScanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

// RoundArgs starts a round of a target: it lists the accounts and queues a scan of each.
type RoundArgs struct {
	Target string `json:"target" river:"unique"`
	// RoundID is set for rounds started by hand; periodic rounds take their start time.
	RoundID string `json:"round_id,omitempty"`
}

// Kind is the River job kind.
func (RoundArgs) Kind() string { return "cloudassure_round" }

// InsertOpts makes rounds unique per target.
func (RoundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: uniqueStates}}
}

// Queue schedules and runs the service's jobs.
type Queue interface {
	// Start runs the workers and the periodic rounds (not for an insert-only queue).
	Start(ctx context.Context) error
	// Stop waits for the jobs in flight to finish (or ctx to end).
	Stop(ctx context.Context) error
	// EnqueueRound queues a round of target now; false when one is already pending.
	EnqueueRound(ctx context.Context, target, roundID string) (bool, error)
	// EnqueueRoundIf queues a round of target now if due, given when the
	// latest round of target was queued (zero when none is known), says so;
	// the check and the insert exclude other processes doing the same.
	EnqueueRoundIf(ctx context.Context, target string, due func(ctx context.Context, lastRound time.Time) (bool, error)) (bool, error)
	// EnqueueScans queues scans; duplicates of pending scans are dropped.
	EnqueueScans(ctx context.Context, scans []ScanArgs) (int, error)
}

// QueueOptions configure NewQueue.
type QueueOptions struct {
	// Work, when false, makes an insert-only queue (web-only processes).
	Work bool
	// Concurrency is the number of jobs one process works at once.
	Concurrency int
	// JobTimeout bounds one job.
	JobTimeout time.Duration
	Logger     *slog.Logger
	// FetchPoll is how often River workers poll for jobs (at least 100 ms); default 1 s.
	FetchPoll time.Duration
}

type scanWorker struct {
	river.WorkerDefaults[ScanArgs]
	svc *Service
}

// Work scans the account and records the scan and the job's completion in
// one transaction: once a scan is recorded its job is done, so a round
// queued right after it scans the account again (River marks the jobs a
// worker returns from done in batches, a moment later, and until then a
// unique insert takes them for pending).
func (w *scanWorker) Work(ctx context.Context, job *river.Job[ScanArgs]) error {
	err := w.svc.RunScan(ctx, job.Args, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete scan job %d: %w", job.ID, err)
		}
		return nil
	})
	var busy *SlotsBusyError
	if errors.As(err, &busy) {
		// Every scan slot of the target is held (by this or other workers): try
		// again shortly, without using up an attempt or holding this worker.
		return river.JobSnooze(busy.RetryIn)
	}
	return err
}

// Timeout is the target's own timeout plus a margin for the write.
func (w *scanWorker) Timeout(job *river.Job[ScanArgs]) time.Duration {
	if t := w.svc.target(job.Args.Target); t != nil {
		return t.timeout + 30*time.Second
	}
	return 0
}

type roundWorker struct {
	river.WorkerDefaults[RoundArgs]
	svc *Service
	q   *riverQueue
}

// Work lists the target's accounts, then queues their scans and completes
// the round job in one transaction, so that a round asked for once this one
// has queued its scans is not taken for a duplicate of it.
func (w *roundWorker) Work(ctx context.Context, job *river.Job[RoundArgs]) error {
	id := job.Args.RoundID
	if id == "" {
		id = fmt.Sprintf("%s@%s", job.Args.Target, job.CreatedAt.UTC().Format(time.RFC3339))
	}
	scans, err := w.svc.RoundScans(ctx, job.Args.Target, id)
	if err != nil {
		return err
	}
	tx, err := w.q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("round %s: %w", id, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	n, err := w.q.insertScans(ctx, tx, scans)
	if err != nil {
		return err
	}
	if _, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("round %s: complete job %d: %w", id, job.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("round %s: commit: %w", id, err)
	}
	w.svc.Logger.Info("round queued", "target", job.Args.Target, "round", id, "accounts", len(scans), "queued", n)
	return nil
}

// riverQueue is River on PostgreSQL through database/sql (riverdatabasesql),
// so that a job's completion joins the store's transactions.
type riverQueue struct {
	client  *river.Client[*sql.Tx]
	db      *sql.DB
	started bool
}

func (q *riverQueue) Start(ctx context.Context) error {
	// The client outlives the start context: Stop ends it.
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	q.started = true
	return nil
}

// Stop waits for the jobs in flight to finish, then closes the pool.
func (q *riverQueue) Stop(ctx context.Context) error {
	var err error
	if q.started {
		err = q.client.Stop(ctx)
	}
	q.db.Close()
	return err
}

func (q *riverQueue) EnqueueRound(ctx context.Context, target, roundID string) (bool, error) {
	if roundID == "" {
		roundID = target + "@" + time.Now().UTC().Format(time.RFC3339)
	}
	res, err := q.client.Insert(ctx, RoundArgs{Target: target, RoundID: roundID}, nil)
	if err != nil {
		return false, fmt.Errorf("queue round of %s: %w", target, err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

func (q *riverQueue) EnqueueRoundIf(ctx context.Context, target string, due func(context.Context, time.Time) (bool, error)) (bool, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("queue round of %s: %w", target, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	// Workers starting together take turns: the second sees the first's round.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7424244, hashtext($1))`, target); err != nil {
		return false, fmt.Errorf("queue round of %s: lock: %w", target, err)
	}
	var last sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT MAX(created_at) FROM river_job WHERE kind = $1 AND args->>'target' = $2`,
		RoundArgs{}.Kind(), target).Scan(&last); err != nil {
		return false, fmt.Errorf("queue round of %s: latest round: %w", target, err)
	}
	ok, err := due(ctx, last.Time)
	if err != nil || !ok {
		return false, err
	}
	res, err := q.client.InsertTx(ctx, tx, RoundArgs{Target: target, RoundID: target + "@" + time.Now().UTC().Format(time.RFC3339)}, nil)
	if err != nil {
		return false, fmt.Errorf("queue round of %s: %w", target, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("queue round of %s: commit: %w", target, err)
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

func (q *riverQueue) EnqueueScans(ctx context.Context, scans []ScanArgs) (int, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("queue %d scans: %w", len(scans), err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	n, err := q.insertScans(ctx, tx, scans)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("queue %d scans: commit: %w", len(scans), err)
	}
	return n, nil
}

// insertScans queues scans in tx; it returns how many were not duplicates of pending ones.
func (q *riverQueue) insertScans(ctx context.Context, tx *sql.Tx, scans []ScanArgs) (int, error) {
	if len(scans) == 0 {
		return 0, nil
	}
	params := make([]river.InsertManyParams, len(scans))
	for i, s := range scans {
		params[i] = river.InsertManyParams{Args: s}
	}
	res, err := q.client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return 0, fmt.Errorf("queue %d scans: %w", len(scans), err)
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// NewQueue makes the service's queue. On PostgreSQL it is River
// (riverdatabasesql on a pool of its own; River's tables are migrated):
// with Work it runs scans, rounds on each target's schedule, and rescues
// the jobs of workers that died; without, it only inserts (web-only
// processes). On SQLite it is the in-process runner (memQueue) running the
// same jobs.
func NewQueue(ctx context.Context, svc *Service, opts QueueOptions) (Queue, error) {
	if svc.Store.Dialect() == store.SQLite {
		// riversqlite lost jobs in our tests (rows vanished from river_job
		// under -race), so SQLite gets the in-process runner.
		return newMemQueue(svc, opts), nil
	}
	if svc.Store.Dialect() != store.Postgres {
		return nil, errors.New("queue: unknown store dialect")
	}
	q := &riverQueue{}
	workers := river.NewWorkers()
	river.AddWorker(workers, &scanWorker{svc: svc})
	river.AddWorker(workers, &roundWorker{svc: svc, q: q})
	cfg := &river.Config{Logger: opts.Logger, JobTimeout: opts.JobTimeout, FetchPollInterval: opts.FetchPoll}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Work {
		conc := max(opts.Concurrency, 1)
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: conc}}
		cfg.Workers = workers
		// A job whose worker died is rescued (and run again elsewhere) once it
		// has been running longer than any scan may.
		cfg.JobTimeout = longestTimeout(svc.Config) + 30*time.Second
		cfg.RescueStuckJobsAfter = svc.Config.rescueAfter
		host, _ := os.Hostname()
		cfg.ID = fmt.Sprintf("cloudassure-%.60s-%d-%d", host, os.Getpid(), time.Now().UnixMilli()%1000000)
		for i := range svc.Config.Targets {
			t := &svc.Config.Targets[i]
			name := t.Name
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(t.schedule,
				func() (river.JobArgs, *river.InsertOpts) { return RoundArgs{Target: name}, nil },
				&river.PeriodicJobOpts{ID: "round:" + name}))
		}
	} else {
		cfg.Workers = workers // lets Insert check kinds
	}
	// River's own pool (its producers, elector and maintenance), apart from the store's.
	db, err := sql.Open("pgx", svc.Store.DSN())
	if err != nil {
		return nil, fmt.Errorf("queue: postgres: %w", err)
	}
	db.SetMaxOpenConns(max(opts.Concurrency, 1) + 6)
	driver := riverdatabasesql.New(db)
	// Processes starting together take turns at River's migrations.
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: postgres %s: %w", store.Redact(svc.Store.DSN()), err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7424243)"); err != nil {
		conn.Close()
		db.Close()
		return nil, fmt.Errorf("queue: postgres: lock: %w", err)
	}
	err = migrateRiver(ctx, driver)
	conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7424243)") //nolint:errcheck // closing the session unlocks too
	conn.Close()
	if err != nil {
		db.Close()
		return nil, err
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("queue: %w", err)
	}
	q.client, q.db = client, db
	return q, nil
}

func migrateRiver[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("queue: migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue: migrations: %w", err)
	}
	return nil
}
