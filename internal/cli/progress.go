package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cloudassure/cloudassure/internal/source/live"
)

// progress shows what a long operation is doing on one rewritten stderr line.
// It writes nothing unless enabled (stderr is a terminal).
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	enabled bool
	last    time.Time
	shown   bool
	frame   int
}

func newProgress(w io.Writer, enabled bool) *progress { return &progress{w: w, enabled: enabled} }

var spinnerFrames = [...]string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// Update shows p, at most every 50 ms except for stage changes and completion.
func (p *progress) Update(ev live.Progress) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 50*time.Millisecond && ev.Done != ev.Total && ev.Done != 0 {
		return
	}
	p.last = now
	p.frame = (p.frame + 1) % len(spinnerFrames)
	var text string
	switch {
	case ev.Total < 0:
		text = fmt.Sprintf("%s reading %s… %d", spinnerFrames[p.frame], ev.Stage, ev.Done)
	default:
		text = fmt.Sprintf("%s checking %s… %d/%d", spinnerFrames[p.frame], ev.Stage, ev.Done, ev.Total)
	}
	fmt.Fprintf(p.w, "\r\033[K%s", text)
	p.shown = true
}

// Message shows a line of text in place of the progress line.
func (p *progress) Message(text string) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K%s", text)
	p.shown = true
}

// Count shows "label… done/total" with a spinner, at most every 50 ms but
// for the last step.
func (p *progress) Count(label string, done, total int) {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 50*time.Millisecond && done != total {
		return
	}
	p.last = now
	p.frame = (p.frame + 1) % len(spinnerFrames)
	fmt.Fprintf(p.w, "\r\033[K%s %s… %d/%d", spinnerFrames[p.frame], label, done, total)
	p.shown = true
}

// Done clears the progress line.
func (p *progress) Done() {
	if p == nil || !p.enabled {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
