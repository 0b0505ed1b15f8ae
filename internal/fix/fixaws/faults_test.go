package fixaws

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// updateFault answers the first UpdateDistribution (or times of them) with a CloudFront error;
// with write set, the emulator applies the update first (the response is lost
// after the write).
type updateFault struct {
	next   http.Handler
	status int
	code   string
	write  bool
	// times is how many updates fail (0: the first; always: every one).
	times int
	calls atomic.Int64
}

func (f *updateFault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut || !strings.HasSuffix(r.URL.Path, "/config") {
		f.next.ServeHTTP(w, r)
		return
	}
	if n := f.calls.Add(1); f.times != always && n > int64(max(f.times, 1)) {
		f.next.ServeHTTP(w, r)
		return
	}
	if f.write {
		f.next.ServeHTTP(httptest.NewRecorder(), r)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(f.status)
	w.Write([]byte(`<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Receiver</Type><Code>` +
		f.code + `</Code><Message>injected</Message></Error><RequestId>r1</RequestId></ErrorResponse>`))
}

// faultyAccount is one distribution lacking logs behind f, with its plan made
// through the fault-free endpoint.
func faultyAccount(t *testing.T, f *updateFault) (cfgURL string, id string, p *fixplan.Plan) {
	t.Helper()
	emu, url := testEmulator(t, emulator.Options{})
	id = seedMany(t, url, 1, "lost")[0]
	f.next = emu
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	p, err := MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(url, nil)})
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL, id, p
}

// TestUpdateResponseLost: an update CloudFront applied but whose response
// was lost (a 5xx after the write) is reported fixed once a re-read shows the
// ARNs, and its backup records the applied ETag; with the SDK's retries (the
// retry then gets PreconditionFailed) and without.
func TestUpdateResponseLost(t *testing.T) {
	for _, attempts := range []int{1, 3} {
		f := &updateFault{status: 500, code: "InternalError", write: true}
		url, id, p := faultyAccount(t, f)
		cfg := retryingConfig(t, url, nil, attempts)
		rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		r := resultOf(t, rep, id)
		_, etag := getConfig(t, cloudfront.NewFromConfig(cfg), id)
		if r.Status != StatusFixed || r.ETagAfter != etag || !strings.Contains(r.Reason, "response was lost") || !rep.Complete() {
			t.Errorf("%d attempts: %s (%s), etag after %q, now %q", attempts, r.Status, r.Reason, r.ETagAfter, etag)
		}
		b, err := LoadBackup(r.Backup)
		if err != nil || b.AppliedETag != etag {
			t.Errorf("%d attempts: backup %v, applied etag %q, want %q", attempts, err, b.AppliedETag, etag)
		}
	}
}

