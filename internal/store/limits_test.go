package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestScanSlots: a target's n slots go to n holders at a time, across
// stores (processes) sharing one PostgreSQL; a released or expired lease
// frees its slot, and a holder whose lease was taken over cannot renew it.
func TestScanSlots(t *testing.T) {
	st := openPostgres(t)
	ctx := t.Context()
	var got []int
	for i := range 3 {
		slot, ok, err := st.AcquireSlot(ctx, "prod", fmt.Sprintf("h%d", i), 2, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got = append(got, slot)
		}
	}
	if fmt.Sprint(got) != "[0 1]" {
		t.Fatalf("slots leased to 3 holders of 2 slots: %v, want [0 1]", got)
	}
	if n, err := st.HeldSlots(ctx, "prod"); err != nil || n != 2 {
		t.Errorf("held slots = %d, %v; want 2", n, err)
	}
	// Another target has its own slots.
	if _, ok, err := st.AcquireSlot(ctx, "other", "h9", 1, time.Minute); err != nil || !ok {
		t.Errorf("slot of another target: %v, %v", ok, err)
	}
	if err := st.ReleaseSlot(ctx, "prod", 1, "h1"); err != nil {
		t.Fatal(err)
	}
	if slot, ok, err := st.AcquireSlot(ctx, "prod", "h3", 2, time.Minute); err != nil || !ok || slot != 1 {
		t.Errorf("after a release: slot %d, %v, %v; want 1", slot, ok, err)
	}
	// h0's lease ends (renewed into the past, as a dead worker's runs out): h4 takes it, h0 can no longer renew.
	if ok, err := st.RenewSlot(ctx, "prod", 0, "h0", -time.Second); err != nil || !ok {
		t.Fatalf("renew by the holder: %v, %v", ok, err)
	}
	if slot, ok, err := st.AcquireSlot(ctx, "prod", "h4", 2, time.Minute); err != nil || !ok || slot != 0 {
		t.Errorf("after a lease expired: slot %d, %v, %v; want 0", slot, ok, err)
	}
	if ok, err := st.RenewSlot(ctx, "prod", 0, "h0", time.Minute); err != nil || ok {
		t.Errorf("renew by the holder whose lease was taken over: %v, %v; want false", ok, err)
	}
	// A release by a former holder leaves the new holder's lease alone.
	if err := st.ReleaseSlot(ctx, "prod", 0, "h0"); err != nil {
		t.Fatal(err)
	}
	if n, err := st.HeldSlots(ctx, "prod"); err != nil || n != 2 {
		t.Errorf("held slots after a stale release = %d, %v; want 2", n, err)
	}
	// More slots when the limit grows.
	if slot, ok, err := st.AcquireSlot(ctx, "prod", "h5", 3, time.Minute); err != nil || !ok || slot != 2 {
		t.Errorf("a third slot: %d, %v, %v; want 2", slot, ok, err)
	}
	if _, _, err := openSQLite(t).AcquireSlot(ctx, "prod", "h", 1, time.Minute); err == nil {
		t.Error("SQLite: no error; want one (slots are shared through PostgreSQL)")
	}
}

// TestScanSlotsConcurrent: holders in four stores (four connection pools,
// as four processes) competing for 3 slots never hold more than 3 at once.
func TestScanSlotsConcurrent(t *testing.T) {
	first := openPostgres(t)
	stores := []*Store{first}
	for range 3 {
		st, err := Open(t.Context(), first.DSN())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	var held, most, leases atomic.Int64
	var wg sync.WaitGroup
	for i := range 12 {
		st := stores[i%len(stores)]
		wg.Go(func() {
			holder := fmt.Sprintf("g%d", i)
			for range 15 {
				slot, ok, err := st.AcquireSlot(t.Context(), "prod", holder, 3, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					continue
				}
				leases.Add(1)
				n := held.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(time.Millisecond)
				held.Add(-1)
				if err := st.ReleaseSlot(context.WithoutCancel(t.Context()), "prod", slot, holder); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if most.Load() > 3 || leases.Load() == 0 {
		t.Errorf("at most %d slots held at once (of 3) over %d leases", most.Load(), leases.Load())
	}
}

// TestTakeCall: the budget's burst goes without waiting; the next call
// waits for its token, and the calls after it queue up behind.
func TestTakeCall(t *testing.T) {
	st := openPostgres(t)
	ctx := t.Context()
	for i := range 3 {
		if d, err := st.TakeCall(ctx, "prod", "cloudfront", 0.5, 3); err != nil || d != 0 {
			t.Fatalf("call %d of a burst of 3: wait %v, %v; want none", i, d, err)
		}
	}
	d4, err := st.TakeCall(ctx, "prod", "cloudfront", 0.5, 3)
	if err != nil || d4 <= 0 || d4 > 2*time.Second {
		t.Errorf("4th call at 0.5/s: wait %v, %v; want (0, 2s]", d4, err)
	}
	d5, err := st.TakeCall(ctx, "prod", "cloudfront", 0.5, 3)
	if err != nil || d5 <= d4 || d5 > 4*time.Second {
		t.Errorf("5th call: wait %v, %v; want more than the 4th's %v, at most 4s", d5, err, d4)
	}
	// Other services and targets have budgets of their own.
	if d, err := st.TakeCall(ctx, "prod", "iam", 0.5, 3); err != nil || d != 0 {
		t.Errorf("iam: wait %v, %v; want none", d, err)
	}
	if d, err := st.TakeCall(ctx, "other", "cloudfront", 0.5, 3); err != nil || d != 0 {
		t.Errorf("another target: wait %v, %v; want none", d, err)
	}
}
