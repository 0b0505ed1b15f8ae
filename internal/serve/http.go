package serve

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

//go:embed openapi.json
var openAPIDoc []byte

// HTTPOptions configure the service's HTTP handler.
type HTTPOptions struct {
	// Token, when set, is required as "Authorization: Bearer TOKEN" on every
	// route but /healthz and /readyz (the Extra routes included).
	Token string
	// Extra are more routes (ServeMux patterns such as "GET /{$}" or
	// "GET /ui/"), e.g. the dashboard. They share the mux and the token check.
	Extra map[string]http.Handler
	// Dashboard, when set, serves every path the routes above do not take
	// (the web dashboard). It checks the token itself, since a browser
	// signs in with it rather than sending a bearer header.
	Dashboard http.Handler
}

// NewHandler returns the service's HTTP handler: the JSON API under
// /api/v1/ (described by /api/v1/openapi.json), /metrics, /healthz, /readyz,
// and the Extra routes.
func NewHandler(svc *Service, opts HTTPOptions) http.Handler {
	mux := http.NewServeMux()
	api := &api{svc: svc}
	for _, r := range api.routes() {
		mux.Handle(r.pattern, r.handler)
	}
	mux.Handle("GET /metrics", svc.Metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Store.Ready(r.Context()); err != nil {
			// /readyz needs no token: the reason, not the driver's message (hosts, users).
			svc.Logger.Error("not ready", "error", err)
			reason := "the store does not answer"
			if errors.Is(err, store.ErrSchemaNotCurrent) {
				reason = "the store's schema is not current (run migrations: start cloudassure serve once)"
			}
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": reason})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	for p, h := range opts.Extra {
		mux.Handle(p, h)
	}
	if opts.Dashboard != nil {
		mux.Handle("/", opts.Dashboard)
	}
	if opts.Token == "" {
		return mux
	}
	want := sha256.Sum256([]byte(opts.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			mux.ServeHTTP(w, r)
			return
		}
		if _, pattern := mux.Handler(r); opts.Dashboard != nil && pattern == "/" && !strings.HasPrefix(r.URL.Path, "/api/") {
			opts.Dashboard.ServeHTTP(w, r)
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		got := sha256.Sum256([]byte(tok))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cloudassure"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// IsLoopback reports whether a listen address binds to loopback only.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type route struct {
	pattern string
	handler http.Handler
}

type api struct{ svc *Service }

func (a *api) routes() []route {
	return []route{
		{"GET /api/v1/openapi.json", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(openAPIDoc)
		})},
		{"GET /api/v1/targets", http.HandlerFunc(a.targets)},
		{"GET /api/v1/accounts", http.HandlerFunc(a.accounts)},
		{"GET /api/v1/scans", http.HandlerFunc(a.scans)},
		{"POST /api/v1/scans", http.HandlerFunc(a.triggerScan)},
		{"GET /api/v1/findings", http.HandlerFunc(a.findings)},
		{"GET /api/v1/findings/history", http.HandlerFunc(a.history)},
		{"GET /api/v1/events", http.HandlerFunc(a.events)},
		{"GET /api/v1/deliveries", http.HandlerFunc(a.deliveries)},
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// internalErrorMessage is all a client learns of a failure on the server's side.
const internalErrorMessage = "internal error: the service could not answer; its log has the details"

// fail answers err: 400 with the message for a filter the store cannot use
// (it names the parameter), else 500 with no internals, the error going to
// the service's log.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	if fe := (*store.FilterError)(nil); errors.As(err, &fe) {
		writeError(w, http.StatusBadRequest, fe.Error())
		return
	}
	a.svc.Logger.Error("api", "method", r.Method, "path", r.URL.Path, "error", err)
	writeError(w, http.StatusInternalServerError, internalErrorMessage)
}

// params reads query parameters, remembering the first bad one.
type params struct {
	q   url.Values
	err error
}

func (p *params) str(name string) string { return p.q.Get(name) }

func (p *params) int(name string) int {
	v := p.q.Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.fail(fmt.Errorf("%s: %q is not a non-negative integer", name, v))
	}
	return n
}

func (p *params) boolp(name string) *bool {
	v := p.q.Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(fmt.Errorf("%s: %q is not true or false", name, v))
		return nil
	}
	return &b
}

// time takes RFC 3339 or a duration back from now ("7d", "24h").
func (p *params) time(name string, now time.Time) time.Time {
	v := p.q.Get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := ParseSince(v, now)
	if err != nil {
		p.fail(fmt.Errorf("%s: %w", name, err))
	}
	return t
}

func (p *params) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// ParseSince reads an RFC 3339 time or a duration back from now ("7d", "24h").
func ParseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := ParseDuration(v)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration such as 7d or 24h", v)
	}
	return now.Add(-d), nil
}

