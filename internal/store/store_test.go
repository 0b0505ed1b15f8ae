package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
)

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func fnd(rule, res string, status finding.Status) finding.Finding {
	return finding.Finding{
		RuleID: rule, Title: rule + " title", Status: status, Risk: "Medium", Message: rule + " on " + res + " is " + string(status),
		Resource:  finding.Resource{Type: "AWS::CloudFront::Distribution", ID: res, ARN: "arn:aws:cloudfront::111111111111:distribution/" + res},
		Behaviors: []finding.Behavior{{PathPattern: "*", Default: true, State: "absent"}},
	}
}

func suppressed(f finding.Finding) finding.Finding {
	f.Suppression = &finding.Suppression{Reason: "accepted", Source: ".cloudassure.yaml"}
	return f
}

func rec(round int, complete bool, fs ...finding.Finding) ScanRecord {
	start := t0.Add(time.Duration(round) * time.Hour)
	return ScanRecord{
		Target: "prod", AccountID: "111111111111", AccountName: "prod", RoundID: fmt.Sprintf("prod@%d", round),
		StartedAt: start, FinishedAt: start.Add(2 * time.Second), Complete: complete,
		Findings: fs, APICalls: map[string]int{"ListDistributions": 1},
	}
}

func kinds(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind)+" "+e.RuleID+" "+e.ResourceID)
	}
	return out
}

func TestMigrate(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		if err := st.Migrate(ctx); err != nil { // a second time is a no-op
			t.Fatal(err)
		}
		v, err := st.SchemaVersion(ctx)
		if err != nil || v != LatestVersion() || v < 1 {
			t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, LatestVersion())
		}
		if err := st.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DB().ExecContext(ctx, `DELETE FROM schema_migrations`); err != nil {
			t.Fatal(err)
		}
		if err := st.Ready(ctx); err == nil {
			t.Fatal("Ready with no migrations recorded: want an error")
		}
	})
}

func TestOpenErrors(t *testing.T) {
	for _, dsn := range []string{"", "mysql://x", "sqlite:"} {
		if _, err := Open(context.Background(), dsn); err == nil {
			t.Errorf("Open(%q): want an error", dsn)
		}
	}
	if got := Redact("postgres://u:secret@h/db"); got != "postgres://u:xxxxx@h/db" {
		t.Errorf("Redact = %q", got)
	}
}

// TestTransitions drives one account through a sequence of scans and checks
// the events each scan records.
func TestTransitions(t *testing.T) {
	steps := []struct {
		name     string
		complete bool
		findings []finding.Finding
		want     []string
	}{
		{"first scan", true, []finding.Finding{fnd("CF-001", "D1", finding.Fail), fnd("CF-001", "D2", finding.Pass), fnd("CF-002", "D1", finding.Error)},
			[]string{"new_failure CF-001 D1", "error CF-002 D1"}},
		{"nothing changed", true, []finding.Finding{fnd("CF-001", "D1", finding.Fail), fnd("CF-001", "D2", finding.Pass), fnd("CF-002", "D1", finding.Error)},
			nil},
		{"fix and regression", true, []finding.Finding{fnd("CF-001", "D1", finding.Pass), fnd("CF-001", "D2", finding.Fail), fnd("CF-002", "D1", finding.Pass)},
			[]string{"resolved CF-001 D1", "regression CF-001 D2"}},
		{"error then back to the old result", true, []finding.Finding{fnd("CF-001", "D1", finding.Error), fnd("CF-001", "D2", finding.Fail), fnd("CF-002", "D1", finding.Pass)},
			[]string{"error CF-001 D1"}},
		{"back", true, []finding.Finding{fnd("CF-001", "D1", finding.Pass), fnd("CF-001", "D2", finding.Fail), fnd("CF-002", "D1", finding.Pass)},
			nil},
		{"suppressed", true, []finding.Finding{fnd("CF-001", "D1", finding.Pass), suppressed(fnd("CF-001", "D2", finding.Fail)), fnd("CF-002", "D1", finding.Pass)},
			[]string{"suppressed CF-001 D2"}},
		{"suppression expired", true, []finding.Finding{fnd("CF-001", "D1", finding.Pass), fnd("CF-001", "D2", finding.Fail), fnd("CF-002", "D1", finding.Pass)},
			[]string{"suppression_expired CF-001 D2"}},
		{"partial scan resolves nothing", false, []finding.Finding{fnd("CF-001", "D1", finding.Pass)},
			nil},
		{"distribution deleted", true, []finding.Finding{fnd("CF-001", "D1", finding.Pass), fnd("CF-002", "D1", finding.Pass)},
			[]string{"resource_deleted CF-001 D2"}},
		{"distribution back", true, []finding.Finding{fnd("CF-001", "D1", finding.Pass), fnd("CF-001", "D2", finding.Fail), fnd("CF-002", "D1", finding.Pass)},
			[]string{"new_failure CF-001 D2"}},
	}
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for i, step := range steps {
			res, err := st.RecordScan(ctx, rec(i, step.complete, step.findings...), nil)
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			got := kinds(res.Events)
			if diff := cmp.Diff(step.want, got); diff != "" {
				t.Errorf("%s: events (-want +got):\n%s", step.name, diff)
			}
		}
		hist, err := st.FindingHistory(ctx, Key{Target: "prod", AccountID: "111111111111", RuleID: "CF-001", ResourceID: "D2"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"regression", "suppressed", "suppression_expired", "resource_deleted", "new_failure"}
		var got []string
		for _, e := range hist {
			got = append(got, string(e.Kind))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("history of D2 (-want +got):\n%s", diff)
		}
		if hist[0].FromStatus != "PASS" || hist[0].ToStatus != "FAIL" || hist[0].Detail.Behaviors[0].PathPattern != "*" {
			t.Errorf("regression event = %+v", hist[0])
		}
	})
}

