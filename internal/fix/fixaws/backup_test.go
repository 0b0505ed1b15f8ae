package fixaws

import (
	"context"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// fixTwo creates two random full distributions that need a fix, fixes
// them and returns their IDs, their configs before the fix and the report.
func fixTwo(t *testing.T, cfg aws.Config, dir string) ([]string, map[string]*cftypes.DistributionConfig, *Result) {
	t.Helper()
	cf := cloudfront.NewFromConfig(cfg)
	seedExistingConfigs(t, cfg, []string{"existing"})
	r := rand.New(rand.NewSource(5))
	var ids []string
	before := map[string]*cftypes.DistributionConfig{}
	for i := range 2 {
		c := randomConfig(r, i, []string{"arn:aws:cloudfront::" + account + ":realtime-log-config/existing"})
		c.Enabled = aws.Bool(true)
		c.DefaultCacheBehavior.RealtimeLogConfigArn = nil
		createOACs(t, cf, c)
		out, err := cf.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: c})
		if err != nil {
			t.Fatal(err)
		}
		id := aws.ToString(out.Distribution.Id)
		ids = append(ids, id)
		before[id], _ = getConfig(t, cf, id)
	}
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, dir))
	if err != nil || rep.Summary.Fixed != 2 {
		t.Fatalf("%+v %v", rep, err)
	}
	return ids, before, rep
}

func TestUndo(t *testing.T) {
	_, url := testEmulator(t, emulator.Options{})
	cfg := live.EndpointConfig(url, nil)
	cf := cloudfront.NewFromConfig(cfg)
	dir := t.TempDir()
	ids, before, rep := fixTwo(t, cfg, dir)
	ctx := context.Background()

	// Undo restores exactly the previous config.
	backup := resultOf(t, rep, ids[0]).Backup
	res, err := Undo(ctx, backup, UndoOptions{Config: cfg, BackupRoot: dir})
	if err != nil || res.Status != UndoRestored || res.Forced {
		t.Fatalf("undo: %+v %v", res, err)
	}
	got, etag := getConfig(t, cf, ids[0])
	if diff := cmp.Diff(before[ids[0]], got, cmpSDK); diff != "" {
		t.Errorf("restored config (-before fix +after undo):\n%s", diff)
	}
	if etag != res.ETagAfter {
		t.Errorf("etag %s, result says %s", etag, res.ETagAfter)
	}
	// The config the undo replaced was backed up too.
	sb, err := LoadBackup(res.SafetyBackup)
	if err != nil || sb.Reason != "undo" || sb.ETag != res.ETagBefore || sb.DistributionID != ids[0] {
		t.Errorf("safety backup %+v %v", sb, err)
	}
	// Undoing again changes nothing.
	if res, err := Undo(ctx, backup, UndoOptions{Config: cfg, BackupRoot: dir}); err != nil || res.Status != UndoUnchanged {
		t.Errorf("second undo: %+v %v", res, err)
	}

	// A distribution changed after the fix is not restored without Force.
	if err := setComment(ctx, cf, ids[1], "changed after the fix"); err != nil {
		t.Fatal(err)
	}
	backup = resultOf(t, rep, ids[1]).Backup
	res, err = Undo(ctx, backup, UndoOptions{Config: cfg, BackupRoot: dir})
	if err != nil || res.Status != UndoRefused || !strings.Contains(res.Reason, "--force") || !strings.Contains(res.Reason, "changed after the fix") {
		t.Fatalf("undo of a changed distribution: %+v %v", res, err)
	}
	if c, _ := getConfig(t, cf, ids[1]); aws.ToString(c.Comment) != "changed after the fix" || !allLoggingWhereAbsent(before[ids[1]], c) {
		t.Error("a refused undo changed the distribution")
	}
	res, err = Undo(ctx, backup, UndoOptions{Config: cfg, BackupRoot: dir, Force: true})
	if err != nil || res.Status != UndoRestored || !res.Forced {
		t.Fatalf("forced undo: %+v %v", res, err)
	}
	if c, _ := getConfig(t, cf, ids[1]); !cmp.Equal(before[ids[1]], c, cmpSDK) {
		t.Error("forced undo did not restore the backup")
	}

	// A backup of another account, or an unreadable one, is refused.
	b, _ := LoadBackup(backup)
	b.Account = "999988887777"
	other := filepath.Join(t.TempDir(), "other.json")
	if err := b.Save(other); err != nil {
		t.Fatal(err)
	}
	if _, err := Undo(ctx, other, UndoOptions{Config: cfg, BackupRoot: dir}); err == nil || !strings.Contains(err.Error(), "999988887777") {
		t.Errorf("backup of another account: %v", err)
	}
	os.WriteFile(other, []byte("{}"), 0o600)
	if _, err := Undo(ctx, other, UndoOptions{Config: cfg, BackupRoot: dir}); err == nil {
		t.Error("empty backup accepted")
	}
}

// allLoggingWhereAbsent reports whether every behavior without a config in
// before logs to the default config in after.
func allLoggingWhereAbsent(before, after *cftypes.DistributionConfig) bool {
	for _, b := range configBehaviors(before) {
		if aws.ToString(*behaviorARN(before, b)) == "" && aws.ToString(*behaviorARN(after, b)) != defaultConfigARN {
			return false
		}
	}
	return true
}

// backupChecker fails any UpdateDistribution for which no backup of the
// exact version being replaced is on disk yet.
type backupChecker struct {
	next    http.Handler
	dir     string
	mu      sync.Mutex
	checked int
	errs    []string
}

func (h *backupChecker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/config") {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2020-05-31/distribution/"), "/config")
		files, _ := filepath.Glob(filepath.Join(h.dir, account, id+"-*.json"))
		ok := false
		for _, f := range files {
			if b, err := LoadBackup(f); err == nil && b.ETag == r.Header.Get("If-Match") && b.AppliedETag == "" {
				ok = true
			}
		}
		h.mu.Lock()
		h.checked++
		if !ok {
			h.errs = append(h.errs, "update of "+id+" sent before its backup was written")
		}
		h.mu.Unlock()
	}
	h.next.ServeHTTP(w, r)
}

func TestBackupWrittenBeforeUpdate(t *testing.T) {
	emu, rawURL := testEmulator(t, emulator.Options{})
	seedMany(t, rawURL, 10, "backup")
	dir := t.TempDir()
	h := &backupChecker{next: emu, dir: dir}
	srv := httptest.NewServer(h)
	defer srv.Close()
	cfg := live.EndpointConfig(srv.URL, nil)
	p, err := MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Apply(context.Background(), p, testApplyOptions(cfg, dir))
	if err != nil || !rep.Complete() || rep.Summary.Fixed != 10 {
		t.Fatalf("%+v %v", rep, err)
	}
	if h.checked != 10 || len(h.errs) > 0 {
		t.Errorf("%d updates checked: %v", h.checked, h.errs)
	}
	for _, d := range rep.Distributions {
		fi, err := os.Stat(d.Backup)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: backup %v %v", d.ID, fi, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, account)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("backup directory %v %v", fi, err)
	}
	// Without a place for backups nothing is sent.
	seedMany(t, rawURL, 1, "nobackup")
	p, err = MakePlan(context.Background(), PlanOptions{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o600)
	rep, err = Apply(context.Background(), p, testApplyOptions(cfg, blocker))
	if err != nil || rep.Summary.Failed != 1 || h.checked != 10 {
		t.Errorf("apply without a backup directory: %+v %v, %d updates", rep.Summary, err, h.checked)
	}
}
