package serve

import (
	"bytes"
	stdcmp "cmp"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/auditrole"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/store"
)

// syncBuffer collects a process's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// buildCloudassure builds the command for the tests that run it as processes.
func buildCloudassure(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cloudassure")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/cloudassure").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveEnv is the environment of a serve process in a test: the demo
// Organization's management credentials and nothing from the user's AWS
// configuration, plus extra.
func serveEnv(dir string, extra ...string) []string {
	return append(os.Environ(), append([]string{"AWS_ACCESS_KEY_ID=AKIADEMO", "AWS_SECRET_ACCESS_KEY=demo-secret", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"AWS_PROFILE=", "AWS_ENDPOINT_URL="}, extra...)...)
}

// serveProc is a `cloudassure serve` process of a test.
type serveProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

// startServe starts `cloudassure args...`; the test's end kills it if it still runs.
func startServe(t *testing.T, bin string, env []string, args ...string) *serveProc {
	t.Helper()
	w := &serveProc{cmd: exec.Command(bin, append([]string{"serve"}, args...)...), stderr: &syncBuffer{}, done: make(chan error, 1)}
	w.cmd.Env = env
	w.cmd.Stderr = w.stderr
	w.cmd.Stdout = w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	t.Cleanup(func() { w.cmd.Process.Kill() })
	return w
}

// stop sends SIGTERM and waits: a clean stop exits 0.
func (w *serveProc) stop(t *testing.T) {
	t.Helper()
	w.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-w.done; err != nil {
		t.Errorf("serve %v (pid %d): %v\n%s", w.cmd.Args[2:], w.cmd.Process.Pid, err, w.stderr.String())
	}
}

