// Package cli holds cloudassure's commands.
package cli

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// IO is where a command reads and writes, and what it knows about them.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// OutTTY and ErrTTY say whether Out and Err are terminals.
	OutTTY, ErrTTY bool
	// NoColor is set when the user asked for no colour (NO_COLOR, TERM=dumb).
	NoColor bool
}

// SystemIO returns the process's standard streams.
func SystemIO() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		OutTTY:  isTerminal(os.Stdout),
		ErrTTY:  isTerminal(os.Stderr),
		NoColor: os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb",
	}
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// ColorOut reports whether output to Out may use colour.
func (s *IO) ColorOut() bool { return s.OutTTY && !s.NoColor }
