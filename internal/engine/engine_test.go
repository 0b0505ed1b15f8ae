package engine

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

var tree = filepath.Join("testdata", "tree")

// TestJudgePairsVerdicts: each verdict carries the distribution it judges,
// even when two templates use the same logical ID, and suppressions follow
// the distribution (inline) and the ignore list (by file), whatever the order.
func TestJudgePairsVerdicts(t *testing.T) {
	inv, err := iac.Read(context.Background(), iac.Options{Paths: []string{tree}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := settings.Parse("t.yaml", []byte("ignore:\n  - rule: CF-003\n    path: '**/b/*'\n    reason: shop has no config yet\n  - rule: '*'\n    reason: old\n    expires: 2020-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	j := Judge(inv, rules.All(), Settings{File: cfg, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if len(j.Expired) != 1 || j.Expired[0].Reason != "old" {
		t.Errorf("expired %+v, want the entry with reason old", j.Expired)
	}
	want := map[string]struct {
		status     finding.Status
		suppressed string
	}{
		"CF-001 a/cdn.yaml": {finding.Skip, "preview site, retired in Q1"},
		"CF-003 a/cdn.yaml": {finding.Skip, ""},
		"CF-001 b/cdn.yaml": {finding.Fail, ""},
		"CF-003 b/cdn.yaml": {finding.Skip, "shop has no config yet"},
	}
	if len(j.Verdicts) != len(want) {
		t.Fatalf("%d verdicts, want %d (CF-002 is live only)", len(j.Verdicts), len(want))
	}
	for _, v := range j.Verdicts {
		f := v.Finding
		if v.Distribution == nil || v.Distribution.Range.File != f.Location.File || v.Distribution.ID != f.Resource.ID {
			t.Fatalf("%s on %s %s paired with %+v", f.RuleID, f.Resource.ID, f.Location.File, v.Distribution)
		}
		key := f.RuleID + " " + filepath.ToSlash(strings.TrimPrefix(f.Location.File, tree+string(filepath.Separator)))
		w, ok := want[key]
		if !ok {
			t.Errorf("unexpected verdict %s", key)
			continue
		}
		if f.Status != w.status {
			t.Errorf("%s: %s (%s), want %s", key, f.Status, f.Message, w.status)
		}
		if w.suppressed != "" && (f.Suppression == nil || f.Suppression.Reason != w.suppressed) {
			t.Errorf("%s: suppression %+v, want reason %q", key, f.Suppression, w.suppressed)
		}
	}
}

// TestRunIaC: the report carries the verdicts' findings, sorted, with the
// rules that ran and a summary; streamed (judged unit by unit, the default)
// or with the inventory kept, the report is the same.
func TestRunIaC(t *testing.T) {
	var reports []*finding.Report
	for _, keep := range []bool{false, true} {
		res := Run(context.Background(), IaC{Options: iac.Options{Paths: []string{tree}}}, Options{Version: "test", KeepInventory: keep})
		rep := res.Report
		if rep.Source != "iac" || rep.Tool.Version != "test" || len(rep.Rules) != len(rules.All()) {
			t.Errorf("keep %v: report header %q %+v, %d rules", keep, rep.Source, rep.Tool, len(rep.Rules))
		}
		if wantVerdicts := map[bool]int{false: 0, true: len(rep.Findings)}[keep]; len(res.Verdicts) != wantVerdicts || rep.Summary.Total != 4 {
			t.Errorf("keep %v: %d findings, %d verdicts, summary %+v", keep, len(rep.Findings), len(res.Verdicts), rep.Summary)
		}
		wantDists := 0 // streamed: let go once judged
		if keep {
			wantDists = 2
		}
		if len(res.Inventory.Distributions) != wantDists {
			t.Errorf("keep %v: inventory has %d distributions, want %d", keep, len(res.Inventory.Distributions), wantDists)
		}
		if len(rep.Errors) != 0 || rep.ExitCode() != 1 {
			t.Errorf("keep %v: errors %+v, exit %d, want none and 1", keep, rep.Errors, rep.ExitCode())
		}
		rep.StartedAt, rep.FinishedAt, rep.Summary.DurationMS = time.Time{}, time.Time{}, 0
		reports = append(reports, rep)
	}
	if diff := cmp.Diff(reports[1], reports[0]); diff != "" {
		t.Errorf("streamed report differs from the one judged whole (-whole +streamed):\n%s", diff)
	}
}

// TestRunIaCCancelled: a cancelled read still gives a report that says so.
func TestRunIaCCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := Run(ctx, IaC{Options: iac.Options{Paths: []string{tree}}}, Options{}).Report
	if len(rep.Errors) == 0 || !strings.HasPrefix(rep.Errors[len(rep.Errors)-1].Message, "scan interrupted: ") {
		t.Fatalf("errors %+v, want a scan interrupted error", rep.Errors)
	}
}

func demoAccount(t *testing.T) (*emulator.Server, string) {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	if _, err := demo.Seed(context.Background(), live.EndpointConfig(url, nil), emu.AccountID(), emu); err != nil {
		t.Fatal(err)
	}
	return emu, url
}

// TestRunLive: the live source reads the demo account, counts its calls
// for this run only, and the report agrees with the verdicts.
func TestRunLive(t *testing.T) {
	emu, url := demoAccount(t)
	cfg := live.EndpointConfig(url, nil)
	src := live.NewSource(live.Options{Config: cfg})
	res := Run(context.Background(), src, Options{})
	rep := res.Report
	if rep.Account != emu.AccountID() || rep.Source != "aws" {
		t.Errorf("account %q source %q", rep.Account, rep.Source)
	}
	if rep.Summary.APICallsTotal == 0 || rep.Summary.APICalls["cloudfront:ListDistributions"] == 0 {
		t.Errorf("api calls %+v", rep.Summary.APICalls)
	}
	if len(cfg.APIOptions) != 0 {
		t.Errorf("NewLive changed the caller's configuration: %d API options", len(cfg.APIOptions))
	}
	if len(res.Verdicts) != 3*len(res.Inventory.Distributions) {
		t.Errorf("%d verdicts for %d distributions and 3 rules", len(res.Verdicts), len(res.Inventory.Distributions))
	}
	again := Run(context.Background(), live.NewSource(live.Options{Config: cfg}), Options{}).Report
	if again.Summary.APICallsTotal != rep.Summary.APICallsTotal {
		t.Errorf("second run counted %d calls, first %d: counts must be per run", again.Summary.APICallsTotal, rep.Summary.APICallsTotal)
	}
}

// TestRunLiveCancelled: an interrupted live read says how much it covers.
func TestRunLiveCancelled(t *testing.T) {
	_, url := demoAccount(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := Run(ctx, live.NewSource(live.Options{Config: live.EndpointConfig(url, nil)}), Options{}).Report
	if len(rep.Errors) == 0 || !strings.HasPrefix(rep.Errors[len(rep.Errors)-1].Message, "scan interrupted after reading 0 distributions") {
		t.Fatalf("errors %+v, want scan interrupted after reading 0 distributions", rep.Errors)
	}
}
