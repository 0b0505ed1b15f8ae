package iac_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/report"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/source/iac"
)

// render writes rep in every format, times blanked.
func render(t *testing.T, rep *finding.Report) map[string][]byte {
	t.Helper()
	rep.StartedAt, rep.FinishedAt, rep.Summary.DurationMS = time.Time{}, time.Time{}, 0
	out := map[string][]byte{}
	for _, name := range report.Formats() {
		rp, err := report.New(name, report.Options{Rules: rep.Rules, Width: 100})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := rp.Write(&b, rep); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.Bytes()
	}
	return out
}

// TestScanOnDisk: a streamed scan whose findings go to a temporary file
// (runs of one, two and three findings, so several runs are merged) renders
// byte for byte as the one that keeps them in memory, in every format, and
// leaves nothing in its directory once closed.
func TestScanOnDisk(t *testing.T) {
	for _, root := range []string{filepath.Join("testdata", "tree"), filepath.Join("testdata", "parity"), filepath.Join("..", "..", "engine", "testdata", "tree"), filepath.Join("..", "cloudformation", "testdata")} {
		t.Run(root, func(t *testing.T) {
			run := func(runLen int, dir string) *finding.Report {
				return engine.Run(context.Background(), engine.IaC{Options: iac.Options{Paths: []string{root}}},
					engine.Options{Rules: rules.All(), Version: "test", RunLen: runLen, TempDir: dir}).Report
			}
			mem := run(0, t.TempDir())
			if mem.OnDisk() || mem.NumFindings() == 0 {
				t.Fatalf("in memory: on disk %v, %d findings", mem.OnDisk(), mem.NumFindings())
			}
			want := render(t, mem)
			for _, runLen := range []int{1, 2, 3} {
				if runLen >= mem.NumFindings() {
					continue // all in memory
				}
				dir := t.TempDir()
				rep := run(runLen, dir)
				rep.Summary.DurationMS = 0
				if !rep.OnDisk() {
					t.Fatalf("run length %d: findings not on disk", runLen)
				}
				if rep.NumFindings() != mem.NumFindings() || !reflect.DeepEqual(rep.Summary, mem.Summary) || rep.ExitCode() != mem.ExitCode() {
					t.Errorf("run length %d: %d findings, summary %+v, exit %d; in memory %d, %+v, %d", runLen,
						rep.NumFindings(), rep.Summary, rep.ExitCode(), mem.NumFindings(), mem.Summary, mem.ExitCode())
				}
				for name, got := range render(t, rep) {
					if !bytes.Equal(got, want[name]) {
						t.Errorf("run length %d: %s output differs from the scan kept in memory:\n%s", runLen, name, got)
					}
				}
				if err := rep.Close(); err != nil {
					t.Fatal(err)
				}
				if es, _ := os.ReadDir(dir); len(es) != 0 {
					t.Errorf("run length %d: %d files left in the temporary directory", runLen, len(es))
				}
			}
		})
	}
}

// TestScanTempDirMissing: findings that cannot be kept (no such temporary
// directory) are one error in the report, which then lists none and exits
// 2, not a report that silently lacks them.
func TestScanTempDirMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	rep := engine.Run(context.Background(), engine.IaC{Options: iac.Options{Paths: []string{filepath.Join("testdata", "tree")}}},
		engine.Options{RunLen: 1, TempDir: dir}).Report
	defer rep.Close()
	if rep.NumFindings() != 0 || rep.ExitCode() != 2 {
		t.Errorf("%d findings, exit %d; want none and 2", rep.NumFindings(), rep.ExitCode())
	}
	var found bool
	for _, e := range rep.Errors {
		if e.Operation == "keep findings" && bytes.Contains([]byte(e.Message), []byte(dir)) {
			found = true
		}
		if bytes.HasPrefix([]byte(e.Message), []byte("scan interrupted")) {
			t.Errorf("error %q: the scan was stopped for the temporary file, not interrupted", e.Message)
		}
	}
	if !found {
		t.Errorf("errors %+v: want one for the temporary directory %s", rep.Errors, dir)
	}
}
