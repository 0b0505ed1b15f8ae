package serve

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAPIBadFilters: every filter the API cannot use is a 400 whose message
// names the parameter and the value.
func TestAPIBadFilters(t *testing.T) {
	srv, _ := apiFixture(t)
	for _, tc := range []struct {
		path, want string
	}{
		{"/api/v1/findings?status=FAILED", `status: "FAILED" is not one of FAIL, ERROR, PASS, SKIP`},
		{"/api/v1/findings?risk=Severe", `risk: "Severe" is not one of Low, Medium, High, Critical`},
		{"/api/v1/findings?since=last-week", `since: "last-week" is neither an RFC 3339 time nor a duration`},
		{"/api/v1/findings?limit=x", `limit: "x" is not a non-negative integer`},
		{"/api/v1/findings?limit=-2", `limit: "-2" is not a non-negative integer`},
		{"/api/v1/findings?cursor=zzz", `cursor: "zzz" is an invalid cursor`},
		{"/api/v1/findings?stale=maybe", `stale: "maybe" is not true or false`},
		{"/api/v1/events?kind=new_failure,bogus", `kind: "bogus" is not one of new_failure, regression`},
		{"/api/v1/events?status=GONE", `status: "GONE" is not one of FAIL, ERROR, PASS, SKIP, DELETED`},
		{"/api/v1/events?risk=9", `risk: "9" is not one of Low, Medium, High, Critical`},
		{"/api/v1/events?until=tomorrow", `until: "tomorrow" is neither`},
		{"/api/v1/events?after_id=x", `after_id: "x" is not an integer`},
		{"/api/v1/scans?cursor=Wy", `cursor: "Wy" is an invalid cursor`},
		{"/api/v1/scans?complete=maybe", `complete: "maybe" is not true or false`},
		{"/api/v1/deliveries?status=delivered", `status: "delivered" is not one of pending, sending, sent, failed`},
		{"/api/v1/findings/history?target=prod", "target, account, rule and resource are required"},
	} {
		code, body := call(t, srv, "GET", tc.path, "", nil)
		var e struct{ Error string }
		if err := json.Unmarshal(body, &e); err != nil || code != 400 || !strings.Contains(e.Error, tc.want) {
			t.Errorf("GET %s: %d %s, want 400 with %q", tc.path, code, body, tc.want)
		}
	}
}

// TestAPIFindingsSince: since keeps the findings that changed since a time
// or a duration back, as the CLI's --since does.
func TestAPIFindingsSince(t *testing.T) {
	srv, _ := apiFixture(t)
	count := func(q string) int {
		t.Helper()
		code, body := call(t, srv, "GET", "/api/v1/findings?"+q, "", nil)
		var p struct{ Items []json.RawMessage }
		if err := json.Unmarshal(body, &p); err != nil || code != 200 {
			t.Fatalf("GET findings?%s: %d %s", q, code, body)
		}
		return len(p.Items)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for q, want := range map[string]int{"": 2, "since=7d": 2, "since=1m": 0, "since=" + future: 0,
		"since=7d&status=FAIL": 1, "since=7d&rule=CF-001&status=PASS": 1, "since=7d&risk=High": 0} {
		if got := count(q); got != want {
			t.Errorf("findings?%s: %d items, want %d", q, got, want)
		}
	}
}

// logBuffer is a log destination the test reads while handlers write.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *logBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *logBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestAPIStoreFailure: a store that fails is a 500 that tells the client
// nothing of the store (the error goes to the service's log), and /readyz
// says the store does not answer without the driver's message.
func TestAPIStoreFailure(t *testing.T) {
	srv, svc := apiFixture(t)
	var log logBuffer
	svc.Logger = slog.New(slog.NewTextHandler(&log, nil))
	svc.Store.Close()
	for _, path := range []string{"/api/v1/targets", "/api/v1/accounts", "/api/v1/scans", "/api/v1/findings?status=FAIL&since=7d",
		"/api/v1/findings/history?target=prod&account=111111111111&rule=CF-001&resource=D1", "/api/v1/events", "/api/v1/deliveries"} {
		code, body := call(t, srv, "GET", path, "", nil)
		var e struct{ Error string }
		if err := json.Unmarshal(body, &e); err != nil || code != 500 || e.Error != internalErrorMessage {
			t.Errorf("GET %s on a closed store: %d %s, want 500 %q", path, code, body, internalErrorMessage)
		}
		for _, leak := range []string{"sql", "closed", "store:", "api.db"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("GET %s: the body shows %q: %s", path, leak, body)
			}
		}
	}
	if !strings.Contains(log.String(), "sql: database is closed") || !strings.Contains(log.String(), "path=/api/v1/findings") {
		t.Errorf("the store errors are not in the log:\n%s", log.String())
	}
	code, body := call(t, srv, "GET", "/readyz", "", nil)
	if code != 503 || !strings.Contains(string(body), "the store does not answer") || strings.Contains(string(body), "sql") {
		t.Errorf("/readyz on a closed store: %d %s", code, body)
	}
}