// TestFailedUpdateLeavesNoBackup: an update that never happened (a client
// error, or server errors before the write until the attempts ran out)
// leaves no backup behind.
func TestFailedUpdateLeavesNoBackup(t *testing.T) {
	for _, tc := range []struct {
		f     *updateFault
		calls int // UpdateDistribution requests
	}{
		{&updateFault{status: 400, code: "InvalidArgument"}, 1},
		{&updateFault{status: 503, code: "ServiceUnavailable", times: always}, MaxAttempts},
	} {
		url, id, p := faultyAccount(t, tc.f)
		dir := t.TempDir()
		o := testApplyOptions(retryingConfig(t, url, nil, 1), dir)
		o.readBackoff = noPause
		rep, err := Apply(context.Background(), p, o)
		if err != nil {
			t.Fatal(err)
		}
		r := resultOf(t, rep, id)
		if r.Status != StatusFailed || r.Backup != "" || !strings.Contains(r.Reason, "not changed") {
			t.Errorf("%s: %s (%s), backup %q", tc.f.code, r.Status, r.Reason, r.Backup)
		}
		if n := int(tc.f.calls.Load()); n != tc.calls {
			t.Errorf("%s: %d updates sent, want %d", tc.f.code, n, tc.calls)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*", id+"-*.json"))
		if len(files) != 0 {
			t.Errorf("%s: backups of an update that did not happen: %v", tc.f.code, files)
		}
	}
}

// TestUpdateNotAppliedIsSentAgain: an update that failed with a server
// error, and that a re-read shows was not applied, is sent again (after a
// fresh read, with its ETag); the distribution is fixed with one backup.
func TestUpdateNotAppliedIsSentAgain(t *testing.T) {
	f := &updateFault{status: 503, code: "ServiceUnavailable"}
	url, id, p := faultyAccount(t, f)
	dir := t.TempDir()
	o := testApplyOptions(retryingConfig(t, url, nil, 1), dir)
	o.readBackoff = noPause
	rep, err := Apply(context.Background(), p, o)
	if err != nil {
		t.Fatal(err)
	}
	r := resultOf(t, rep, id)
	if r.Status != StatusFixed || r.Attempts != 2 || f.calls.Load() != 2 || !rep.Complete() {
		t.Errorf("%s (%s) after %d attempts, %d updates sent", r.Status, r.Reason, r.Attempts, f.calls.Load())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", id+"-*.json"))
	if len(files) != 1 || r.Backup != files[0] {
		t.Errorf("backups %v, reported %q", files, r.Backup)
	}
}

// TestBackupNamesFromValidIDs: a distribution ID that is not in the AWS
// format never becomes part of a path; the update is refused.
func TestBackupNamesFromValidIDs(t *testing.T) {
	_, url := testEmulator(t, emulator.Options{})
	seedMany(t, url, 1, "ids")
	p, err := MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(url, nil)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Changes {
		if d := p.Changes[i].Distribution; d != nil {
			d.ID = "../../escaped"
		}
	}
	root := t.TempDir()
	dir := filepath.Join(root, "backups")
	rep, err := Apply(context.Background(), p, testApplyOptions(live.EndpointConfig(url, nil), dir))
	if err == nil {
		r := resultOf(t, rep, "../../escaped")
		if r.Status != StatusFailed || !strings.Contains(r.Reason, "refusing distribution ID") {
			t.Errorf("%s (%s)", r.Status, r.Reason)
		}
	}
	if _, serr := os.Stat(filepath.Join(root, "escaped-")); serr == nil {
		t.Error("a backup was written outside the backup directory")
	}
	matches, _ := filepath.Glob(filepath.Join(root, "*escaped*"))
	if len(matches) != 0 {
		t.Errorf("files outside the backup directory: %v", matches)
	}
	for _, tc := range []struct{ account, id string }{{"../111122223333", "E1"}, {"11112222333", "E1"}, {"111122223333", "e1"}, {"111122223333", "E1/../x"}} {
		_, aerr := backupDir(t.TempDir(), tc.account)
		_, perr := backupPath(t.TempDir(), tc.id, "x")
		if aerr == nil && perr == nil {
			t.Errorf("account %q and ID %q accepted", tc.account, tc.id)
		}
	}
}

// listFault fails every ListDistributions call for a page after the first.
type listFault struct{ next http.Handler }

func (f listFault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/distribution") && r.URL.Query().Get("Marker") != "" {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`<?xml version="1.0"?><ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>injected</Message></Error><RequestId>r2</RequestId></ErrorResponse>`))
		return
	}
	f.next.ServeHTTP(w, r)
}

// TestPlanNotAllOrNothing: when the list of distributions breaks off, the
// distributions read are planned and fixed; the rest, and each named one that
// could not be read, are reported failed with the reason.
func TestPlanNotAllOrNothing(t *testing.T) {
	emu, url := testEmulator(t, emulator.Options{})
	ids := seedMany(t, url, 105, "paged")
	srv := httptest.NewServer(listFault{emu})
	t.Cleanup(srv.Close)
	cfg := retryingConfig(t, srv.URL, nil, 2)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg, readBackoff: noPause})
	if err != nil {
		t.Fatalf("planning aborted: %v", err)
	}
	if n := p.Counts()[fixplan.Update]; n != 100 {
		t.Errorf("%d updates planned, want the 100 listed", n)
	}
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Fixed != 100 || rep.Summary.Failed != 1 || rep.Complete() {
		t.Errorf("summary %+v", rep.Summary)
	}
	failed := resultOf(t, rep, "")
	if failed.Status != StatusFailed || !strings.Contains(failed.Reason, "ServiceUnavailable") {
		t.Errorf("the rest: %+v", failed)
	}
	// Named distributions not reached by the list are each reported failed.
	var unlisted []string
	for _, id := range ids {
		found := false
		for _, d := range rep.Distributions {
			found = found || d.ID == id
		}
		if !found {
			unlisted = append(unlisted, id)
		}
	}
	if len(unlisted) != 5 {
		t.Fatalf("%d distributions not listed, want 5", len(unlisted))
	}
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg, Distributions: unlisted[:2], readBackoff: noPause})
	if err != nil {
		t.Fatalf("planning named distributions aborted: %v", err)
	}
	for _, c := range changesOf(p, fixplan.TypeDistribution) {
		if c.Distribution.Skip != fixplan.SkipUnread || !strings.Contains(c.Error, "could not be read") {
			t.Errorf("%s: %+v", c.Resource.ID, c)
		}
	}
}

// reReadFault throttles the given number of GetDistributionConfig calls made
// after the first UpdateDistribution: the re-read that tells whether an
// update whose response was lost was applied.
type reReadFault struct {
	next    http.Handler
	updates *updateFault
	mu      sync.Mutex
	left    int
}

func (f *reReadFault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	fail := f.updates.calls.Load() > 0 && operation(r) == "GetDistributionConfig" && f.left > 0
	if fail {
		f.left--
	}
	f.mu.Unlock()
	if !fail {
		f.next.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte(`<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>injected</Message></Error><RequestId>r5</RequestId></ErrorResponse>`))
}

// TestUpdateOutcomeReReadRetried: the re-read that tells whether an update
// that failed with a server error was applied is made again when throttled
// past the SDK's attempts (ReadRounds in all), so the outcome is known: an
// applied update is fixed, one not applied is sent again and fixed.
func TestUpdateOutcomeReReadRetried(t *testing.T) {
	for _, write := range []bool{true, false} {
		emu, u := testEmulator(t, emulator.Options{})
		id := seedMany(t, u, 1, "reread")[0]
		p, err := MakePlan(context.Background(), PlanOptions{Config: live.EndpointConfig(u, nil)})
		if err != nil {
			t.Fatal(err)
		}
		f := &updateFault{next: emu, status: 503, code: "ServiceUnavailable", write: write}
		srv := httptest.NewServer(&reReadFault{next: f, updates: f, left: ReadRounds - 1})
		t.Cleanup(srv.Close)
		o := testApplyOptions(retryingConfig(t, srv.URL, nil, 1), t.TempDir())
		o.readBackoff = noPause
		rep, err := Apply(context.Background(), p, o)
		if err != nil {
			t.Fatal(err)
		}
		r := resultOf(t, rep, id)
		if r.Status != StatusFixed || r.Backup == "" || !rep.Complete() {
			t.Errorf("written %v: %s (%s), backup %q", write, r.Status, r.Reason, r.Backup)
		}
	}
}
