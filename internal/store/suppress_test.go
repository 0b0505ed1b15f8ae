package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
)

func TestSuppressAndLift(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		record := func(round int, fs ...finding.Finding) RecordResult {
			t.Helper()
			res, err := st.RecordScan(ctx, rec(round, true, fs...), nil)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		get := func(k Key) Finding {
			t.Helper()
			f, ok, err := st.GetFinding(ctx, k)
			if err != nil || !ok {
				t.Fatalf("finding %v: %v %v", k, ok, err)
			}
			return f
		}
		record(0, fnd("CF-001", "E1", finding.Fail), fnd("CF-001", "E2", finding.Pass))
		k := Key{Target: "prod", AccountID: "111111111111", RuleID: "CF-001", ResourceID: "E1"}
		at := t0.Add(30 * time.Minute)

		if _, err := st.Suppress(ctx, Suppression{Key: Key{Target: "prod", AccountID: "111111111111", RuleID: "CF-001", ResourceID: "E2"},
			Reason: "x", CreatedBy: "alice", CreatedAt: at}); !errors.Is(err, ErrNotSuppressible) {
			t.Errorf("suppressing a passing finding: %v, want ErrNotSuppressible", err)
		}
		if _, err := st.Suppress(ctx, Suppression{Key: k, CreatedBy: "alice", CreatedAt: at}); err == nil {
			t.Error("suppressing without a reason succeeded")
		}
		if _, err := st.Suppress(ctx, Suppression{Key: Key{Target: "prod", AccountID: "111111111111", RuleID: "CF-001", ResourceID: "NOPE"},
			Reason: "x", CreatedBy: "alice", CreatedAt: at}); !errors.Is(err, ErrNotFound) {
			t.Errorf("suppressing a finding that does not exist: %v, want ErrNotFound", err)
		}

		ev, err := st.Suppress(ctx, Suppression{Key: k, Reason: "legacy site, retired in Q1", CreatedBy: "alice", CreatedAt: at,
			ExpiresAt: t0.Add(5 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != Suppressed || ev.FromStatus != "FAIL" || ev.ToStatus != "SKIP" || ev.ID == 0 ||
			ev.Message != "suppressed by alice: legacy site, retired in Q1 (until 2026-11-01 15:00 UTC)" {
			t.Errorf("event %+v", ev)
		}
		f := get(k)
		if f.Status != "SKIP" || !f.Suppressed || f.SuppressionReason != "legacy site, retired in Q1" || f.SuppressionSource != "dashboard:alice" ||
			f.Message != "suppressed (fail): CF-001 on E1 is FAIL" {
			t.Errorf("suppressed finding %+v", f)
		}
		sups, err := st.ListSuppressions(ctx, "prod", "")
		if err != nil || len(sups) != 1 || sups[0].CreatedBy != "alice" || !sups[0].ExpiresAt.Equal(t0.Add(5*time.Hour)) {
			t.Errorf("suppressions %+v %v", sups, err)
		}

		// The next scans keep it suppressed without new events, until it expires.
		if res := record(1, fnd("CF-001", "E1", finding.Fail), fnd("CF-001", "E2", finding.Pass)); len(res.Events) != 0 {
			t.Errorf("a scan of a suppressed finding recorded %v", kinds(res.Events))
		}
		if f := get(k); f.Status != "SKIP" || !f.Suppressed {
			t.Errorf("after a scan: %+v", f)
		}
		res := record(6, fnd("CF-001", "E1", finding.Fail), fnd("CF-001", "E2", finding.Pass))
		if f := get(k); f.Status != "FAIL" || f.Suppressed || len(res.Events) != 1 {
			t.Errorf("after the expiry: %+v, events %v", f, kinds(res.Events))
		}

		// Suppressed again, then lifted: FAIL at once, and both are events.
		if _, err := st.Suppress(ctx, Suppression{Key: k, Reason: "again", CreatedBy: "bob", CreatedAt: t0.Add(7 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		ev, err = st.Lift(ctx, k, "carol", t0.Add(8*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != SuppressionLifted || ev.FromStatus != "SKIP" || ev.ToStatus != "FAIL" || ev.Message != "suppression lifted by carol" {
			t.Errorf("lift event %+v", ev)
		}
		if f := get(k); f.Status != "FAIL" || f.Suppressed || f.Message != "CF-001 on E1 is FAIL" {
			t.Errorf("lifted finding %+v", f)
		}
		if _, err := st.Lift(ctx, k, "carol", t0.Add(9*time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("lifting twice: %v, want ErrNotFound", err)
		}
		hist, err := st.FindingHistory(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range hist {
			got = append(got, string(e.Kind)+" "+e.ToStatus)
		}
		want := []string{"new_failure FAIL", "suppressed SKIP", "suppression_expired FAIL", "suppressed SKIP", "suppression_lifted FAIL"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
	})
}
