package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

// historyStore is a SQLite store with three scans of one account.
func historyStore(t *testing.T) string {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "h.db")
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := func(id string, s finding.Status) finding.Finding {
		return finding.Finding{RuleID: "CF-001", Status: s, Risk: "Medium", Message: id + " " + string(s), Resource: finding.Resource{Type: "AWS::CloudFront::Distribution", ID: id}}
	}
	t0 := time.Now().Add(-48 * time.Hour).UTC()
	for i, fs := range [][]finding.Finding{
		{f("E1", finding.Fail), f("E2", finding.Pass)},
		{f("E1", finding.Pass), f("E2", finding.Pass)},
		{f("E1", finding.Pass), f("E2", finding.Fail)},
	} {
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		if _, err := st.RecordScan(ctx, store.ScanRecord{Target: "prod", AccountID: "111122223333", StartedAt: at, FinishedAt: at.Add(time.Second), Complete: true, Findings: fs}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return dsn
}

func TestHistoryAndFindingsCommands(t *testing.T) {
	dsn := historyStore(t)
	r := runFix(t, "", "history", "--store", dsn, "--format", "json")
	var evs []store.Event
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &evs) != nil {
		t.Fatalf("history json: %d %s %s", r.code, r.stdout, r.stderr)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind)+" "+e.ResourceID)
	}
	if strings.Join(kinds, ",") != "regression E2,resolved E1,new_failure E1" {
		t.Errorf("history = %v", kinds)
	}
	r = runFix(t, "", "history", "--store", dsn, "--since", "30h", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][1] != "EVENT" {
		t.Errorf("history --since 30h csv: %v %v %s", rows, err, r.stderr)
	}
	r = runFix(t, "", "history", "--store", dsn, "--status", "FAIL", "--account", "111122223333")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 3 || !strings.Contains(r.stdout, "regression") || strings.Contains(r.stdout, "resolved") {
		t.Errorf("history --status FAIL table:\n%s%s", r.stdout, r.stderr)
	}
	r = runFix(t, "", "findings", "--store", dsn, "--status", "FAIL", "--format", "json")
	var fs []store.Finding
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &fs) != nil || len(fs) != 1 || fs[0].ResourceID != "E2" {
		t.Errorf("findings --status FAIL: %d %s %s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"findings", "--store", dsn, "--format", "xml"},
		{"findings", "--store", dsn, "--risk", "Severe"},
		{"history", "--store", dsn, "--since", "yesterday"},
		{"history", "--store", "sqlite:" + filepath.Join(t.TempDir(), "none.db")},
	} {
		if r := runFix(t, "", args...); r.code == 0 {
			t.Errorf("%v: exit 0, want an error", args)
		}
	}
	// A filter value that can match nothing is a mistake, not an empty list.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"findings", "--status", "FAILED"}, `--status: "FAILED" is not one of FAIL, ERROR, PASS, SKIP`},
		{[]string{"history", "--status", "fial"}, `--status: "fial" is not one of FAIL, ERROR, PASS, SKIP, DELETED`},
		{[]string{"history", "--kind", "new_failure,regresion"}, `--kind: "regresion" is not one of new_failure, regression`},
	} {
		r := runFix(t, "", append(tt.args, "--store", dsn)...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2 and %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
}

// TestFindingsCommandFilters: the findings command takes the API's filters
// (since, suppressed, stale, include-deleted, risk) and pages through the
// store with them.
func TestFindingsCommandFilters(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "f.db")
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := func(id, risk string, s finding.Status) finding.Finding {
		return finding.Finding{RuleID: "CF-001", Status: s, Risk: risk, Message: id, Resource: finding.Resource{Type: "AWS::CloudFront::Distribution", ID: id}}
	}
	sup := f("E2", "High", finding.Fail)
	sup.Suppression = &finding.Suppression{Reason: "accepted", Source: ".cloudassure.yaml"}
	t0 := time.Now().Add(-72 * time.Hour).UTC()
	// Three days ago E1..E4 appear; a day ago E1 regresses and E4 is gone.
	for i, fs := range [][]finding.Finding{
		{f("E1", "Medium", finding.Pass), sup, f("E3", "Low", finding.Fail), f("E4", "Medium", finding.Fail)},
		{f("E1", "Medium", finding.Fail), sup, f("E3", "Low", finding.Fail)},
	} {
		at := t0.Add(time.Duration(i) * 48 * time.Hour)
		if _, err := st.RecordScan(ctx, store.ScanRecord{Target: "prod", AccountID: "111122223333", StartedAt: at, FinishedAt: at.Add(time.Second), Complete: true, Findings: fs}, nil); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "E1 E2 E3"},
		{[]string{"--since", "2d"}, "E1"},
		{[]string{"--since", "4d"}, "E1 E2 E3"},
		{[]string{"--since", "2d", "--include-deleted"}, "E1 E4"},
		{[]string{"--include-deleted"}, "E1 E2 E3 E4"},
		{[]string{"--suppressed"}, "E2"},
		{[]string{"--suppressed=false"}, "E1 E3"},
		{[]string{"--risk", "medium"}, "E1 E2"},
		{[]string{"--status", "fail", "--risk", "Low", "--limit", "2"}, "E1 E2"},
		{[]string{"--resource", "E3", "--rule", "CF-001", "--account", "111122223333", "--target", "prod"}, "E3"},
		{[]string{"--stale"}, ""},
	} {
		r := runFix(t, "", append([]string{"findings", "--store", dsn, "--format", "json"}, tt.args...)...)
		var fs []store.Finding
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &fs) != nil {
			t.Errorf("findings %v: %d %s %s", tt.args, r.code, r.stdout, r.stderr)
			continue
		}
		var ids []string
		for _, x := range fs {
			ids = append(ids, x.ResourceID)
		}
		if got := strings.Join(ids, " "); got != tt.want {
			t.Errorf("findings %v = %q, want %q", tt.args, got, tt.want)
		}
	}
	// Nothing matching is an empty list, in JSON too.
	for _, args := range [][]string{{"findings", "--risk", "Critical"}, {"history", "--kind", "suppression_expired"}} {
		r := runFix(t, "", append(args, "--store", dsn, "--format", "json")...)
		if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
			t.Errorf("%v --format json: exit %d, stdout %q, want []", args, r.code, r.stdout)
		}
	}
	r := runFix(t, "", "findings", "--store", dsn, "--risk", "Severe")
	if r.code != 2 || !strings.Contains(r.stderr, `--risk: "Severe" is not one of Low, Medium, High, Critical`) {
		t.Errorf("findings --risk Severe: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runFix(t, "", "history", "--store", dsn, "--risk", "Medium", "--status", "FAIL", "--format", "json")
	var evs []store.Event
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &evs) != nil {
		t.Fatalf("history --risk Medium --status FAIL: %d %s %s", r.code, r.stdout, r.stderr)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind)+" "+e.ResourceID)
	}
	if got := strings.Join(kinds, ","); got != "regression E1,new_failure E4,suppressed E2" {
		t.Errorf("history --risk Medium --status FAIL = %s", got)
	}
}
