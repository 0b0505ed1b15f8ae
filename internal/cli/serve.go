package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudassure/cloudassure/internal/serve"
	"github.com/cloudassure/cloudassure/internal/store"
)

// serveOptions are serve's flags and injected parts.
type serveOptions struct {
	configPath string
	demo       bool
	workerOnly bool
	webOnly    bool
	listen     string
	storeDSN   string
	verbose    bool
	// extraRoutes adds HTTP routes to the service's server.
	extraRoutes func(*serve.Service) map[string]http.Handler
	// dashboard builds the web dashboard served at /.
	dashboard func(svc *serve.Service, token string) (http.Handler, error)
}

func newServeCmd(ios *IO) *cobra.Command {
	o := &serveOptions{dashboard: newDashboard}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run continuously: scheduled scans, history, alerts, an API and metrics",
		Long: "Scan the targets of serve.yaml on their schedules, remember every finding's state and\n" +
			"transitions in the store, send alerts on change, and serve the JSON API (/api/v1/), /metrics,\n" +
			"/healthz and /readyz. SIGTERM or Ctrl-C lets the scans in flight finish, then exits.\n" +
			"--demo runs against the built-in emulator's demo Organization, changing it now and then.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, ios, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.configPath, "config", "serve.yaml", "the service configuration")
	f.BoolVar(&o.demo, "demo", false, "scan the built-in emulator's demo Organization every 30 s, alerts to the terminal")
	f.BoolVar(&o.workerOnly, "worker-only", false, "run scans and alerts only, no HTTP server (PostgreSQL store)")
	f.BoolVar(&o.webOnly, "web-only", false, "run the HTTP server only, no scans (PostgreSQL store)")
	f.StringVar(&o.listen, "listen", "", "HTTP address (overrides listen in the config; default 127.0.0.1:8080)")
	f.StringVar(&o.storeDSN, "store", "", "store: sqlite:PATH or postgres://... (overrides store in the config)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log every scan and delivery (JSON lines on stderr)")
	return cmd
}

func runServe(ctx context.Context, ios *IO, o *serveOptions) error {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewJSONHandler(ios.Err, &slog.HandlerOptions{Level: level}))
	ro := serve.RunOptions{WorkerOnly: o.workerOnly, WebOnly: o.webOnly, Logger: logger, Terminal: ios.Out, Extra: o.extraRoutes, Dashboard: o.dashboard}
	if !o.demo {
		cfg, err := serve.LoadConfig(o.configPath)
		if err != nil {
			return err
		}
		applyServeOverrides(cfg, o)
		ro.Config = cfg
		ro.Scanner = &serve.LiveScanner{Version: Version()}
		return serve.Run(ctx, ro)
	}

	fmt.Fprintln(ios.Err, "cloudassure serve --demo: starting the emulator with the demo Organization…")
	d, err := serve.StartDemo(ctx, 4)
	if err != nil {
		return err
	}
	defer d.Close()
	dsn := o.storeDSN
	if dsn == "" {
		dir, err := os.MkdirTemp("", "cloudassure-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite:" + filepath.Join(dir, "demo.db")
	}
	listen := o.listen
	if listen == "" {
		listen = "127.0.0.1:8080"
	}
	cfg, err := serve.ParseConfig("demo.yaml", []byte(d.Config(dsn, listen, "30s")))
	if err != nil {
		return err
	}
	ro.Config = cfg
	ro.Scanner = &serve.LiveScanner{Version: Version(), BaseConfig: d.BaseConfig}
	ro.AlertSettle = 2 * time.Second
	ro.Listening = func(addr string) {
		fmt.Fprintf(ios.Err, "dashboard on http://%s/, API on http://%s/api/v1/findings?status=FAIL, metrics on http://%s/metrics; the demo changes every 45 s; Ctrl-C stops\n", addr, addr, addr)
	}
	ro.Started = func(svc *serve.Service) {
		svc.OnScan = func(rec store.ScanRecord, res store.RecordResult) {
			state := "complete"
			if !rec.Complete {
				state = "partial: " + firstError(rec)
			}
			fmt.Fprintf(ios.Out, "%s scan %s: %d findings, %d changes (%s)\n", time.Now().Format("15:04:05"), rec.AccountID, len(rec.Findings), len(res.Events), state)
		}
	}
	go func() {
		t := time.NewTicker(45 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				msg, err := d.Mutate(ctx)
				if err != nil && ctx.Err() == nil {
					fmt.Fprintf(ios.Err, "cloudassure: demo: %v\n", err)
				} else if msg != "" {
					fmt.Fprintf(ios.Out, "%s %s\n", time.Now().Format("15:04:05"), msg)
				}
			}
		}
	}()
	return serve.Run(ctx, ro)
}

