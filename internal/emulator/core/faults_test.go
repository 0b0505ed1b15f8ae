package core

import (
	"testing"
	"time"
)

// TestFaultsDelay: only a body over net/http's 4 KiB write buffer, the kind
// an aws-sdk-go-v2 client can lose the answer to, waits LargeBodyLatency.
func TestFaultsDelay(t *testing.T) {
	f := Faults{Latency: 20 * time.Millisecond, LargeBodyLatency: 250 * time.Millisecond}
	for _, tc := range []struct {
		name string
		len  int64
		want time.Duration
	}{
		{"no body", 0, 20 * time.Millisecond},
		{"unknown length", -1, 20 * time.Millisecond},
		{"exactly the buffer", LargeBody, 20 * time.Millisecond},
		{"a distribution config", 7700, 270 * time.Millisecond},
	} {
		if got := f.delay(tc.len); got != tc.want {
			t.Errorf("%s (%d bytes): delay %v, want %v", tc.name, tc.len, got, tc.want)
		}
	}
	if got := (Faults{}).delay(1 << 20); got != 0 {
		t.Errorf("no latency configured: delay %v, want 0", got)
	}
	if err := (Faults{LargeBodyLatency: -time.Millisecond}).Validate(); err == nil {
		t.Error("a negative --large-body-latency was accepted")
	}
}