func (a *api) list(w http.ResponseWriter, r *http.Request, p *params, fn func() (any, error)) {
	if p.err != nil {
		writeError(w, http.StatusBadRequest, p.err.Error())
		return
	}
	v, err := fn()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *api) targets(w http.ResponseWriter, r *http.Request) {
	a.list(w, r, &params{q: r.URL.Query()}, func() (any, error) {
		ts, err := a.svc.Store.ListTargets(r.Context())
		return store.Page[store.Target]{Items: ts}, err
	})
}

func (a *api) accounts(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	f := store.AccountFilter{Target: p.str("target")}
	a.list(w, r, p, func() (any, error) {
		as, err := a.svc.Store.ListAccounts(r.Context(), f)
		return store.Page[store.Account]{Items: as}, err
	})
}

func (a *api) scans(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	f := store.ScanFilter{Target: p.str("target"), AccountID: p.str("account"), RoundID: p.str("round"),
		Since: p.time("since", time.Now()), Complete: p.boolp("complete"), Limit: p.int("limit"), Cursor: p.str("cursor")}
	a.list(w, r, p, func() (any, error) { return a.svc.Store.ListScans(r.Context(), f) })
}

func (a *api) findings(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	f := store.FindingFilter{Target: p.str("target"), AccountID: p.str("account"), RuleID: p.str("rule"), ResourceID: p.str("resource"),
		Status: p.str("status"), MinRisk: p.str("risk"), ChangedSince: p.time("since", time.Now()),
		Suppressed: p.boolp("suppressed"), Stale: p.boolp("stale"), Limit: p.int("limit"), Cursor: p.str("cursor")}
	if inc := p.boolp("include_deleted"); inc != nil {
		f.IncludeDeleted = *inc
	}
	a.list(w, r, p, func() (any, error) { return a.svc.Store.ListFindings(r.Context(), f) })
}

func (a *api) history(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	k := store.Key{Target: p.str("target"), AccountID: p.str("account"), RuleID: p.str("rule"), ResourceID: p.str("resource")}
	if k.Target == "" || k.AccountID == "" || k.RuleID == "" || k.ResourceID == "" {
		p.fail(errors.New("target, account, rule and resource are required"))
	}
	if p.err != nil {
		writeError(w, http.StatusBadRequest, p.err.Error())
		return
	}
	f, ok, err := a.svc.Store.GetFinding(r.Context(), k)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, "no such finding")
		return
	}
	evs, err := a.svc.Store.FindingHistory(r.Context(), k)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"finding": f, "events": evs})
}

func (a *api) events(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	now := time.Now()
	f := store.EventFilter{Target: p.str("target"), AccountID: p.str("account"), RuleID: p.str("rule"), ResourceID: p.str("resource"),
		ToStatus: p.str("status"), MinRisk: p.str("risk"), Since: p.time("since", now), Until: p.time("until", now),
		Limit: p.int("limit"), Cursor: p.str("cursor")}
	if v := p.str("after_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			p.fail(fmt.Errorf("after_id: %q is not an integer", v))
		}
		f.AfterID = id
	}
	for _, k := range r.URL.Query()["kind"] {
		for _, k := range strings.Split(k, ",") {
			f.Kinds = append(f.Kinds, store.EventKind(k))
		}
	}
	a.list(w, r, p, func() (any, error) { return a.svc.Store.ListEvents(r.Context(), f) })
}

func (a *api) deliveries(w http.ResponseWriter, r *http.Request) {
	p := &params{q: r.URL.Query()}
	f := store.DeliveryFilter{Channel: p.str("channel"), Status: p.str("status"), Limit: p.int("limit"), Cursor: p.str("cursor")}
	a.list(w, r, p, func() (any, error) { return a.svc.Store.ListDeliveries(r.Context(), f) })
}

// TriggerRequest is the body of POST /api/v1/scans.
type TriggerRequest struct {
	Target string `json:"target"`
}

// TriggerResponse answers POST /api/v1/scans.
type TriggerResponse struct {
	Target  string `json:"target"`
	RoundID string `json:"round_id"`
	// Queued is false when a round of the target was already pending.
	Queued bool `json:"queued"`
}

func (a *api) triggerScan(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "send a JSON body with Content-Type: application/json")
		return
	}
	var req TriggerRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	if a.svc.target(req.Target) == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no target %q in the configuration", req.Target))
		return
	}
	if a.svc.Queue() == nil {
		writeError(w, http.StatusServiceUnavailable, "this process has no queue")
		return
	}
	round := fmt.Sprintf("%s@manual-%s", req.Target, time.Now().UTC().Format("20060102T150405.000Z"))
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	ok, err := a.svc.Queue().EnqueueRound(ctx, req.Target, round)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !ok {
		round = ""
	}
	writeJSON(w, http.StatusAccepted, TriggerResponse{Target: req.Target, RoundID: round, Queued: ok})
}
