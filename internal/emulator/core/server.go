// Package core is the emulator's shared core: the registry of services and
// the protocols they speak, the accounts and the credentials that act in
// them, injected faults, and the request log. Each service lives in a
// package of its own that imports only this one.
package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAccountID is the account the emulator serves when none is set.
const DefaultAccountID = "111122223333"

// Options configure an emulator.
type Options struct {
	// AccountID is the AWS account the emulator pretends to be.
	AccountID string
	// StreamActivationDelay is how long a new Kinesis stream stays CREATING
	// (and an updating one UPDATING). Zero makes streams ACTIVE at once.
	StreamActivationDelay time.Duration
	// DeployDelay is how long a distribution stays InProgress after a change.
	// Zero makes distributions Deployed at once.
	DeployDelay time.Duration
	// Faults are injected into every API request.
	Faults Faults
	// Seed seeds the random source used for IDs and fault injection. Zero picks one.
	Seed int64
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives one debug record per request (service, operation,
	// path, status, client address; never bodies) and one per client
	// connection state. Nil logs nothing.
	Logger *slog.Logger
}

// Faults make the emulator misbehave the way AWS does under load.
type Faults struct {
	// Latency is added to every request.
	Latency time.Duration
	// LargeBodyLatency is added, on top of Latency, to a request whose body
	// is larger than LargeBody. aws-sdk-go-v2 clients (the Terraform AWS
	// provider among them) lose the answer to such a request when it
	// arrives before their transport's write loop is done, and send the
	// request again (docs/emulator.md); across a network that never
	// happens, on a busy loopback it can.
	LargeBodyLatency time.Duration
	// ThrottleRate is the fraction (0..1) of requests answered with the
	// service's throttling error.
	ThrottleRate float64
	// ServerErrorRate is the fraction (0..1) of requests answered with a 5xx.
	ServerErrorRate float64
}

// Server is the emulator's core: the registry of services, the accounts
// and their credentials, the faults and the request log. It is an
// http.Handler; the services it serves are registered with Register.
type Server struct {
	opts Options
	now  func() time.Time
	log  *slog.Logger

	mu     sync.Mutex // guards rng and faults
	rng    *rand.Rand
	faults Faults

	requests atomic.Int64

	accts *accounts // every account served, by credentials (accounts.go)

	registry []Service // the services served, in the order they recognise requests

	httpSrv  *http.Server
	listener net.Listener
}

// New returns an emulator core with the given options, no services and no
// resources.
func New(opts Options) *Server {
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	seed := opts.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	s := &Server{opts: opts, rng: rand.New(rand.NewSource(seed)), faults: opts.Faults}
	s.now = opts.Now
	s.log = opts.Logger
	if s.now == nil {
		s.now = time.Now
	}
	s.accts = newAccounts()
	s.account(opts.AccountID)
	return s
}

// Register adds services to the registry, asked in the order given (see
// Service.Matches). Register them before the server serves.
func (s *Server) Register(svcs ...Service) { s.registry = append(s.registry, svcs...) }

// Options returns the options the server was made with (with the default
// account filled in).
func (s *Server) Options() Options { return s.opts }

// Now returns the current time of the emulator's clock.
func (s *Server) Now() time.Time { return s.now() }

// AccountID returns the account the emulator serves.
func (s *Server) AccountID() string { return s.opts.AccountID }

// SetFaults replaces the faults injected from now on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Requests returns how many API requests the emulator has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// RandomID returns n characters from alphabet, using the server's random source.
func (s *Server) RandomID(alphabet string, n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[s.rng.Intn(len(alphabet))]
	}
	return string(b)
}

// UpperAlnum is the alphabet of AWS IDs and access keys.
const UpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background. It returns the endpoint URL.
func (s *Server) Start(addr string) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("emulator: listen %s: %w", addr, err)
	}
	s.listener = l
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	if s.log != nil {
		// net/http's own errors, and each client connection's states at
		// debug level: with the request log's remote address they show
		// whether a client closed a connection right after an answer.
		s.httpSrv.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
		s.httpSrv.ConnState = func(c net.Conn, st http.ConnState) {
			s.log.Debug("conn", slog.String("remote", c.RemoteAddr().String()), slog.String("state", st.String()))
		}
	}
	go func() {
		if err := s.httpSrv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener was closed under us; nothing to report to
		}
	}()
	return s.URL(), nil
}

