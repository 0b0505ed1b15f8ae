package serve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/alert"
	"github.com/cloudassure/cloudassure/internal/auditrole"
	"github.com/cloudassure/cloudassure/internal/store"
)

// hookSink is the webhook receiver of the end-to-end test.
type hookSink struct {
	mu       sync.Mutex
	secret   []byte
	messages []alert.Message
	badSig   int
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get(alert.SignatureHeader) != alert.Sign(h.secret, body) {
		h.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var m alert.Message
	if err := json.Unmarshal(body, &m); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.messages = append(h.messages, m)
}

// events lists the events received for a round, as "kind rule account resource".
func (h *hookSink) events(round string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, m := range h.messages {
		if m.RoundID != round {
			continue
		}
		for _, e := range m.Events {
			out = append(out, fmt.Sprintf("%s %s %s %s", e.Kind, e.RuleID, e.AccountID, e.ResourceID))
		}
	}
	sort.Strings(out)
	return out
}

func (h *hookSink) count(round string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.messages {
		if m.RoundID == round {
			n++
		}
	}
	return n
}

// mailSink is the in-test SMTP server (emersion/go-smtp) with STARTTLS.
type mailSink struct {
	mu    sync.Mutex
	mails []string
}

type mailSession struct{ s *mailSink }

func (m *mailSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{m}, nil }
func (s *mailSession) Mail(string, *smtp.MailOptions) error     { return nil }
func (s *mailSession) Rcpt(string, *smtp.RcptOptions) error     { return nil }
func (s *mailSession) Reset()                                   {}
func (s *mailSession) Logout() error                            { return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.s.mu.Lock()
	s.s.mails = append(s.s.mails, string(b))
	s.s.mu.Unlock()
	return err
}

func (m *mailSink) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mails)
}

func startMailSink(t *testing.T) (*mailSink, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	sink := &mailSink{}
	s := smtp.NewServer(sink)
	s.Domain = "127.0.0.1"
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return sink, l.Addr().String()
}

// e2eConfig is the demo Organization with a webhook and an email channel.
func e2eConfig(dsn, listen, smtpAddr string) string {
	return fmt.Sprintf(`store: %q
listen: %q
targets:
  - name: demo-org
    org: true
    role_name: %s
    schedule: "0 0 1 1 *"
alerts:
  - name: hook
    type: webhook
    url_env: E2E_HOOK_URL
    secret_env: E2E_HOOK_SECRET
    events: [new_failure, regression, resolved, error, resource_deleted]
  - name: mail
    type: email
    smtp: %q
    from: cloudassure@example.com
    to: [ops@example.com]
    insecure_skip_verify: true
    events: [regression, resolved]
`, dsn, listen, auditrole.Name, smtpAddr)
}

type e2e struct {
	t     *testing.T
	d     *Demo
	st    *store.Store
	hook  *hookSink
	mail  *mailSink
	api   string
	token string
}

