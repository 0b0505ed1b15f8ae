package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

// RunOptions configure Run.
type RunOptions struct {
	Config  *Config
	Scanner Scanner
	// WorkerOnly runs scans and alerts without the HTTP server; WebOnly the
	// HTTP server without scans (PostgreSQL only: SQLite runs both in one process).
	WorkerOnly, WebOnly bool
	Logger              *slog.Logger
	// Terminal is where terminal alert channels write; default stdout.
	Terminal io.Writer
	// Extra adds HTTP routes once the service exists.
	Extra func(*Service) map[string]http.Handler
	// Dashboard, when set, builds the web dashboard, given the service and
	// the token ("" when none is configured); it is served at /.
	Dashboard func(svc *Service, token string) (http.Handler, error)
	// Listening, when set, is told the address the HTTP server listens on.
	Listening func(addr string)
	// Started, when set, is given the service once it runs (the demo hooks OnScan).
	Started func(*Service)
	// AlertSettle is how long a round must be quiet before its alerts go out; default 5 s.
	AlertSettle time.Duration
	// SendEvery is how often the outbox is checked; default 2 s.
	SendEvery time.Duration
	// FetchPoll is how often River workers look for jobs; default 1 s.
	FetchPoll time.Duration
}

// Run runs the service until ctx ends (SIGTERM, Ctrl-C): then it stops
// taking jobs, lets the scans in flight finish and record, and returns.
func Run(ctx context.Context, o RunOptions) error {
	cfg := o.Config
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if o.WorkerOnly && o.WebOnly {
		return errors.New("serve: --worker-only and --web-only exclude each other")
	}
	token := ""
	if !o.WorkerOnly {
		if !IsLoopback(cfg.Listen) && cfg.TokenFile == "" {
			return fmt.Errorf("serve: refusing to listen on %s without token_file: off loopback every API call must carry a bearer token", cfg.Listen)
		}
		if cfg.TokenFile != "" {
			b, err := os.ReadFile(cfg.TokenFile)
			if err != nil {
				return fmt.Errorf("serve: token_file: %w", err)
			}
			token = strings.TrimSpace(string(b))
			if len(token) < 16 {
				return fmt.Errorf("serve: token_file %s: the token must have at least 16 characters", cfg.TokenFile)
			}
		}
	}
	st, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Dialect() == store.SQLite && (o.WorkerOnly || o.WebOnly) {
		return errors.New("serve: --worker-only and --web-only need a PostgreSQL store (with SQLite one process runs everything)")
	}
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	svc, err := NewService(cfg, st, o.Scanner, logger)
	if err != nil {
		return err
	}
	if svc.Channels, err = Channels(cfg, o.Terminal); err != nil {
		return err
	}
	if err := svc.SyncTargets(ctx); err != nil {
		return err
	}
	work := !o.WebOnly
	q, err := NewQueue(ctx, svc, QueueOptions{Work: work, Concurrency: cfg.Concurrency, Logger: logger, FetchPoll: o.FetchPoll})
	if err != nil {
		return err
	}
	svc.SetQueue(q)
	if o.Started != nil {
		o.Started(svc)
	}

	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var wg sync.WaitGroup
	if work {
		if err := q.Start(ctx); err != nil {
			return fmt.Errorf("serve: queue: %w", err)
		}
		if err := svc.CatchUp(ctx); err != nil {
			q.Stop(context.WithoutCancel(ctx))
			return fmt.Errorf("serve: %w", err)
		}
		sender := svc.Sender()
		sender.Settle = o.AlertSettle
		every := o.SendEvery
		if every <= 0 {
			every = 2 * time.Second
		}
		wg.Add(2)
		go func() { defer wg.Done(); sender.Run(bg, every) }()
		go func() {
			defer wg.Done()
			t := time.NewTicker(time.Hour)
			defer t.Stop()
			for {
				if err := svc.Prune(bg, time.Now()); err != nil && bg.Err() == nil {
					logger.Error("retention", "error", err)
				}
				select {
				case <-bg.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	var srv *http.Server
	srvErr := make(chan error, 1)
	if !o.WorkerOnly {
		var extra map[string]http.Handler
		if o.Extra != nil {
			extra = o.Extra(svc)
		}
		var dash http.Handler
		if o.Dashboard != nil {
			if dash, err = o.Dashboard(svc, token); err != nil {
				q.Stop(context.WithoutCancel(ctx))
				return fmt.Errorf("serve: dashboard: %w", err)
			}
		}
		l, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			q.Stop(context.WithoutCancel(ctx))
			return fmt.Errorf("serve: listen %s: %w", cfg.Listen, err)
		}
		srv = &http.Server{Handler: NewHandler(svc, HTTPOptions{Token: token, Extra: extra, Dashboard: dash}), ReadHeaderTimeout: 10 * time.Second}
		if o.Listening != nil {
			o.Listening(l.Addr().String())
		}
		logger.Info("listening", "addr", l.Addr().String())
		go func() { srvErr <- srv.Serve(l) }()
	}
	select {
	case <-ctx.Done():
	case err := <-srvErr:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server", "error", err)
		}
	}
	logger.Info("stopping: finishing the scans in flight")
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), maxTimeout(cfg)+time.Minute)
	defer cancel()
	if srv != nil {
		srv.Shutdown(shutdown)
	}
	qErr := q.Stop(shutdown)
	stopBG()
	wg.Wait()
	if qErr != nil {
		return fmt.Errorf("serve: stopping the queue: %w", qErr)
	}
	return nil
}

func maxTimeout(cfg *Config) time.Duration {
	d := time.Minute
	for _, t := range cfg.Targets {
		d = max(d, t.timeout)
	}
	return d
}
