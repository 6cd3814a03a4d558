// Package iostreams is where commands read and write. Whether stdout is a
// terminal and whether colour is allowed are decided once, here, so that every
// command and every test sees the same answer.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"github.com/fatih/color"
	"golang.org/x/term"
)

// IOStreams holds the standard streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // data only: tokens, JSON, reports
	ErrOut io.Writer // progress, warnings, hints, errors

	InTTY  bool // stdin is a terminal: never block reading it
	OutTTY bool // stdout is a terminal: human formatting allowed
	Color  bool // ANSI colour allowed
}

// System returns streams bound to the process's stdin, stdout and stderr.
// Colour is on only when stdout is a terminal, NO_COLOR is unset and TERM is
// not "dumb".
func System() *IOStreams {
	inTTY := isTerminal(os.Stdin)
	outTTY := isTerminal(os.Stdout)
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		InTTY:  inTTY,
		OutTTY: outTTY,
		Color:  outTTY && !noColor && os.Getenv("TERM") != "dumb",
	}
}

// Test returns non-TTY, colourless streams and their buffers.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// Palette returns colour functions that honour s.Color. It never touches
// fatih/color's global switch, so two streams can differ (as in tests).
func (s *IOStreams) Palette() Palette {
	mk := func(attrs ...color.Attribute) func(string) string {
		c := color.New(attrs...)
		if s.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return func(v string) string { return c.Sprint(v) }
	}
	return Palette{
		Green:  mk(color.FgGreen, color.Bold),
		Red:    mk(color.FgRed, color.Bold),
		Yellow: mk(color.FgYellow, color.Bold),
		Bold:   mk(color.Bold),
		Dim:    mk(color.Faint),
		Cyan:   mk(color.FgCyan),
	}
}

// Palette is a set of colour functions; each returns its input unchanged when
// colour is off.
type Palette struct {
	Green, Red, Yellow, Bold, Dim, Cyan func(string) string
}