func (e *e2e) trigger() string {
	e.t.Helper()
	// The previous round's scans are recorded, so their jobs are done: the
	// round is accepted at once and scans every account.
	var round string
	func() {
		req, _ := http.NewRequestWithContext(e.t.Context(), "POST", "http://"+e.api+"/api/v1/scans", strings.NewReader(`{"target":"demo-org"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			e.t.Fatal(err)
		}
		defer resp.Body.Close()
		var tr TriggerResponse
		json.NewDecoder(resp.Body).Decode(&tr)
		round = tr.RoundID
		if resp.StatusCode != http.StatusAccepted || !tr.Queued {
			e.t.Fatalf("POST /api/v1/scans: %d, queued %v; want 202 and queued", resp.StatusCode, tr.Queued)
		}
	}()
	// The round lists 4 members (the suspended one is skipped) and scans each.
	waitFor(e.t, "the round's scans", func() bool {
		p, err := e.st.ListScans(e.t.Context(), store.ScanFilter{RoundID: round})
		if err != nil {
			e.t.Fatal(err)
		}
		return len(p.Items) == 4
	})
	return round
}

// roundEvents are the store's events of a round, as the hook sink formats them.
func (e *e2e) roundEvents(round string, kinds ...store.EventKind) []string {
	e.t.Helper()
	p, err := e.st.ListEvents(e.t.Context(), store.EventFilter{Kinds: kinds, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range p.Items {
		if ev.RoundID == round {
			out = append(out, fmt.Sprintf("%s %s %s %s", ev.Kind, ev.RuleID, ev.AccountID, ev.ResourceID))
		}
	}
	sort.Strings(out)
	return out
}

func (e *e2e) waitDelivered(round string, hookMessages, mails int) {
	e.t.Helper()
	waitFor(e.t, fmt.Sprintf("%d webhook messages and %d mails for %s", hookMessages, mails, round), func() bool {
		counts, err := e.st.DeliveryCounts(e.t.Context())
		if err != nil {
			e.t.Fatal(err)
		}
		for k, n := range counts {
			if n > 0 && (k[1] == store.DeliveryPending || k[1] == store.DeliverySending) {
				return false
			}
		}
		return e.hook.count(round) >= hookMessages && e.mail.count() >= mails
	})
}

// TestEndToEnd runs serve against the emulator's demo Organization through
// several rounds while the test changes distributions, and checks that the
// events, the current state and the alerts received by a local webhook and
// SMTP server match exactly what changed; a partial scan (an account whose
// audit role was removed) resolves nothing. On PostgreSQL three `serve
// --worker-only` processes and a `serve --web-only` one share the store, the
// target limited to 2 scans at once and 4 IAM calls per second, and
// the test checks that the limits held across the workers.
func TestEndToEnd(t *testing.T) {
	for name, dsn := range testStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			d, err := StartDemo(ctx, 4)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			hook := &hookSink{secret: []byte("hook-secret")}
			hookSrv := httptest.NewServer(hook)
			defer hookSrv.Close()
			t.Setenv("E2E_HOOK_URL", hookSrv.URL+"/hook")
			t.Setenv("E2E_HOOK_SECRET", "hook-secret")
			mail, smtpAddr := startMailSink(t)
			tokenFile := filepath.Join(t.TempDir(), "token")
			token := "e2e-token-0123456789"
			os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)

			cfgText := e2eConfig(dsn, "127.0.0.1:0", smtpAddr) + "token_file: " + tokenFile + "\n"
			e := &e2e{t: t, d: d, hook: hook, mail: mail, token: token}
			var stop func()
			var calls *callLog
			if strings.HasPrefix(dsn, "postgres") {
				// Three worker processes and a web-only one; the emulator behind a
				// proxy that logs each call; the target's scans and calls limited.
				calls = &callLog{}
				proxy := httptest.NewServer(calls.proxy(t, d.URL))
				defer proxy.Close()
				e.api, stop = startProcesses(t, e2eProcessConfig(cfgText, proxy.URL))
			} else {
				e.api, stop = startInProcess(ctx, t, cfgText, d)
			}
			e.st = openStore(t, dsn)

			// Round 1 (the one a service starts with): every failure is new.
			var r1 string
			waitFor(t, "the first round", func() bool {
				p, err := e.st.ListScans(ctx, store.ScanFilter{})
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Items) < 4 {
					return false
				}
				r1 = p.Items[0].RoundID
				return true
			})
			want := e.roundEvents(r1)
			if len(want) == 0 || slices.ContainsFunc(want, func(s string) bool { return !strings.HasPrefix(s, "new_failure ") }) {
				t.Fatalf("first round events: %v", want)
			}
			e.waitDelivered(r1, 1, 0)
			if diff := cmp.Diff(want, hook.events(r1)); diff != "" {
				t.Errorf("round 1: webhook events (-store +received):\n%s", diff)
			}

			// Round 2: one behavior of a member loses its config: one regression, in one message per channel.
			member := "200000000001"
			dist := passingDistribution(t, e, member)
			arn := defaultARN(t, d, member, dist)
			if err := d.setDefaultARN(ctx, member, dist, ""); err != nil {
				t.Fatal(err)
			}
			r2 := e.trigger()
			wantR2 := []string{"regression CF-001 " + member + " " + dist}
			if diff := cmp.Diff(wantR2, e.roundEvents(r2)); diff != "" {
				t.Errorf("round 2: events (-want +got):\n%s", diff)
			}
			e.waitDelivered(r2, 1, 1)
			mail.mu.Lock()
			m := mail.mails[0]
			mail.mu.Unlock()
			if !strings.Contains(m, "Subject: cloudassure: 1 regression") || !strings.Contains(m, dist) {
				t.Errorf("regression mail:\n%s", m)
			}
			if diff := cmp.Diff(wantR2, hook.events(r2)); diff != "" {
				t.Errorf("round 2: webhook (-want +got):\n%s", diff)
			}

			// Round 3: the fix is applied but the member's audit role is gone:
			// a partial scan resolves nothing, its findings go stale.
			if err := d.setDefaultARN(ctx, member, dist, arn); err != nil {
				t.Fatal(err)
			}
			removeAuditRole(t, d, member)
			r3 := e.trigger()
			if got := e.roundEvents(r3); len(got) != 0 {
				t.Errorf("round 3 (partial): events %v, want none", got)
			}
			f, ok, err := e.st.GetFinding(ctx, store.Key{Target: "demo-org", AccountID: member, RuleID: "CF-001", ResourceID: dist})
			if err != nil || !ok || f.Status != "FAIL" || !f.Stale {
				t.Errorf("after a partial scan: %+v (found %v, %v); want FAIL and stale", f, ok, err)
			}

			// Round 4: the role is back: the fix resolves the finding.
			restoreAuditRole(t, d, member)
			r4 := e.trigger()
			wantR4 := []string{"resolved CF-001 " + member + " " + dist}
			if diff := cmp.Diff(wantR4, e.roundEvents(r4)); diff != "" {
				t.Errorf("round 4: events (-want +got):\n%s", diff)
			}
			e.waitDelivered(r4, 1, 2)
			if diff := cmp.Diff(wantR4, hook.events(r4)); diff != "" {
				t.Errorf("round 4: webhook (-want +got):\n%s", diff)
			}

			// Exactly once per channel: every delivery sent once, no message twice.
			hook.mu.Lock()
			seen := map[string]bool{}
			for _, m := range hook.messages {
				if seen[m.DeliveryID] {
					t.Errorf("delivery %s received twice", m.DeliveryID)
				}
				seen[m.DeliveryID] = true
			}
			if hook.badSig != 0 {
				t.Errorf("%d webhook requests with a bad signature", hook.badSig)
			}
			hook.mu.Unlock()
			if n := mail.count(); n != 2 {
				t.Errorf("%d mails, want 2 (the regression and the resolution)", n)
			}
			counts, err := e.st.DeliveryCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for k, n := range counts {
				if k[1] != store.DeliverySent {
					t.Errorf("%d deliveries to %s are %s", n, k[0], k[1])
				}
			}
			if calls != nil {
				// The limits held across the three workers.
				if n := maxConcurrentScans(t, e.st, "demo-org"); n > 2 {
					t.Errorf("%d scans of the target at once, want at most 2 (its concurrency)", n)
				}
				calls.checkRate(t, "iam", 4)
			}
			stop()
		})
	}
}