// TestUnchangedRoundWritesOnlyTotals: an hourly round in which nothing
// changed writes one row per account scan, and last_seen still moves.
func TestUnchangedRoundWritesOnlyTotals(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		var fs []finding.Finding
		for i := range 50 {
			fs = append(fs, fnd("CF-001", fmt.Sprintf("D%02d", i), finding.Status([]string{"PASS", "FAIL"}[i%2])))
		}
		first, err := st.RecordScan(ctx, rec(0, true, fs...), nil)
		if err != nil {
			t.Fatal(err)
		}
		if first.RowsWritten != 1+1+50+25 { // account, totals, findings, new_failure events
			t.Errorf("first scan wrote %d rows, want %d", first.RowsWritten, 1+1+50+25)
		}
		before := countRows(t, st)
		for round := 1; round <= 3; round++ {
			res, err := st.RecordScan(ctx, rec(round, true, fs...), nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.RowsWritten != 1 || len(res.Events) != 0 {
				t.Errorf("round %d: wrote %d rows and %d events, want 1 and 0", round, res.RowsWritten, len(res.Events))
			}
		}
		after := countRows(t, st)
		before["scans"] += 3
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("row counts (-want +got):\n%s", diff)
		}
		f, ok, err := st.GetFinding(ctx, Key{"prod", "111111111111", "CF-001", "D01"})
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		if wantSeen := t0.Add(3*time.Hour + 2*time.Second); !f.LastSeen.Equal(wantSeen) || !f.FirstSeen.Equal(t0.Add(2*time.Second)) {
			t.Errorf("first/last seen = %v / %v, want %v / %v", f.FirstSeen, f.LastSeen, t0.Add(2*time.Second), wantSeen)
		}
	})
}

func countRows(t *testing.T, st *Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tab := range []string{"accounts", "scans", "findings", "events", "deliveries"} {
		var n int
		if err := st.DB().QueryRow("SELECT COUNT(*) FROM " + tab).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tab] = n
	}
	return out
}

