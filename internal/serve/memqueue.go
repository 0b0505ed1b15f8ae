package serve

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// memQueue runs the same jobs as the River queue inside one process, for
// SQLite: rounds on each target's schedule, one pending scan per account,
// bounded concurrency, and retries with backoff. Jobs live in memory: a scan
// lost with the process is done again by the next round.
type memQueue struct {
	svc    *Service
	opts   QueueOptions
	logger *slog.Logger

	mu      sync.Mutex
	cond    *sync.Cond
	jobs    []memJob
	pending map[string]bool // unique keys of queued or running jobs
	stopped bool

	cancel context.CancelFunc
	wg     sync.WaitGroup // workers
	sched  sync.WaitGroup // schedulers and retry timers
}

type memJob struct {
	key     string
	round   *RoundArgs
	scan    *ScanArgs
	attempt int
}

const memMaxAttempts = 5

func newMemQueue(svc *Service, opts QueueOptions) *memQueue {
	q := &memQueue{svc: svc, opts: opts, logger: opts.Logger, pending: map[string]bool{}}
	if q.logger == nil {
		q.logger = slog.New(slog.DiscardHandler)
	}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *memQueue) Start(ctx context.Context) error {
	ctx, q.cancel = context.WithCancel(context.WithoutCancel(ctx))
	for range max(q.opts.Concurrency, 1) {
		q.wg.Add(1)
		go q.work(ctx)
	}
	for i := range q.svc.Config.Targets {
		t := &q.svc.Config.Targets[i]
		q.sched.Add(1)
		go func() {
			defer q.sched.Done()
			next := t.schedule.Next(time.Now())
			for {
				timer := time.NewTimer(time.Until(next))
				select {
				case <-ctx.Done():
					timer.Stop()
					return
				case now := <-timer.C:
					if _, err := q.EnqueueRound(ctx, t.Name, ""); err != nil {
						q.logger.Error("queue round", "target", t.Name, "error", err)
					}
					next = t.schedule.Next(now)
				}
			}
		}()
	}
	return nil
}

// Stop stops scheduling and waits for the jobs in flight; queued jobs are dropped.
func (q *memQueue) Stop(ctx context.Context) error {
	q.mu.Lock()
	q.stopped = true
	q.jobs = nil
	q.cond.Broadcast()
	q.mu.Unlock()
	if q.cancel != nil {
		q.cancel()
	}
	done := make(chan struct{})
	go func() { q.wg.Wait(); q.sched.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (q *memQueue) push(j memJob, force bool) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pushLocked(j, force)
}

func (q *memQueue) pushLocked(j memJob, force bool) bool {
	if q.stopped || (!force && q.pending[j.key]) {
		return false
	}
	q.pending[j.key] = true
	q.jobs = append(q.jobs, j)
	q.cond.Signal()
	return true
}

func (q *memQueue) EnqueueRound(_ context.Context, target, roundID string) (bool, error) {
	if roundID == "" {
		roundID = target + "@" + time.Now().UTC().Format(time.RFC3339)
	}
	return q.push(memJob{key: "round\x00" + target, round: &RoundArgs{Target: target, RoundID: roundID}}, false), nil
}

// EnqueueRoundIf: one process owns the in-process queue, so no round was queued before it.
func (q *memQueue) EnqueueRoundIf(ctx context.Context, target string, due func(context.Context, time.Time) (bool, error)) (bool, error) {
	ok, err := due(ctx, time.Time{})
	if err != nil || !ok {
		return false, err
	}
	return q.EnqueueRound(ctx, target, "")
}

func (q *memQueue) EnqueueScans(_ context.Context, scans []ScanArgs) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pushScansLocked(scans), nil
}

func (q *memQueue) pushScansLocked(scans []ScanArgs) int {
	n := 0
	for _, s := range scans {
		if q.pushLocked(memJob{key: "scan\x00" + s.Target + "\x00" + s.Account, scan: &s}, false) {
			n++
		}
	}
	return n
}

// runRound queues the round's scans and ends the round job at once (under
// one lock), so that a round asked for once these scans are queued is not
// taken for a duplicate of this one.
func (q *memQueue) runRound(ctx context.Context, j memJob) error {
	scans, err := q.svc.RoundScans(ctx, j.round.Target, j.round.RoundID)
	if err != nil {
		return err
	}
	q.mu.Lock()
	delete(q.pending, j.key)
	n := q.pushScansLocked(scans)
	q.mu.Unlock()
	q.logger.Info("round queued", "target", j.round.Target, "round", j.round.RoundID, "accounts", len(scans), "queued", n)
	return nil
}

// runScan scans; the job stops being pending inside the transaction that
// records the scan (before its commit), so that a round asked for once the
// scan is recorded scans the account again. Should the commit fail, the
// retry queues the job again.
func (q *memQueue) runScan(ctx context.Context, j memJob) error {
	return q.svc.RunScan(ctx, *j.scan, func(context.Context, *sql.Tx) error {
		q.mu.Lock()
		delete(q.pending, j.key)
		q.mu.Unlock()
		return nil
	})
}

func (q *memQueue) work(ctx context.Context) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		for len(q.jobs) == 0 && !q.stopped {
			q.cond.Wait()
		}
		if q.stopped {
			q.mu.Unlock()
			return
		}
		j := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.mu.Unlock()

		j.attempt++
		var err error
		// A job in flight finishes even when Stop is called (SIGTERM): it runs on a context
		// that is not cancelled with the queue, bounded by the job timeout.
		jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), q.jobTimeout(j))
		if j.round != nil {
			err = q.runRound(jctx, j)
		} else {
			err = q.runScan(jctx, j)
		}
		cancel()
		if err == nil || j.attempt >= memMaxAttempts {
			if err != nil {
				q.logger.Error("job failed for good", "job", j.key, "attempts", j.attempt, "error", err)
			}
			q.mu.Lock()
			delete(q.pending, j.key)
			q.mu.Unlock()
			continue
		}
		q.logger.Warn("job failed, will retry", "job", j.key, "attempt", j.attempt, "error", err)
		wait := time.Duration(j.attempt*j.attempt) * time.Second
		q.sched.Add(1)
		go func() {
			defer q.sched.Done()
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-ctx.Done():
			case <-t.C:
				q.push(j, true)
			}
		}()
	}
}

func (q *memQueue) jobTimeout(j memJob) time.Duration {
	if j.scan != nil {
		if t := q.svc.target(j.scan.Target); t != nil {
			return t.timeout + time.Minute
		}
	}
	return 10 * time.Minute
}