// e2eProcessConfig is cfgText for serve processes: the target reached
// through endpoint, at most 2 of its scans at once and 4 IAM calls per
// second, 2 scans per worker, short slot leases.
func e2eProcessConfig(cfgText, endpoint string) string {
	target := "    role_name: " + auditrole.Name + "\n"
	return strings.Replace(cfgText, target, target+"    endpoint_url: "+endpoint+"\n    region: us-east-1\n    concurrency: 2\n    rates: {iam: 4}\n", 1) +
		"concurrency: 2\nslot_lease: 5s\n"
}

// startProcesses starts a `serve --web-only` process and three `serve
// --worker-only` ones on cfgText; it returns the API's address and a stop
// that ends them with SIGTERM and checks that they exit cleanly.
func startProcesses(t *testing.T, cfgText string) (string, func()) {
	t.Helper()
	bin := buildCloudassure(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	env := serveEnv(dir)
	web := startServe(t, bin, env, "--web-only", "--config", cfgPath, "-v")
	procs := []*serveProc{web}
	for range 3 {
		procs = append(procs, startServe(t, bin, env, "--worker-only", "--config", cfgPath, "-v"))
	}
	listening := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	var api string
	waitFor(t, "the web process to listen", func() bool {
		select {
		case err := <-web.done:
			t.Fatalf("serve --web-only exited: %v\n%s", err, web.stderr.String())
		default:
		}
		if m := listening.FindStringSubmatch(web.stderr.String()); m != nil {
			api = m[1]
		}
		return api != ""
	})
	return api, func() {
		for _, p := range procs {
			p.stop(t)
		}
	}
}

// startInProcess runs one serve service (the in-process runner) on cfgText;
// it returns the API's address and a stop that ends it.
func startInProcess(ctx context.Context, t *testing.T, cfgText string, d *Demo) (string, func()) {
	t.Helper()
	cfg, err := ParseConfig(filepath.Join(t.TempDir(), "serve.yaml"), []byte(cfgText))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	addr := make(chan string, 1)
	errs := make(chan error, 1)
	go func() {
		errs <- Run(ctx, RunOptions{Config: cfg, Scanner: &LiveScanner{BaseConfig: d.BaseConfig}, AlertSettle: 300 * time.Millisecond,
			SendEvery: 100 * time.Millisecond, Logger: testLogger(t), Listening: func(a string) { addr <- a }})
	}()
	select {
	case a := <-addr:
		return a, func() {
			cancel()
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	case err := <-errs:
		cancel()
		t.Fatal(err)
		return "", nil
	}
}

// callLog records the AWS calls that reach the emulator through its proxy:
// when each arrived and the service its signature names.
type callLog struct {
	mu    sync.Mutex
	calls []loggedCall
}

type loggedCall struct {
	at      time.Time
	service string
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

func (c *callLog) proxy(t *testing.T, target string) http.Handler {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host // the host the request was signed for
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		service := ""
		if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			service = m[1]
		}
		c.mu.Lock()
		c.calls = append(c.calls, loggedCall{at: time.Now(), service: service})
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	})
}