// TestPartialScan: findings a partial scan did not re-check keep their state
// and become stale; a complete scan later makes them fresh again.
func TestPartialScan(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		all := []finding.Finding{fnd("CF-001", "D1", finding.Fail), fnd("CF-001", "D2", finding.Fail), fnd("CF-002", "D1", finding.Fail)}
		if _, err := st.RecordScan(ctx, rec(0, true, all...), nil); err != nil {
			t.Fatal(err)
		}
		partial := rec(1, false, fnd("CF-001", "D1", finding.Fail))
		partial.Errors = []finding.ScanError{{Message: "AccessDenied", Operation: "ListRealtimeLogConfigs", Code: "AccessDenied"}}
		res, err := st.RecordScan(ctx, partial, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Events) != 0 {
			t.Errorf("partial scan recorded events %v", kinds(res.Events))
		}
		page, err := st.ListFindings(ctx, FindingFilter{Target: "prod"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range page.Items {
			got[f.RuleID+" "+f.ResourceID] = fmt.Sprintf("%s stale=%v seen=%s", f.Status, f.Stale, f.LastSeen.Format("15:04:05"))
		}
		want := map[string]string{
			"CF-001 D1": "FAIL stale=false seen=11:00:02",
			"CF-001 D2": "FAIL stale=true seen=10:00:02",
			"CF-002 D1": "FAIL stale=true seen=10:00:02",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("findings after a partial scan (-want +got):\n%s", diff)
		}
		scans, err := st.ListScans(ctx, ScanFilter{Target: "prod", Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if s := scans.Items[0]; s.Complete || s.Stale != 2 || len(s.Errors) != 1 || s.Errors[0].Code != "AccessDenied" {
			t.Errorf("partial scan totals = %+v", s)
		}
		accts, err := st.ListAccounts(ctx, AccountFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(accts) != 1 || accts[0].Stale != 2 || accts[0].Failing != 3 || !accts[0].LastCompleteScan.Equal(t0.Add(2*time.Second)) {
			t.Errorf("accounts = %+v", accts)
		}
		// An account that could not be read at all: nothing resolves either.
		res, err = st.RecordScan(ctx, rec(2, false), nil)
		if err != nil || len(res.Events) != 0 {
			t.Fatalf("empty partial scan: %v %v", kinds(res.Events), err)
		}
		// A complete scan resolves and refreshes.
		res, err = st.RecordScan(ctx, rec(3, true, fnd("CF-001", "D1", finding.Fail), fnd("CF-001", "D2", finding.Pass), fnd("CF-002", "D1", finding.Fail)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"resolved CF-001 D2"}, kinds(res.Events)); diff != "" {
			t.Errorf("complete scan events (-want +got):\n%s", diff)
		}
		stale := true
		page, err = st.ListFindings(ctx, FindingFilter{Stale: &stale})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("stale findings after a complete scan: %v, %v", page.Items, err)
		}
	})
}

func TestRulesNotRunKeepState(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		if _, err := st.RecordScan(ctx, rec(0, true, fnd("CF-001", "D1", finding.Fail), fnd("CF-003", "D1", finding.Fail)), nil); err != nil {
			t.Fatal(err)
		}
		r := rec(1, true, fnd("CF-001", "D1", finding.Fail))
		r.Rules = []string{"CF-001"}
		res, err := st.RecordScan(ctx, r, nil)
		if err != nil || len(res.Events) != 0 {
			t.Fatalf("events %v, err %v", kinds(res.Events), err)
		}
	})
}

func TestListFindingsFiltersAndPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		var fs []finding.Finding
		for i := range 25 {
			f := fnd("CF-001", fmt.Sprintf("D%02d", i), finding.Fail)
			if i%5 == 0 {
				f.Status = finding.Pass
			}
			if i%7 == 0 {
				f.Risk = "Low"
			}
			fs = append(fs, f)
		}
		if _, err := st.RecordScan(ctx, rec(0, true, fs...), nil); err != nil {
			t.Fatal(err)
		}
		var ids []string
		cursor := ""
		pages := 0
		for {
			p, err := st.ListFindings(ctx, FindingFilter{Status: "fail", MinRisk: "Medium", Limit: 6, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, f := range p.Items {
				ids = append(ids, f.ResourceID)
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		var want []string
		for i := range 25 {
			if i%5 != 0 && i%7 != 0 {
				want = append(want, fmt.Sprintf("D%02d", i))
			}
		}
		if diff := cmp.Diff(want, ids); diff != "" || pages != 3 {
			t.Errorf("paged FAIL >= Medium in %d pages (-want +got):\n%s", pages, diff)
		}
		if _, err := st.ListFindings(ctx, FindingFilter{MinRisk: "Severe"}); err == nil {
			t.Error("unknown risk: want an error")
		}
		if _, err := st.ListFindings(ctx, FindingFilter{Cursor: "garbage"}); err == nil {
			t.Error("bad cursor: want an error")
		}
		evs, err := st.ListEvents(ctx, EventFilter{Kinds: []EventKind{NewFailure}, Limit: 10})
		if err != nil || len(evs.Items) != 10 || evs.Next == "" || evs.Items[0].ID < evs.Items[9].ID {
			t.Fatalf("events page: %d items, next %q, %v", len(evs.Items), evs.Next, err)
		}
		rest, err := st.ListEvents(ctx, EventFilter{Kinds: []EventKind{NewFailure}, Limit: 100, Cursor: evs.Next})
		if err != nil || len(rest.Items) != 20-10 || rest.Next != "" {
			t.Fatalf("second events page: %d items, %v; want 10", len(rest.Items), err)
		}
		follow, err := st.ListEvents(ctx, EventFilter{AfterID: evs.Items[1].ID})
		if err != nil || len(follow.Items) != 1 || follow.Items[0].ID != evs.Items[0].ID {
			t.Fatalf("events after %d: %+v, %v", evs.Items[1].ID, follow.Items, err)
		}
		counts, err := st.FailingCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range counts {
			total += c.N
		}
		if total != 20 || len(counts) != 2 {
			t.Errorf("failing counts = %+v", counts)
		}
	})
}

func TestOutbox(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		route := func(e Event) []string {
			if e.Kind == NewFailure {
				return []string{"slack", "hook"}
			}
			return []string{"hook"}
		}
		r := rec(0, true, fnd("CF-001", "D1", finding.Fail), fnd("CF-001", "D2", finding.Fail), fnd("CF-002", "D1", finding.Error))
		res, err := st.RecordScan(ctx, r, route)
		if err != nil || res.Deliveries != 5 {
			t.Fatalf("deliveries %d, %v; want 5", res.Deliveries, err)
		}
		now := r.FinishedAt
		// Not settled yet.
		if b, err := st.ClaimBatch(ctx, "hook", now.Add(time.Second), 5*time.Second, time.Minute); err != nil || b != nil {
			t.Fatalf("claim before the round settled: %+v, %v", b, err)
		}
		now = now.Add(10 * time.Second)
		b, err := st.ClaimBatch(ctx, "hook", now, 5*time.Second, time.Minute)
		if err != nil || b == nil || len(b.Events) != 3 || b.Attempts != 1 {
			t.Fatalf("claim: %+v, %v", b, err)
		}
		// A second sender finds nothing while the lease holds.
		if b2, err := st.ClaimBatch(ctx, "hook", now, 5*time.Second, time.Minute); err != nil || b2 != nil {
			t.Fatalf("second claim: %+v, %v", b2, err)
		}
		// Failure with retry keeps the delivery ID.
		if err := st.FinishBatch(ctx, b, now, Outcome{Err: errors.New("HTTP 500"), RetryAt: now.Add(30 * time.Second)}); err != nil {
			t.Fatal(err)
		}
		if b2, err := st.ClaimBatch(ctx, "hook", now.Add(10*time.Second), 5*time.Second, time.Minute); err != nil || b2 != nil {
			t.Fatalf("claim before retry time: %+v, %v", b2, err)
		}
		b2, err := st.ClaimBatch(ctx, "hook", now.Add(31*time.Second), 5*time.Second, time.Minute)
		if err != nil || b2 == nil || b2.ID != b.ID || b2.Attempts != 2 {
			t.Fatalf("retry claim: %+v, %v (first ID %s)", b2, err, b.ID)
		}
		// A sender that died: the lease expires and the batch is claimed again.
		b3, err := st.ClaimBatch(ctx, "hook", now.Add(31*time.Second+2*time.Minute), 5*time.Second, time.Minute)
		if err != nil || b3 == nil || b3.ID != b.ID || b3.Attempts != 3 {
			t.Fatalf("claim after lease: %+v, %v", b3, err)
		}
		if err := st.FinishBatch(ctx, b3, now, Outcome{Err: errors.New("HTTP 400")}); err != nil {
			t.Fatal(err)
		}
		// Slack: sent.
		sb, err := st.ClaimBatch(ctx, "slack", now, 5*time.Second, time.Minute)
		if err != nil || sb == nil || len(sb.Events) != 2 {
			t.Fatalf("slack claim: %+v, %v", sb, err)
		}
		if err := st.FinishBatch(ctx, sb, now, Outcome{}); err != nil {
			t.Fatal(err)
		}
		for _, ch := range []string{"slack", "hook"} {
			if b, err := st.ClaimBatch(ctx, ch, now.Add(time.Hour), 5*time.Second, time.Minute); err != nil || b != nil {
				t.Errorf("%s: claim after final outcome: %+v, %v", ch, b, err)
			}
		}
		counts, err := st.DeliveryCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[[2]string]int{{"hook", "failed"}: 3, {"slack", "sent"}: 2}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Errorf("delivery counts (-want +got):\n%s", diff)
		}
		failed, err := st.ListDeliveries(ctx, DeliveryFilter{Status: DeliveryFailed})
		if err != nil || len(failed.Items) != 3 || failed.Items[0].LastError != "HTTP 400" || failed.Items[0].Attempts != 3 {
			t.Fatalf("failed deliveries: %+v, %v", failed.Items, err)
		}
		// The same scan recorded again (a job retried after its commit) adds no delivery.
		r.RoundID, r.StartedAt, r.FinishedAt = "prod@again", r.StartedAt.Add(time.Hour), r.FinishedAt.Add(time.Hour)
		res, err = st.RecordScan(ctx, r, route)
		if err != nil || res.Deliveries != 0 {
			t.Fatalf("re-recorded scan: %d deliveries, %v", res.Deliveries, err)
		}
	})
}

