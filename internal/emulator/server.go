// Package emulator serves the parts of the AWS APIs that cloudassure uses
// (CloudFront REST-XML, Kinesis JSON 1.1, IAM and STS query) on loopback, so
// that the real aws-sdk-go-v2 and the real AWS CLI work against it unchanged.
package emulator

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
	// path, status; never bodies). Nil logs nothing.
	Logger *slog.Logger
}

// Faults make the emulator misbehave the way AWS does under load.
type Faults struct {
	// Latency is added to every request.
	Latency time.Duration
	// ThrottleRate is the fraction (0..1) of requests answered with the
	// service's throttling error.
	ThrottleRate float64
	// ServerErrorRate is the fraction (0..1) of requests answered with a 5xx.
	ServerErrorRate float64
}

// Server is a running or runnable emulator. It is an http.Handler.
type Server struct {
	opts Options
	now  func() time.Time
	log  *slog.Logger

	mu     sync.Mutex // guards rng and faults
	rng    *rand.Rand
	faults Faults

	requests atomic.Int64

	cf  *cloudFront
	kin *kinesisService
	iam *iamService

	accts *accounts // every account served, by credentials (accounts.go)

	registry []service // the services served, in the order they recognise requests

	httpSrv  *http.Server
	listener net.Listener
}

// New returns an emulator with the given options and no resources.
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
	s.registry = newRegistry()
	s.cf = newCloudFront(s)
	s.kin = newKinesis(s)
	s.iam = newIAM(s)
	s.accts = newAccounts(&accountState{id: opts.AccountID, cf: s.cf, kin: s.kin, iam: s.iam})
	return s
}

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

// randomID returns n characters from alphabet, using the server's random source.
func (s *Server) randomID(alphabet string, n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[s.rng.Intn(len(alphabet))]
	}
	return string(b)
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background. It returns the endpoint URL.
func (s *Server) Start(addr string) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("emulator: listen %s: %w", addr, err)
	}
	s.listener = l
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
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

// protocol is the wire protocol of a request.
type protocol int

const (
	protoUnknown protocol = iota
	protoCloudFront
	protoKinesis
	protoIAM
	protoSTS
	protoOrganizations
)

// reqContext carries what every handler needs to know about a request.
type reqContext struct {
	account   string
	region    string
	requestID string
	caller    caller // who signed the request, and so the account it acts in
}

// ServeHTTP dispatches a request to the service it is for.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	c := s.callerOf(r)
	rc := &reqContext{
		account:   c.state.id,
		region:    regionFromAuth(r.Header.Get("Authorization")),
		requestID: s.newRequestID(),
		caller:    c,
	}
	w.Header().Set("x-amzn-RequestId", rc.requestID)
	w.Header().Set("x-amz-request-id", rc.requestID)

	rec := &statusRecorder{ResponseWriter: w}
	w = rec
	svc := s.serviceOf(r)
	proto := svc.proto
	defer func() { s.logRequest(r.Context(), r, proto, rc, rec.status) }()
	if svc.queryForm {
		if err := r.ParseForm(); err != nil {
			writeQueryError(w, proto, rc, http.StatusBadRequest, "MalformedQueryString", err.Error())
			return
		}
		if proto == protoIAM && isSTSAction(r.Form.Get("Action")) {
			svc = s.service(protoSTS) // STS actions signed for IAM, or unsigned
			proto = svc.proto
		}
	}
	if proto == protoUnknown {
		http.Error(w, "cloudassure emulator: unrecognised request "+r.Method+" "+r.URL.Path, http.StatusNotFound)
		return
	}
	if s.injectFault(w, r, proto, rc) || s.expiredSession(w, proto, rc) || s.deniedAction(w, r, proto, rc, c) {
		return
	}
	svc.serve(s, w, r, rc)
}

func (s *Server) newRequestID() string {
	id := s.randomID("0123456789abcdef", 32)
	return id[0:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:32]
}

// service is one AWS service the emulator serves: how it recognises a
// request and how it serves one. The per-account state, the faults, expired
// sessions and denied actions are the core's (Server.ServeHTTP); each
// service file makes its own entry.
type service struct {
	proto protocol
	// matches recognises a request for the service from its target header,
	// path or signing scope. The registry asks the services in order.
	matches func(r *http.Request) bool
	// queryForm: the service speaks the query protocol; the core parses
	// the form before the request is served.
	queryForm bool
	// action names the request's IAM action, "service:Operation" ("" when
	// it is not known), for denied actions.
	action func(r *http.Request) string
	// serve answers a request that passed the core's checks; rc.caller
	// holds the account state it acts in.
	serve func(s *Server, w http.ResponseWriter, r *http.Request, rc *reqContext)
}

// newRegistry lists the services in the order their matches are asked:
// the JSON services by target header, CloudFront by path, then the query
// services by signing scope (IAM also takes any other form POST or Action
// query; STS actions among them are rerouted once the form is parsed).
func newRegistry() []service {
	return []service{kinesisEndpoint(), organizationsEndpoint(), cloudFrontEndpoint(), stsEndpoint(), iamEndpoint()}
}

// serviceOf returns the service a request is for; proto is protoUnknown
// when none recognises it.
func (s *Server) serviceOf(r *http.Request) service {
	for _, svc := range s.registry {
		if svc.matches(r) {
			return svc
		}
	}
	return service{proto: protoUnknown, action: func(*http.Request) string { return "" }}
}

// service returns the registered service speaking proto.
func (s *Server) service(proto protocol) service {
	for _, svc := range s.registry {
		if svc.proto == proto {
			return svc
		}
	}
	return service{proto: protoUnknown, action: func(*http.Request) string { return "" }}
}

func isSTSAction(action string) bool {
	switch action {
	case "GetCallerIdentity", "AssumeRole", "GetSessionToken", "AssumeRoleWithWebIdentity":
		return true
	}
	return false
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

func serviceFromAuth(auth string) string {
	if p := credentialScope(auth); p != nil {
		return p[3]
	}
	return ""
}
