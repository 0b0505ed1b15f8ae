package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
)

// TestEmulatorFaultFlags checks that out-of-range fault flags are refused
// with a message that names the flag, and exit 2, before anything starts.
func TestEmulatorFaultFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--error-rate", "2"}, "--error-rate must be between 0 and 1, got 2"},
		{[]string{"--throttle-rate", "-1"}, "--throttle-rate must be between 0 and 1, got -1"},
		{[]string{"--throttle-rate", "NaN"}, "--throttle-rate must be between 0 and 1"},
		{[]string{"--latency", "-5s"}, "--latency must not be negative, got -5s"},
		{[]string{"--large-body-latency", "-1ms"}, "--large-body-latency must not be negative, got -1ms"},
		{[]string{"--throttle-rate", "0.7", "--error-rate", "0.5"}, "--throttle-rate and --error-rate add up to 1.2"},
		{[]string{"--stream-delay", "-1s"}, "--stream-delay must not be negative"},
		{[]string{"--deploy-delay", "-1m"}, "--deploy-delay must not be negative"},
		{[]string{"--demo-org", "-1"}, "--demo-org: an organization needs at least 4 members, got -1"},
		{[]string{"--demo-org", "2"}, "--demo-org: an organization needs at least 4 members, got 2"},
		{[]string{"--demo", "--demo-org", "4"}, "--demo and --demo-org exclude each other"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, out, errb := testIO()
			// Already cancelled: an emulator that wrongly starts stops at once.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			args := append([]string{"emulator", "--listen", "127.0.0.1:0"}, tt.args...)
			code := Execute(ctx, ios, args)
			if code != ExitIncomplete || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), ExitIncomplete, tt.want)
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("the emulator started: %q", out.String())
			}
		})
	}
}

// announcer is an io.Writer safe for concurrent use that closes ready once
// the text written so far contains marker.
type announcer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	marker string
	ready  chan struct{}
	closed bool
}

func (a *announcer) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n, err := a.b.Write(p)
	if !a.closed && strings.Contains(a.b.String(), a.marker) {
		a.closed = true
		close(a.ready)
	}
	return n, err
}

func (a *announcer) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.b.String()
}

// TestEmulatorDemoWithFaults starts `emulator --demo` with faults that make
// most requests fail: the demo account is seeded before the faults are on,
// so the emulator starts every time.
func TestEmulatorDemoWithFaults(t *testing.T) {
	for i := range 3 {
		out := &announcer{marker: "Press Ctrl-C", ready: make(chan struct{})}
		var errb bytes.Buffer
		ios := &IO{In: strings.NewReader(""), Out: out, Err: &errb}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- Execute(ctx, ios, []string{"emulator", "--listen", "127.0.0.1:0", "--demo", "--throttle-rate", "0.6", "--error-rate", "0.3"})
		}()
		select {
		case <-out.ready:
			cancel()
			if code := <-done; code != ExitOK {
				t.Errorf("run %d: exit %d after Ctrl-C; stderr %q", i, code, errb.String())
			}
		case code := <-done:
			cancel()
			t.Fatalf("run %d: the emulator did not start: exit %d, stdout %q, stderr %q", i, code, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), "seeded with the demo account") {
			t.Errorf("run %d: stdout %q", i, out.String())
		}
	}
}
