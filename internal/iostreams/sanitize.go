package iostreams

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/fatih/color"
)

// palettes are the attribute sets Palette uses; their escape sequences are
// the only ones a sanitising writer lets through.
var palettes = [][]color.Attribute{
	{color.FgGreen, color.Bold}, {color.FgRed, color.Bold}, {color.FgYellow, color.Bold},
	{color.Bold}, {color.Faint}, {color.FgCyan},
}

// allowed holds the exact SGR sequences the palette writes (set colour or
// weight, reset): none of them moves the cursor, erases, hides text or
// retitles the window.
var allowed = func() [][]byte {
	var out [][]byte
	add := func(s string) {
		for _, seq := range bytes.SplitAfter([]byte(s), []byte("m")) {
			if len(seq) > 0 && !containsSeq(out, seq) {
				out = append(out, seq)
			}
		}
	}
	for _, attrs := range palettes {
		c := color.New(attrs...)
		c.EnableColor()
		before, after, _ := bytes.Cut([]byte(c.Sprint("\x00")), []byte{0})
		add(string(before))
		add(string(after))
	}
	return out
}()

func containsSeq(list [][]byte, s []byte) bool {
	for _, l := range list {
		if bytes.Equal(l, s) {
			return true
		}
	}
	return false
}

// NewSanitizer returns a writer that escapes, in everything written through
// it, what could make a terminal show something other than the text: C0
// controls but newline, tab and a CR just before a newline; DEL; C1 controls
// (U+0080-U+009F) and bytes that are not UTF-8; ESC except the palette's own
// colour sequences; and the bidirectional overrides and isolates that
// reorder a line (U+202A-U+202E, U+2066-U+2069). C0 controls read \x1b
// (encoding/json never leaves one raw); DEL and the runes read \u007f or
// \u009b, which inside a JSON string is the same character, so JSON written
// through it stays valid and means the same.
//
// Each Write is handled on its own: a palette sequence or a UTF-8 character
// split across two writes is escaped, never passed raw.
func NewSanitizer(w io.Writer) io.Writer { return &sanitizer{w: w} }

type sanitizer struct{ w io.Writer }

// Raw returns the writer under w's sanitising writer (w itself when it has
// none), for the one output that must pass byte for byte: call's response
// body to a stdout that is not a terminal (spec/cli.md, "Secrets in
// output"). Nothing else may use it.
func Raw(w io.Writer) io.Writer {
	if s, ok := w.(*sanitizer); ok {
		return s.w
	}
	return w
}

func (s *sanitizer) Write(p []byte) (int, error) {
	if _, err := s.w.Write(Sanitize(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Sanitize returns p with what NewSanitizer escapes escaped; p itself when
// nothing needs it.
func Sanitize(p []byte) []byte {
	i := 0
	for i < len(p) && safeASCII(p, i) {
		i++
	}
	if i == len(p) {
		return p
	}
	out := make([]byte, 0, len(p)+16)
	out = append(out, p[:i]...)
	for i < len(p) {
		c := p[i]
		switch {
		case safeASCII(p, i):
			out = append(out, c)
			i++
		case c == 0x1b:
			if n := allowedAt(p[i:]); n > 0 {
				out = append(out, p[i:i+n]...)
				i += n
				continue
			}
			out = append(out, `\x1b`...)
			i++
		case c == 0x7f:
			out = append(out, `\u007f`...) // DEL is raw in encoding/json's output: escape it the JSON way
			i++
		case c < 0x80:
			out = fmt.Appendf(out, `\x%02x`, c)
			i++
		default:
			r, size := utf8.DecodeRune(p[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				out = fmt.Appendf(out, `\x%02x`, c)
			case unsafeRune(r):
				out = fmt.Appendf(out, `\u%04x`, r)
			default:
				out = append(out, p[i:i+size]...)
			}
			i += size
		}
	}
	return out
}

// safeASCII: printable ASCII, newline, tab, and CR directly before LF.
func safeASCII(p []byte, i int) bool {
	c := p[i]
	return c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' || c == '\r' && i+1 < len(p) && p[i+1] == '\n'
}

func unsafeRune(r rune) bool {
	return r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

func allowedAt(p []byte) int {
	for _, seq := range allowed {
		if bytes.HasPrefix(p, seq) {
			return len(seq)
		}
	}
	return 0
}

// SanitizeString is Sanitize for a string.
func SanitizeString(s string) string { return string(Sanitize([]byte(s))) }