func firstError(rec store.ScanRecord) string {
	if len(rec.Errors) == 0 {
		return "incomplete"
	}
	m := rec.Errors[0].Message
	if len(m) > 100 {
		m = m[:100] + "…"
	}
	return m
}

func applyServeOverrides(cfg *serve.Config, o *serveOptions) {
	if o.listen != "" {
		cfg.Listen = o.listen
	}
	if o.storeDSN != "" {
		cfg.Store = o.storeDSN
	}
}

// storeFlags choose the store that history and findings read.
type storeFlags struct {
	dsn        string
	configPath string
	format     string
	limit      int
}

func (s *storeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.dsn, "store", "", "store: sqlite:PATH or postgres://... (default: the config's, else "+serve.DefaultStore()+")")
	cmd.Flags().StringVar(&s.configPath, "config", "", "read the store from this serve.yaml")
	cmd.Flags().StringVarP(&s.format, "format", "f", "table", "output format: table, json or csv")
	cmd.Flags().IntVar(&s.limit, "limit", 1000, "at most this many rows")
}

func (s *storeFlags) open(ctx context.Context) (*store.Store, error) {
	if s.format != "table" && s.format != "json" && s.format != "csv" {
		return nil, fmt.Errorf("unknown format %q: want table, json or csv", s.format)
	}
	dsn := s.dsn
	if dsn == "" && s.configPath != "" {
		cfg, err := serve.LoadConfig(s.configPath)
		if err != nil {
			return nil, err
		}
		dsn = cfg.Store
	}
	if dsn == "" {
		dsn = serve.DefaultStore()
	}
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("store %s: %w (run cloudassure serve first, or pass --store)", dsn, err)
		}
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := st.Ready(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// writeRows writes a table, CSV or JSON (items) of rows.
func writeRows(w io.Writer, format string, header []string, rows [][]string, items any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(header)
		cw.WriteAll(rows)
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func newHistoryCmd(ios *IO) *cobra.Command {
	var (
		sf                                            storeFlags
		status, account, target, rule, resource, risk string
		since                                         string
		kinds                                         []string
	)
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the transitions (events) the service recorded",
		Long: "List the events of the store that cloudassure serve writes: new failures, regressions,\n" +
			"resolutions, suppressions, deleted resources and checks that could not run, newest first.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOneOf("--status", status, store.EventStatuses(), strings.EqualFold); err != nil {
				return err
			}
			if err := checkOneOf("--risk", risk, store.Risks(), strings.EqualFold); err != nil {
				return err
			}
			var kindNames []string
			for _, k := range store.EventKinds() {
				kindNames = append(kindNames, string(k))
			}
			for _, k := range kinds {
				if err := checkOneOf("--kind", k, kindNames, func(a, b string) bool { return a == b }); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			st, err := sf.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			f := store.EventFilter{Target: target, AccountID: account, RuleID: rule, ResourceID: resource, ToStatus: status, MinRisk: risk}
			if since != "" {
				if f.Since, err = serve.ParseSince(since, time.Now()); err != nil {
					return fmt.Errorf("--since: %w", err)
				}
			}
			for _, k := range kinds {
				f.Kinds = append(f.Kinds, store.EventKind(k))
			}
			evs := []store.Event{} // [] in JSON when nothing matches
			for len(evs) < sf.limit {
				f.Limit = min(1000, sf.limit-len(evs))
				p, err := st.ListEvents(ctx, f)
				if err != nil {
					return err
				}
				evs = append(evs, p.Items...)
				if p.Next == "" {
					break
				}
				f.Cursor = p.Next
			}
			rows := make([][]string, len(evs))
			for i, e := range evs {
				rows[i] = []string{fmtTime(e.At), string(e.Kind), e.Target, e.AccountID, e.RuleID, e.ResourceID, e.FromStatus, e.ToStatus, e.Risk, e.Message}
			}
			return writeRows(ios.Out, sf.format, []string{"AT", "EVENT", "TARGET", "ACCOUNT", "RULE", "RESOURCE", "FROM", "TO", "RISK", "MESSAGE"}, rows, evs)
		},
	}
	sf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&status, "status", "", "only events into this status (PASS, FAIL, SKIP, ERROR, DELETED)")
	fl.StringVar(&account, "account", "", "only this account ID")
	fl.StringVar(&target, "target", "", "only this target")
	fl.StringVar(&rule, "rule", "", "only this rule ID")
	fl.StringVar(&resource, "resource", "", "only this resource (distribution ID)")
	fl.StringVar(&risk, "risk", "", "only events of findings of this risk or higher (Low, Medium, High, Critical)")
	fl.StringVar(&since, "since", "", "only events since a time (RFC 3339) or a duration back (7d, 24h)")
	fl.StringSliceVar(&kinds, "kind", nil, "only these event kinds (new_failure, regression, resolved, suppressed, suppression_expired, resource_deleted, error)")
	return cmd
}

