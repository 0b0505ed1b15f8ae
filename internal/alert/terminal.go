package alert

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

// Terminal writes each batch as lines of text (serve --demo).
type Terminal struct {
	ChannelName string
	mu          sync.Mutex
	W           io.Writer
}

var _ Channel = (*Terminal)(nil)

// Name is the channel's name.
func (t *Terminal) Name() string { return t.ChannelName }

// Send writes b.
func (t *Terminal) Send(_ context.Context, b *store.Batch) error {
	m := NewMessage(b, "", time.Now())
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.W, "ALERT %s [%s]\n", Subject(m), m.DeliveryID)
	for _, e := range m.Events {
		fmt.Fprintf(t.W, "  %s\n", Headline(e))
		for _, l := range BehaviorLines(e) {
			fmt.Fprintf(t.W, "      %s\n", l)
		}
	}
	return nil
}
