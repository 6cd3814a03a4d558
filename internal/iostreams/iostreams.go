// Package iostreams is where commands read and write. Whether each stream is
// a terminal and whether it may have colour are decided once, here, per
// stream, so that every command and every test sees the same answer; and
// both output streams pass through a sanitising writer (NewSanitizer), so
// that nothing that came from a token, a policy, a file or a server can
// repaint the terminal, whichever command prints it.
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
	Out    io.Writer // data only: tokens, JSON, reports (sanitised)
	ErrOut io.Writer // progress, warnings, hints, errors (sanitised)

	InTTY    bool // stdin is a terminal: never block reading it
	OutTTY   bool // stdout is a terminal: human formatting allowed
	ErrTTY   bool // stderr is a terminal
	Color    bool // ANSI colour allowed on stdout
	ErrColor bool // ANSI colour allowed on stderr
}

// System returns streams bound to the process's stdin, stdout and stderr.
// Colour is on for a stream only when that stream is a terminal, NO_COLOR is
// unset and TERM is not "dumb": 2>err.log holds no escapes even when stdout
// is a terminal, and the other way round.
func System() *IOStreams {
	outTTY, errTTY := isTerminal(os.Stdout), isTerminal(os.Stderr)
	_, noColor := os.LookupEnv("NO_COLOR")
	outColour, errColour := colours(outTTY, errTTY, noColor, os.Getenv("TERM"))
	return &IOStreams{
		In:       os.Stdin,
		Out:      NewSanitizer(os.Stdout),
		ErrOut:   NewSanitizer(os.Stderr),
		InTTY:    isTerminal(os.Stdin),
		OutTTY:   outTTY,
		ErrTTY:   errTTY,
		Color:    outColour,
		ErrColor: errColour,
	}
}

// colours decides, for each output stream on its own, whether it may have
// colour: only a terminal, and only when NO_COLOR is unset and TERM is not
// "dumb".
func colours(outTTY, errTTY, noColor bool, term string) (out, err bool) {
	allowed := !noColor && term != "dumb"
	return outTTY && allowed, errTTY && allowed
}

// Test returns non-TTY, colourless streams and their buffers; out and
// errOut receive what passed the sanitising writer, as a terminal would.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: NewSanitizer(out), ErrOut: NewSanitizer(errOut)}, in, out, errOut
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// Palette returns colour functions for stdout: they honour s.Color. It never
// touches fatih/color's global switch, so two streams can differ.
func (s *IOStreams) Palette() Palette { return palette(s.Color) }

// ErrPalette returns colour functions for stderr: they honour s.ErrColor.
func (s *IOStreams) ErrPalette() Palette { return palette(s.ErrColor) }

func palette(on bool) Palette {
	a := func(i int) func(string) string { return colour(on, palettes[i]...) }
	return Palette{Green: a(0), Red: a(1), Yellow: a(2), Bold: a(3), Dim: a(4), Cyan: a(5)}
}

func colour(on bool, attrs ...color.Attribute) func(string) string {
	c := color.New(attrs...)
	if on {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return func(v string) string { return c.Sprint(v) }
}

// Palette is a set of colour functions; each returns its input unchanged when
// colour is off.
type Palette struct {
	Green, Red, Yellow, Bold, Dim, Cyan func(string) string
}