// URL returns the endpoint URL of a started emulator.
func (s *Server) URL() string {
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops a started emulator.
func (s *Server) Close() error {
	if s.httpSrv == nil {
		return nil
	}
	// Clients may hold connections that never sent a request; Shutdown would
	// wait for them, so give in-flight requests a moment and then close.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := s.httpSrv.Shutdown(ctx); err != nil {
		return s.httpSrv.Close()
	}
	return nil
}

// Request carries what every handler needs to know about a request.
type Request struct {
	Account   string // the ID of the account the request acts in
	Region    string
	RequestID string
	Caller    Caller // who signed the request, and so the account it acts in
}

// ServeHTTP dispatches a request to the service it is for.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	c := s.callerOf(r)
	rc := &Request{
		Account:   c.Account.id,
		Region:    regionFromAuth(r.Header.Get("Authorization")),
		RequestID: s.newRequestID(),
		Caller:    c,
	}
	w.Header().Set("x-amzn-RequestId", rc.RequestID)
	w.Header().Set("x-amz-request-id", rc.RequestID)

	rec := &statusRecorder{ResponseWriter: w}
	w = rec
	svc, ok := s.serviceOf(r)
	defer func() { s.logRequest(r.Context(), r, svc, ok, rc, rec.status) }()
	if !ok {
		http.Error(w, "cloudassure emulator: unrecognised request "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	if err := svc.Protocol.Prepare(r); err != nil {
		svc.Protocol.WriteError(w, rc, err)
		return
	}
	if svc.Reroute != nil {
		if name := svc.Reroute(r); name != "" {
			if other, found := s.service(name); found {
				svc = other
			}
		}
	}
	if s.injectFault(w, r, svc, rc) || s.expiredSession(w, svc, rc) || s.deniedAction(w, r, svc, rc) {
		return
	}
	svc.Serve(w, r, rc)
}

func (s *Server) newRequestID() string {
	id := s.RandomID("0123456789abcdef", 32)
	return id[0:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:32]
}

// Service is one AWS service the emulator serves: its name, its protocol,
// how it recognises a request and how it serves one. The per-account
// state, the faults, expired sessions and denied actions are the core's
// (Server.ServeHTTP); each service package makes its own entry.
type Service struct {
	// Name names the service in the request log and, by default, prefixes
	// its IAM actions ("cloudfront", "kinesis").
	Name string
	// Protocol names the service's operations and writes its errors.
	Protocol Protocol
	// Matches recognises a request for the service from its target header,
	// path or signing scope. The registry asks the services in order.
	Matches func(r *http.Request) bool
	// Reroute, when set, names another service that serves the request
	// instead, once the protocol has prepared it ("" for none): IAM hands
	// STS actions signed for IAM, or unsigned, to STS.
	Reroute func(r *http.Request) string
	// Action names the request's IAM action, "service:Operation" ("" when
	// it is not known), for denied actions. Nil means Name, a colon and
	// the protocol's Operation.
	Action func(r *http.Request) string
	// NewState makes the service's state in a new account; nil when the
	// service keeps none per account. Account.State returns it.
	NewState func(s *Server, account string) any
	// Serve answers a request that passed the core's checks;
	// rc.Caller.Account holds the account state it acts in.
	Serve func(w http.ResponseWriter, r *http.Request, rc *Request)
}

// action names the IAM action of a request to the service.
func (svc Service) action(r *http.Request) string {
	if svc.Action != nil {
		return svc.Action(r)
	}
	return svc.Name + ":" + svc.Protocol.Operation(r)
}

// serviceOf returns the service a request is for; ok is false when none
// recognises it.
func (s *Server) serviceOf(r *http.Request) (Service, bool) {
	for _, svc := range s.registry {
		if svc.Matches(r) {
			return svc, true
		}
	}
	return Service{}, false
}

// service returns the registered service called name.
func (s *Server) service(name string) (Service, bool) {
	for _, svc := range s.registry {
		if svc.Name == name {
			return svc, true
		}
	}
	return Service{}, false
}

// credentialScope returns the parts of a SigV4 credential scope:
// AKID/date/region/service/aws4_request.
func credentialScope(auth string) []string {
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return nil
	}
	rest := auth[i+len("Credential="):]
	if j := strings.IndexAny(rest, ", "); j >= 0 {
		rest = rest[:j]
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 5 {
		return nil
	}
	return parts
}

func regionFromAuth(auth string) string {
	if p := credentialScope(auth); p != nil && p[2] != "" {
		return p[2]
	}
	return "us-east-1"
}

// ServiceFromAuth returns the service of a SigV4 Authorization header's
// credential scope ("" when it has none).
func ServiceFromAuth(auth string) string {
	if p := credentialScope(auth); p != nil {
		return p[3]
	}
	return ""
}