// TestConcurrentScans records scans of many accounts at once, as several workers would.
func TestConcurrentScans(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for a := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for round := range 5 {
					r := rec(round, true, fnd("CF-001", "D1", finding.Status([]string{"PASS", "FAIL"}[(round+a)%2])))
					r.AccountID = fmt.Sprintf("%012d", a)
					if _, err := st.RecordScan(ctx, r, func(Event) []string { return []string{"hook"} }); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		n := countRows(t, st)
		// Each account alternates: 5 rounds give 5 events (new_failure or nothing first, then a flip each round).
		if n["scans"] != 40 || n["accounts"] != 8 || n["findings"] != 8 || n["deliveries"] != n["events"] {
			t.Errorf("rows = %v", n)
		}
	})
}

func TestPrune(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for round := range 10 {
			if _, err := st.RecordScan(ctx, rec(round, true, fnd("CF-001", "D1", finding.Status([]string{"PASS", "FAIL"}[round%2]))), nil); err != nil {
				t.Fatal(err)
			}
		}
		res, err := st.Prune(ctx, t0.Add(5*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res.Scans != 5 || res.Events != 4 {
			t.Errorf("pruned %+v, want 5 scans and 4 events", res)
		}
		// The newest scan of an account survives any retention.
		if _, err := st.Prune(ctx, t0.Add(100*time.Hour)); err != nil {
			t.Fatal(err)
		}
		n := countRows(t, st)
		if n["scans"] != 1 || n["findings"] != 1 || n["events"] != 0 {
			t.Errorf("rows after pruning everything = %v", n)
		}
		accts, err := st.ListAccounts(ctx, AccountFilter{Target: "prod"})
		if err != nil || len(accts) != 1 || accts[0].LastScan.IsZero() {
			t.Errorf("accounts = %+v, %v", accts, err)
		}
	})
}

func TestTargets(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for _, tg := range []Target{{Name: "prod", Kind: "account", Schedule: "@every 1h"}, {Name: "org", Kind: "organization", Schedule: "0 * * * *"},
			{Name: "prod", Kind: "account", Schedule: "@every 30m"}} {
			if err := st.UpsertTarget(ctx, tg); err != nil {
				t.Fatal(err)
			}
		}
		ts, err := st.ListTargets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 || ts[0].Name != "org" || ts[1].Schedule != "@every 30m" {
			t.Errorf("targets = %+v", ts)
		}
	})
}

