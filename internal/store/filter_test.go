package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// TestBadFilters: a filter no row can match, or a cursor the list did not
// give, is a *FilterError naming the parameter (errors.Is ErrBadFilter),
// never a store failure.
func TestBadFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		for _, tc := range []struct {
			name, param string
			list        func() error
		}{
			{"finding status", "status", func() error { _, err := st.ListFindings(ctx, FindingFilter{Status: "FAILED"}); return err }},
			{"finding risk", "risk", func() error { _, err := st.ListFindings(ctx, FindingFilter{MinRisk: "Severe"}); return err }},
			{"finding cursor", "cursor", func() error { _, err := st.ListFindings(ctx, FindingFilter{Cursor: "zzz"}); return err }},
			{"finding limit", "limit", func() error { _, err := st.ListFindings(ctx, FindingFilter{Limit: -1}); return err }},
			{"event kind", "kind", func() error {
				_, err := st.ListEvents(ctx, EventFilter{Kinds: []EventKind{NewFailure, "new-failure"}})
				return err
			}},
			{"event status", "status", func() error { _, err := st.ListEvents(ctx, EventFilter{ToStatus: "GONE"}); return err }},
			{"event risk", "risk", func() error { _, err := st.ListEvents(ctx, EventFilter{MinRisk: "4"}); return err }},
			{"event cursor", "cursor", func() error { _, err := st.ListEvents(ctx, EventFilter{Cursor: "WyIxIiwiMiJd"}); return err }},
			{"scan cursor", "cursor", func() error { _, err := st.ListScans(ctx, ScanFilter{Cursor: "!"}); return err }},
			{"delivery status", "status", func() error { _, err := st.ListDeliveries(ctx, DeliveryFilter{Status: "delivered"}); return err }},
			{"delivery limit", "limit", func() error { _, err := st.ListDeliveries(ctx, DeliveryFilter{Limit: -5}); return err }},
		} {
			err := tc.list()
			var fe *FilterError
			if !errors.As(err, &fe) || !errors.Is(err, ErrBadFilter) {
				t.Errorf("%s: error %v (%T), want a *FilterError", tc.name, err, err)
				continue
			}
			if fe.Param != tc.param || fe.Value == "" || fe.Reason == "" {
				t.Errorf("%s: %+v, want parameter %s with its value and reason", tc.name, fe, tc.param)
			}
		}
		// Accepted spellings are not errors.
		for _, f := range []FindingFilter{{Status: "fail"}, {MinRisk: "high"}, {Status: "PASS", MinRisk: "Critical"}} {
			if _, err := st.ListFindings(ctx, f); err != nil {
				t.Errorf("ListFindings(%+v): %v", f, err)
			}
		}
		if _, err := st.ListEvents(ctx, EventFilter{ToStatus: "deleted", MinRisk: "low"}); err != nil {
			t.Errorf("ListEvents: %v", err)
		}
	})
}

// TestStoreFailureIsNotAFilterError: a store that cannot answer fails with
// an error that is no FilterError.
func TestStoreFailureIsNotAFilterError(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		st.Close()
		_, err := st.ListFindings(context.Background(), FindingFilter{Status: "FAIL"})
		if err == nil || errors.Is(err, ErrBadFilter) {
			t.Errorf("closed store: %v, want a store error", err)
		}
	})
}

// TestFilterChangedSinceStatusRisk: findings by the time they last changed;
// events by the status they went to and by risk.
func TestFilterChangedSinceStatusRisk(t *testing.T) {
	eachStore(t, func(t *testing.T, st *Store) {
		ctx := context.Background()
		high := func(f finding.Finding) finding.Finding { f.Risk = "High"; return f }
		// Round 0: D1 and D2 fail, D3 passes. Round 5: D2 resolves. Round 9: D3 regresses.
		rounds := map[int][]finding.Finding{
			0: {fnd("CF-001", "D1", finding.Fail), high(fnd("CF-001", "D2", finding.Fail)), fnd("CF-001", "D3", finding.Pass)},
			5: {fnd("CF-001", "D1", finding.Fail), high(fnd("CF-001", "D2", finding.Pass)), fnd("CF-001", "D3", finding.Pass)},
			9: {fnd("CF-001", "D1", finding.Fail), high(fnd("CF-001", "D2", finding.Pass)), fnd("CF-001", "D3", finding.Fail)},
		}
		for _, r := range []int{0, 5, 9} {
			if _, err := st.RecordScan(ctx, rec(r, true, rounds[r]...), nil); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(fs []Finding) []string {
			out := []string{}
			for _, f := range fs {
				out = append(out, f.ResourceID)
			}
			return out
		}
		for _, tc := range []struct {
			since time.Time
			want  []string
		}{
			{time.Time{}, []string{"D1", "D2", "D3"}},
			{t0, []string{"D1", "D2", "D3"}},
			{t0.Add(4 * time.Hour), []string{"D2", "D3"}},
			{t0.Add(6 * time.Hour), []string{"D3"}},
			{t0.Add(10 * time.Hour), []string{}},
		} {
			p, err := st.ListFindings(ctx, FindingFilter{ChangedSince: tc.since})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ids(p.Items)); diff != "" {
				t.Errorf("changed since %v (-want +got):\n%s", tc.since, diff)
			}
		}
		// Paging with the filter: one per page, all of them.
		var got []string
		f := FindingFilter{ChangedSince: t0.Add(4 * time.Hour), Limit: 1}
		for {
			p, err := st.ListFindings(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(p.Items)...)
			if p.Next == "" {
				break
			}
			f.Cursor = p.Next
		}
		if diff := cmp.Diff([]string{"D2", "D3"}, got); diff != "" {
			t.Errorf("paged changed since (-want +got):\n%s", diff)
		}
		evIDs := func(f EventFilter) []string {
			t.Helper()
			p, err := st.ListEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, e := range p.Items {
				out = append(out, string(e.Kind)+" "+e.ResourceID)
			}
			return out
		}
		if diff := cmp.Diff([]string{"regression D3", "resolved D2"}, evIDs(EventFilter{Since: t0.Add(time.Hour)})); diff != "" {
			t.Errorf("events since round 1 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"regression D3", "new_failure D2", "new_failure D1"}, evIDs(EventFilter{ToStatus: "fail"})); diff != "" {
			t.Errorf("events into FAIL (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"resolved D2", "new_failure D2"}, evIDs(EventFilter{MinRisk: "High"})); diff != "" {
			t.Errorf("events of High findings (-want +got):\n%s", diff)
		}
	})
}
