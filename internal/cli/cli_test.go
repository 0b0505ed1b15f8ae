package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/source/live"
)

func testIO() (*IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &IO{In: strings.NewReader(""), Out: &out, Err: &errb}, &out, &errb
}

func TestExecute(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"rules"}, 0, "CF-002", ""},
		{[]string{"rules", "--format", "xml"}, 2, "", `unknown format "xml"`},
		{[]string{"explain", "CF-003"}, 0, "sampling_rate = 100", ""},
		{[]string{"explain", "cloudfront-realtime-logging-delivers", "--format", "json"}, 0, `"id": "CF-002"`, ""},
		{[]string{"explain"}, 2, "", "accepts 1 arg"},
		{[]string{"scan", "aws", "--format", "nope"}, 2, "", "valid formats are"},
		{[]string{"nosuchcommand"}, 2, "", "unknown command"},
		{[]string{"--version"}, 0, "cloudassure version", ""},
		{[]string{"scan", "iac", "--exclude", "examples/**,[", "."}, 2, "", `--exclude: bad glob "["`},
		{[]string{"demo", "--org", "-1"}, 2, "", "--org: an organization needs at least 4 members, got -1"},
		{[]string{"demo", "--org", "3"}, 2, "", "--org: an organization needs at least 4 members, got 3"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			ios, out, errb := testIO()
			code := Execute(context.Background(), ios, tt.args)
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, out.String(), errb.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	var b bytes.Buffer
	off := newProgress(&b, false)
	off.Update(live.Progress{Stage: "distributions", Done: 100, Total: -1})
	off.Message("x")
	off.Count("reading files", 1, 2)
	off.Done()
	if b.Len() != 0 {
		t.Errorf("progress written when not on a terminal: %q", b.String())
	}
	on := newProgress(&b, true)
	on.Update(live.Progress{Stage: "distributions", Done: 0, Total: -1})
	on.Update(live.Progress{Stage: "streams", Done: 2, Total: 2})
	on.Done()
	s := b.String()
	if !strings.Contains(s, "reading distributions… 0") || !strings.Contains(s, "checking streams… 2/2") || !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("progress output %q", s)
	}

	// Count shows the first step and the last one, and skips what comes
	// within 50 ms of the line before.
	b.Reset()
	counter := newProgress(&b, true)
	for i := 1; i <= 1000; i++ {
		counter.Count("reading files", i, 1000)
	}
	s = b.String()
	if !strings.Contains(s, "reading files… 1/1000") || !strings.Contains(s, "reading files… 1000/1000") || strings.Count(s, "\r") > 100 {
		t.Errorf("counter wrote %d updates: %.200q", strings.Count(s, "\r"), s)
	}
}

func TestColorOut(t *testing.T) {
	for _, tt := range []struct {
		tty, noColor, want bool
	}{{true, false, true}, {true, true, false}, {false, false, false}} {
		ios := &IO{OutTTY: tt.tty, NoColor: tt.noColor}
		if got := ios.ColorOut(); got != tt.want {
			t.Errorf("tty=%v NO_COLOR=%v: colour %v, want %v", tt.tty, tt.noColor, got, tt.want)
		}
	}
}
