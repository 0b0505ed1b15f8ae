package alert

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

func testBatch() *store.Batch {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	return &store.Batch{ID: "dlv_0123", Channel: "hook", RoundID: "prod@1", Attempts: 1,
		Events: []store.Event{{
			ID: 7, At: at, Key: store.Key{Target: "prod", AccountID: "111111111111", RuleID: "CF-001", ResourceID: "E2ABC"},
			ResourceType: "AWS::CloudFront::Distribution", Kind: store.Regression, FromStatus: "PASS", ToStatus: "FAIL",
			Risk: "Medium", Title: "Real-time logging enabled", Message: "1 of 2 behaviors sends no real-time logs",
			Detail: store.Detail{Behaviors: []finding.Behavior{{PathPattern: "*", Default: true, RealtimeLogConfigARN: "arn:aws:cloudfront::111111111111:realtime-log-config/rt", State: "known"},
				{PathPattern: "/api/*", Position: 1, State: "absent"}}},
		}}}
}

func TestWebhookSignedStableBody(t *testing.T) {
	var got struct {
		body []byte
		hdr  http.Header
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.body, _ = io.ReadAll(r.Body)
		got.hdr = r.Header.Clone()
	}))
	defer srv.Close()
	w := &Webhook{ChannelName: "hook", URL: srv.URL, Secret: []byte("s3cret"), DashboardURL: "http://127.0.0.1:8080/"}
	if err := w.Send(context.Background(), testBatch()); err != nil {
		t.Fatal(err)
	}
	if sig := got.hdr.Get(SignatureHeader); sig != Sign([]byte("s3cret"), got.body) || !strings.HasPrefix(sig, "sha256=") {
		t.Errorf("signature %q does not match the body", sig)
	}
	if got.hdr.Get(DeliveryHeader) != "dlv_0123" {
		t.Errorf("delivery header = %q", got.hdr.Get(DeliveryHeader))
	}
	var m map[string]any
	if err := json.Unmarshal(got.body, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "sent_at")
	golden := map[string]any{
		"schema_version": 1.0, "delivery_id": "dlv_0123", "channel": "hook", "round_id": "prod@1", "attempt": 1.0,
		"dashboard_url": "http://127.0.0.1:8080/",
		"events": []any{map[string]any{
			"id": 7.0, "kind": "regression", "at": "2026-11-01T10:00:00Z", "target": "prod", "account_id": "111111111111",
			"rule_id": "CF-001", "title": "Real-time logging enabled", "risk": "Medium", "resource_type": "AWS::CloudFront::Distribution",
			"resource_id": "E2ABC", "from_status": "PASS", "to_status": "FAIL", "message": "1 of 2 behaviors sends no real-time logs",
			"behaviors": []any{
				map[string]any{"path_pattern": "*", "default": true, "position": 0.0, "realtime_log_config_arn": "arn:aws:cloudfront::111111111111:realtime-log-config/rt", "state": "known"},
				map[string]any{"path_pattern": "/api/*", "default": false, "position": 1.0, "realtime_log_config_arn": "", "state": "absent"},
			},
		}},
	}
	if diff := cmp.Diff(golden, m); diff != "" {
		t.Errorf("webhook body (-want +got):\n%s", diff)
	}
}

func TestHTTPOutcomes(t *testing.T) {
	for _, tc := range []struct {
		code      int
		wantErr   bool
		permanent bool
	}{{200, false, false}, {204, false, false}, {500, true, false}, {429, true, false}, {404, true, true}, {400, true, true}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.code) }))
		for _, ch := range []Channel{&Webhook{ChannelName: "h", URL: srv.URL + "/T0KEN"}, &Slack{ChannelName: "s", URL: srv.URL + "/T0KEN"}} {
			err := ch.Send(context.Background(), testBatch())
			if (err != nil) != tc.wantErr || IsPermanent(err) != tc.permanent {
				t.Errorf("%s HTTP %d: err %v (permanent %v)", ch.Name(), tc.code, err, IsPermanent(err))
			}
			if err != nil && strings.Contains(err.Error(), "T0KEN") {
				t.Errorf("error names the secret URL: %v", err)
			}
		}
		srv.Close()
	}
	// A refused connection: retried, and the URL is not in the message.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	err := (&Webhook{ChannelName: "h", URL: "http://" + addr + "/hooks/T0KEN"}).Send(context.Background(), testBatch())
	if err == nil || IsPermanent(err) || strings.Contains(err.Error(), "T0KEN") {
		t.Errorf("refused connection: %v", err)
	}
}