func newFindingsCmd(ios *IO) *cobra.Command {
	var (
		sf                                            storeFlags
		status, account, target, rule, resource, risk string
		since                                         string
		stale, suppressed, includeDeleted             bool
	)
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "List the current state of findings the service recorded",
		Long: "List the current state of every finding in the store that cloudassure serve writes: status,\n" +
			"first and last seen, last changed, suppression, and whether the latest scan could re-check it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOneOf("--status", status, store.FindingStatuses(), strings.EqualFold); err != nil {
				return err
			}
			if err := checkOneOf("--risk", risk, store.Risks(), strings.EqualFold); err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := sf.open(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			f := store.FindingFilter{Target: target, AccountID: account, RuleID: rule, ResourceID: resource, Status: status, MinRisk: risk,
				IncludeDeleted: includeDeleted}
			// --stale / --suppressed keep only those; =false keeps only the others.
			if cmd.Flags().Changed("stale") {
				f.Stale = &stale
			}
			if cmd.Flags().Changed("suppressed") {
				f.Suppressed = &suppressed
			}
			if since != "" {
				if f.ChangedSince, err = serve.ParseSince(since, time.Now()); err != nil {
					return fmt.Errorf("--since: %w", err)
				}
			}
			fs := []store.Finding{}
			for len(fs) < sf.limit {
				f.Limit = min(1000, sf.limit-len(fs))
				p, err := st.ListFindings(ctx, f)
				if err != nil {
					return err
				}
				fs = append(fs, p.Items...)
				if p.Next == "" {
					break
				}
				f.Cursor = p.Next
			}
			rows := make([][]string, len(fs))
			for i, x := range fs {
				rows[i] = []string{x.Target, x.AccountID, x.RuleID, x.ResourceID, x.Status, x.Risk, strconv.FormatBool(x.Suppressed),
					strconv.FormatBool(x.Stale), fmtTime(x.FirstSeen), fmtTime(x.LastSeen), fmtTime(x.LastChanged), x.Message}
			}
			return writeRows(ios.Out, sf.format, []string{"TARGET", "ACCOUNT", "RULE", "RESOURCE", "STATUS", "RISK", "SUPPRESSED", "STALE",
				"FIRST SEEN", "LAST SEEN", "LAST CHANGED", "MESSAGE"}, rows, fs)
		},
	}
	sf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&status, "status", "", "only this status (PASS, FAIL, SKIP, ERROR)")
	fl.StringVar(&account, "account", "", "only this account ID")
	fl.StringVar(&target, "target", "", "only this target")
	fl.StringVar(&rule, "rule", "", "only this rule ID")
	fl.StringVar(&resource, "resource", "", "only this resource (distribution ID)")
	fl.StringVar(&risk, "risk", "", "only this risk or higher (Low, Medium, High, Critical)")
	fl.StringVar(&since, "since", "", "only findings whose status or suppression changed (or first seen) since a time (RFC 3339) or a duration back (7d)")
	fl.BoolVar(&stale, "stale", false, "only findings the latest scan could not re-check (--stale=false: only the others)")
	fl.BoolVar(&suppressed, "suppressed", false, "only suppressed findings (--suppressed=false: only unsuppressed ones)")
	fl.BoolVar(&includeDeleted, "include-deleted", false, "also findings of resources that are gone")
	return cmd
}

// checkOneOf refuses a filter value that can match nothing (a typo would
// otherwise list nothing and exit 0); "" means no filter.
func checkOneOf(flag, v string, valid []string, eq func(a, b string) bool) error {
	if v == "" {
		return nil
	}
	for _, ok := range valid {
		if eq(v, ok) {
			return nil
		}
	}
	return fmt.Errorf("%s: %q is not one of %s", flag, v, strings.Join(valid, ", "))
}