// TestWorkerKilledMidRound runs three `cloudassure serve --worker-only`
// processes on one PostgreSQL store against the emulator's demo
// Organization (300 ms per API call), the target limited to one scan at a
// time across them, kills the one scanning with SIGKILL, and checks that
// its scan slot frees up (the other accounts are scanned once its lease
// runs out), that no two scans ever overlapped, that the round still scans
// every account exactly once (River rescues the job and another worker
// runs it), and that every alert arrives exactly once.
func TestWorkerKilledMidRound(t *testing.T) {
	stores := testStores(t)
	dsn, ok := stores["postgres"]
	if !ok {
		t.Skip("needs PostgreSQL (runs in CI)")
	}
	bin := buildCloudassure(t)
	ctx := t.Context()
	d, err := StartDemo(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Emulator.SetFaults(emulator.Faults{Latency: 300 * time.Millisecond})
	hook := &hookSink{secret: []byte("kill-secret")}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()

	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "serve.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`store: %q
rescue_after: 40s
slot_lease: 5s
concurrency: 2
targets:
  - name: demo-org
    concurrency: 1
    org: true
    role_name: %s
    endpoint_url: %s
    region: us-east-1
    timeout: 9s
    schedule: "0 0 1 1 *"
alerts:
  - name: hook
    type: webhook
    url_env: KILL_HOOK_URL
    secret_env: KILL_HOOK_SECRET
`, dsn, auditrole.Name, d.URL)), 0o600)
	env := serveEnv(dir, "KILL_HOOK_URL="+hookSrv.URL, "KILL_HOOK_SECRET=kill-secret")
	var workers []*serveProc
	for range 3 {
		workers = append(workers, startServe(t, bin, env, "--worker-only", "--config", cfgPath, "-v"))
	}
	st := openStore(t, dsn)

	// Kill the worker holding the target's one scan slot, while it scans.
	var victim *serveProc
	deadline := time.Now().Add(90 * time.Second)
	waitFor(t, "a scan to hold the target's slot", func() bool {
		for _, w := range workers {
			select {
			case err := <-w.done:
				t.Fatalf("worker %d exited: %v\n%s", w.cmd.Process.Pid, err, w.stderr.String())
			default:
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scan job ran; worker 0:\n%s", workers[0].stderr.String())
		}
		var by string
		err := st.DB().QueryRow(`SELECT holder FROM target_slots
			WHERE target = 'demo-org' AND expires_at > (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT`).Scan(&by)
		if err != nil {
			return false
		}
		for _, w := range workers {
			if strings.Contains(by, "-"+strconv.Itoa(w.cmd.Process.Pid)+"-") {
				victim = w
			}
		}
		return victim != nil
	})
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	var killed int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'cloudassure_scan' AND state = 'running'
		AND attempted_by[array_length(attempted_by, 1)] LIKE $1`, "%-"+strconv.Itoa(victim.cmd.Process.Pid)+"-%").Scan(&killed); err != nil || killed == 0 {
		t.Fatalf("scans running on the killed worker: %d, %v", killed, err)
	}

	// The slot frees up once the killed worker's lease runs out: the other
	// three accounts are scanned (before the rescue, after 40 s, brings back
	// the killed scan).
	waitFor(t, "3 scans after the kill (the slot's lease ran out)", func() bool {
		p, err := st.ListScans(ctx, store.ScanFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Items) >= 3
	})
	// The round completes: every account once.
	waitFor(t, "the round's 4 scans (after the rescue)", func() bool {
		p, err := st.ListScans(ctx, store.ScanFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Items) >= 4
	})
	waitIdle(t, st)
	p, err := st.ListScans(ctx, store.ScanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var accounts []string
	for _, s := range p.Items {
		accounts = append(accounts, s.AccountID)
	}
	slices.Sort(accounts)
	if len(accounts) != 4 || len(slices.Compact(slices.Clone(accounts))) != 4 {
		t.Errorf("scans recorded: %v, want each of 4 accounts once", accounts)
	}
	if n := maxConcurrentScans(t, st, "demo-org"); n != 1 {
		t.Errorf("at most %d scans of the target at once, want 1 (its concurrency)", n)
	}
	waitFor(t, "the target's scan slots to be free (released, or the killed worker's lease run out)", func() bool {
		n, err := st.HeldSlots(ctx, "demo-org")
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
	var rescued int
	st.DB().QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'cloudassure_scan' AND attempt > 1`).Scan(&rescued)
	if rescued != killed {
		t.Errorf("%d scan jobs ran more than once, want %d (those of the killed worker)", rescued, killed)
	}
	round := p.Items[0].RoundID
	e := &e2e{t: t, st: st, hook: hook, mail: &mailSink{}}
	e.waitDelivered(round, 1, 0)
	want := e.roundEvents(round)
	if len(want) == 0 {
		t.Fatal("no events")
	}
	if diff := cmp.Diff(want, hook.events(round)); diff != "" {
		t.Errorf("webhook events (-store +received):\n%s", diff)
	}
	hook.mu.Lock()
	seen := map[string]bool{}
	for _, m := range hook.messages {
		if seen[m.DeliveryID] {
			t.Errorf("delivery %s received twice", m.DeliveryID)
		}
		seen[m.DeliveryID] = true
	}
	hook.mu.Unlock()

	// The others stop cleanly on SIGTERM.
	for _, w := range workers {
		if w == victim {
			continue
		}
		w.stop(t)
	}
	if t.Failed() {
		for _, w := range workers {
			t.Logf("worker %d stderr:\n%s", w.cmd.Process.Pid, w.stderr.String())
		}
	}
}

// maxConcurrentScans is the most scans of target the store recorded as
// running at one moment (each from its start to its end, in milliseconds).
func maxConcurrentScans(t *testing.T, st *store.Store, target string) int {
	t.Helper()
	rows, err := st.DB().Query(`SELECT started_at, finished_at FROM scans WHERE target = $1`, target)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type edge struct {
		at    int64
		delta int
	}
	var edges []edge
	for rows.Next() {
		var start, end int64
		if err := rows.Scan(&start, &end); err != nil {
			t.Fatal(err)
		}
		edges = append(edges, edge{start, 1}, edge{end, -1})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// An end at the moment of a start comes first: [start, end) intervals.
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return stdcmp.Compare(a.at, b.at)
		}
		return stdcmp.Compare(a.delta, b.delta)
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}