func TestSlackBlocks(t *testing.T) {
	p := SlackPayload(testBatch(), "http://127.0.0.1:8080/")
	b, _ := json.Marshal(p)
	var m struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type     string `json:"type"`
			Text     struct{ Text string }
			Elements []struct{ Text string }
		} `json:"blocks"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Text != "cloudassure: 1 regression" || len(m.Blocks) != 3 || m.Blocks[0].Type != "header" || m.Blocks[2].Type != "context" {
		t.Fatalf("payload = %s", b)
	}
	sec := m.Blocks[1].Text.Text
	for _, want := range []string{"*Regression*", "CF-001", "`111111111111`", "`E2ABC`", "PASS → FAIL", "• default (*): arn:aws:cloudfront", "• /api/*: no real-time log config"} {
		if !strings.Contains(sec, want) {
			t.Errorf("section lacks %q:\n%s", want, sec)
		}
	}
	if !strings.Contains(m.Blocks[2].Elements[0].Text, "<http://127.0.0.1:8080/|Open the dashboard>") {
		t.Errorf("no dashboard link: %s", b)
	}
}

// smtpBackend is the in-test SMTP server's backend: it records messages.
type smtpBackend struct {
	mu    sync.Mutex
	mails []mail
	tls   []bool
}

type mail struct {
	from, user string
	to         []string
	data       string
}

type smtpSession struct {
	be   *smtpBackend
	conn *smtp.Conn
	m    mail
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{be: b, conn: c}, nil
}
func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "alerts" || pass != "pw" {
			return errors.New("bad credentials")
		}
		s.m.user = user
		return nil
	}), nil
}
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error { s.m.from = from; return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.to = append(s.m.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.m.data = string(b)
	s.be.mu.Lock()
	s.be.mails = append(s.be.mails, s.m)
	s.be.tls = append(s.be.tls, isTLS)
	s.be.mu.Unlock()
	return nil
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

// StartSMTP starts an SMTP server with STARTTLS (a fresh self-signed
// certificate) on loopback and returns its address and the client TLS config.
func startSMTP(t *testing.T, be *smtpBackend, offerTLS bool) (string, *tls.Config) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	s := smtp.NewServer(be)
	s.Domain = "127.0.0.1"
	if offerTLS {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func TestEmailSTARTTLS(t *testing.T) {
	be := &smtpBackend{}
	addr, tc := startSMTP(t, be, true)
	e := &Email{ChannelName: "mail", Addr: addr, Username: "alerts", Password: "pw", From: "cloudassure@example.com",
		To: []string{"ops@example.com", "sec@example.com"}, TLS: tc}
	if err := e.Send(context.Background(), testBatch()); err != nil {
		t.Fatal(err)
	}
	if len(be.mails) != 1 || !be.tls[0] {
		t.Fatalf("mails %d, over TLS %v", len(be.mails), be.tls)
	}
	m := be.mails[0]
	if m.user != "alerts" || m.from != "cloudassure@example.com" || len(m.to) != 2 {
		t.Errorf("envelope = %+v", m)
	}
	for _, want := range []string{"Subject: cloudassure: 1 regression", "X-Cloudassure-Delivery: dlv_0123", "Regression: CF-001", "PASS -> FAIL", "/api/*: no real-time log config"} {
		if !strings.Contains(m.data, want) {
			t.Errorf("message lacks %q:\n%s", want, m.data)
		}
	}
	// A wrong password: refused, nothing sent, the password not in the error.
	e.Password = "wrong-pw"
	if err := e.Send(context.Background(), testBatch()); err == nil || strings.Contains(err.Error(), "wrong-pw") || len(be.mails) != 1 {
		t.Errorf("bad password: %v (mails %d)", err, len(be.mails))
	}
	// A server without STARTTLS gets nothing.
	plain := &smtpBackend{}
	addr2, _ := startSMTP(t, plain, false)
	e2 := &Email{ChannelName: "mail", Addr: addr2, From: "a@example.com", To: []string{"b@example.com"}}
	if err := e2.Send(context.Background(), testBatch()); err == nil || !IsPermanent(err) || len(plain.mails) != 0 {
		t.Errorf("no STARTTLS: err %v, mails %d", err, len(plain.mails))
	}
}

func TestTerminal(t *testing.T) {
	var buf bytes.Buffer
	if err := (&Terminal{ChannelName: "term", W: &buf}).Send(context.Background(), testBatch()); err != nil {
		t.Fatal(err)
	}
	want := "ALERT cloudassure: 1 regression [dlv_0123]\n" +
		"  Regression: CF-001 Real-time logging enabled on distribution E2ABC (account 111111111111, target prod)\n" +
		"      default (*): arn:aws:cloudfront::111111111111:realtime-log-config/rt\n" +
		"      /api/*: no real-time log config\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("terminal (-want +got):\n%s", diff)
	}
}

// flaky answers 500 to the first n requests, then 200, recording delivery IDs.
type flaky struct {
	mu   sync.Mutex
	fail int
	ids  []string
	seen int
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, r.Header.Get(DeliveryHeader))
	f.seen++
	if f.seen <= f.fail {
		w.WriteHeader(500)
	}
}

// TestSenderRetriesThenRecords: a round's changes go out as one message per
// channel; a failing endpoint is retried with the same delivery ID until it
// answers, and the outcome is recorded; a permanent failure is final.
func TestSenderRetriesThenRecords(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := func(res string) finding.Finding {
		return finding.Finding{RuleID: "CF-001", Status: finding.Fail, Risk: "Medium", Resource: finding.Resource{Type: "AWS::CloudFront::Distribution", ID: res}}
	}
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for i, acct := range []string{"111111111111", "222222222222"} {
		if _, err := st.RecordScan(ctx, store.ScanRecord{Target: "prod", AccountID: acct, RoundID: "prod@1", StartedAt: t0, FinishedAt: t0.Add(time.Duration(i) * time.Second),
			Complete: true, Findings: []finding.Finding{f("D1"), f("D2")}}, func(store.Event) []string { return []string{"ok", "bad"} }); err != nil {
			t.Fatal(err)
		}
	}
	okSrv := &flaky{fail: 2}
	srv := httptest.NewServer(okSrv)
	defer srv.Close()
	badSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) }))
	defer badSrv.Close()
	now := t0.Add(time.Minute)
	var outcomes []string
	s := &Sender{Store: st, Channels: []Channel{&Webhook{ChannelName: "ok", URL: srv.URL}, &Webhook{ChannelName: "bad", URL: badSrv.URL}},
		Now: func() time.Time { return now }, Backoff: func(int) time.Duration { return 10 * time.Second },
		OnOutcome: func(ch, o string, n int) { outcomes = append(outcomes, ch+" "+o) }}
	for range 4 {
		if _, err := s.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		now = now.Add(11 * time.Second)
	}
	if diff := cmp.Diff([]string{"ok retry", "bad failed", "ok retry", "ok sent"}, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if len(okSrv.ids) != 3 || okSrv.ids[0] != okSrv.ids[2] || okSrv.ids[0] == "" {
		t.Errorf("delivery IDs over the retries: %v", okSrv.ids)
	}
	counts, err := st.DeliveryCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[[2]string]int{{"ok", "sent"}: 4, {"bad", "failed"}: 4}, counts); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
	failed, _ := st.ListDeliveries(ctx, store.DeliveryFilter{Channel: "bad"})
	if failed.Items[0].LastError != "webhook bad: HTTP 410" {
		t.Errorf("last error = %q", failed.Items[0].LastError)
	}
}