// checkRate checks that the calls to service kept to perSecond with a burst
// of as many: over any stretch of the log from one call to a later one, no
// more calls than the burst plus the rate times its length, the length
// taken 250 ms longer for the time between a worker's reservation and its
// send (a busy machine may hold a process that long).
func (c *callLog) checkRate(t *testing.T, service string, perSecond float64) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var at []time.Time
	for _, call := range c.calls {
		if call.service == service {
			at = append(at, call.at)
		}
	}
	if len(at) == 0 {
		t.Fatalf("no %s call went through the proxy", service)
	}
	burst := float64(burstOf(perSecond))
	for i := range at {
		for j := i + 1; j < len(at); j++ {
			if n := float64(j - i + 1); n > burst+perSecond*(at[j].Sub(at[i])+250*time.Millisecond).Seconds() {
				t.Errorf("%d %s calls in %v: more than %v/s (burst %v) allows", j-i+1, service, at[j].Sub(at[i]), perSecond, burst)
				return
			}
		}
	}
	by := map[string]int{}
	for _, call := range c.calls {
		by[call.service]++
	}
	t.Logf("%d %s calls over %v, within %v/s (calls by service: %v)", len(at), service, at[len(at)-1].Sub(at[0]).Round(time.Millisecond), perSecond, by)
}

// passingDistribution is a distribution of account that every rule passes.
func passingDistribution(t *testing.T, e *e2e, account string) string {
	t.Helper()
	p, err := e.st.ListFindings(t.Context(), store.FindingFilter{AccountID: account})
	if err != nil {
		t.Fatal(err)
	}
	pass := map[string]int{}
	for _, f := range p.Items {
		if f.Status == "PASS" {
			pass[f.ResourceID]++
		}
	}
	for _, f := range p.Items {
		if pass[f.ResourceID] == 3 {
			return f.ResourceID
		}
	}
	t.Fatalf("no distribution of %s passes every rule", account)
	return ""
}

func defaultARN(t *testing.T, d *Demo, account, dist string) string {
	t.Helper()
	got, err := cloudfront.NewFromConfig(d.AccountConfig(account)).GetDistributionConfig(t.Context(), &cloudfront.GetDistributionConfigInput{Id: aws.String(dist)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(got.DistributionConfig.DefaultCacheBehavior.RealtimeLogConfigArn)
}

func removeAuditRole(t *testing.T, d *Demo, account string) {
	t.Helper()
	c := iam.NewFromConfig(d.AccountConfig(account))
	pols, err := c.ListRolePolicies(t.Context(), &iam.ListRolePoliciesInput{RoleName: aws.String(auditrole.Name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pols.PolicyNames {
		if _, err := c.DeleteRolePolicy(t.Context(), &iam.DeleteRolePolicyInput{RoleName: aws.String(auditrole.Name), PolicyName: aws.String(p)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteRole(t.Context(), &iam.DeleteRoleInput{RoleName: aws.String(auditrole.Name)}); err != nil {
		t.Fatal(err)
	}
}

func restoreAuditRole(t *testing.T, d *Demo, account string) {
	t.Helper()
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, d.Emulator.AccountID())
	c := iam.NewFromConfig(d.AccountConfig(account))
	if _, err := c.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String(auditrole.Name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(t.Context(), &iam.PutRolePolicyInput{RoleName: aws.String(auditrole.Name), PolicyName: aws.String("audit"),
		PolicyDocument: aws.String(auditrole.Policy)}); err != nil {
		t.Fatal(err)
	}
}