// TestClaimBatchNeverSharesALiveBatch: while one sender holds a round's batch,
// deliveries of that round written later go out as their own batch, and the
// held batch's rows are never handed to a second sender (issue 12: a webhook
// received one delivery ID twice).
func TestClaimBatchNeverSharesALiveBatch(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		hook := func(Event) []string { return []string{"hook"} }
		r1 := rec(0, true, fnd("CF-001", "D1", finding.Fail), fnd("CF-001", "D2", finding.Fail))
		if _, err := st.RecordScan(ctx, r1, hook); err != nil {
			t.Fatal(err)
		}
		now := r1.FinishedAt.Add(10 * time.Second)
		a, err := st.ClaimBatch(ctx, "hook", now, 5*time.Second, time.Minute)
		if err != nil || a == nil || len(a.Events) != 2 {
			t.Fatalf("first claim: %+v, %v", a, err)
		}
		// A second account of the same round is recorded while a is being sent.
		r2 := rec(0, true, fnd("CF-002", "D3", finding.Fail))
		r2.AccountID = "222222222222"
		r2.FinishedAt = now
		if _, err := st.RecordScan(ctx, r2, hook); err != nil {
			t.Fatal(err)
		}
		b, err := st.ClaimBatch(ctx, "hook", now.Add(10*time.Second), 5*time.Second, time.Minute)
		if err != nil || b == nil {
			t.Fatalf("second claim: %+v, %v", b, err)
		}
		if b.ID == a.ID {
			t.Errorf("second batch reuses the live delivery ID %s", a.ID)
		}
		if got := kinds(b.Events); !cmp.Equal(got, []string{"new_failure CF-002 D3"}) {
			t.Errorf("second batch events = %v, want only the later delivery", got)
		}
	})
}

// TestClaimBatchConcurrentSenders: many senders claiming at once hand every
// delivery to exactly one of them.
func TestClaimBatchConcurrentSenders(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		hook := func(Event) []string { return []string{"hook"} }
		var last time.Time
		for a := range 6 {
			r := rec(0, true, fnd("CF-001", "D1", finding.Fail), fnd("CF-002", "D1", finding.Fail))
			r.AccountID = fmt.Sprintf("%012d", a)
			if _, err := st.RecordScan(ctx, r, hook); err != nil {
				t.Fatal(err)
			}
			last = r.FinishedAt
		}
		now := last.Add(10 * time.Second)
		var mu sync.Mutex
		got := map[int64]string{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					b, err := st.ClaimBatch(ctx, "hook", now, 5*time.Second, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if b == nil {
						return
					}
					mu.Lock()
					for _, d := range b.Deliveries {
						if prev, dup := got[d.ID]; dup {
							t.Errorf("delivery %d claimed by batches %s and %s", d.ID, prev, b.ID)
						}
						got[d.ID] = b.ID
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(got) != 12 {
			t.Errorf("claimed %d deliveries, want 12", len(got))
		}
	})
}

// TestRecordScanOncePerRound: a job that runs again after its scan committed
// (its completion lost, or the round queued again) records nothing twice.
func TestRecordScanOncePerRound(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		hook := func(Event) []string { return []string{"hook"} }
		first, err := st.RecordScan(ctx, rec(0, false), hook)
		if err != nil || first.AlreadyRecorded {
			t.Fatalf("first record: %+v, %v", first, err)
		}
		before := countRows(t, st)
		again := rec(0, true, fnd("CF-001", "D1", finding.Fail))
		again.StartedAt, again.FinishedAt = again.StartedAt.Add(time.Minute), again.FinishedAt.Add(time.Minute)
		res, err := st.RecordScan(ctx, again, hook)
		if err != nil || !res.AlreadyRecorded || res.ScanID != first.ScanID || len(res.Events) != 0 || res.Deliveries != 0 {
			t.Fatalf("rerun of the round: %+v, %v; want already recorded as scan %d", res, err, first.ScanID)
		}
		if diff := cmp.Diff(before, countRows(t, st)); diff != "" {
			t.Errorf("rows after the rerun (-before +after):\n%s", diff)
		}
		// Concurrent reruns: one scan row.
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if _, err := st.RecordScan(ctx, rec(1, true, fnd("CF-001", "D1", finding.Fail)), hook); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := countRows(t, st); n["scans"] != 2 || n["events"] != 1 {
			t.Errorf("rows after concurrent reruns = %v, want 2 scans, 1 event", n)
		}
	})
}
