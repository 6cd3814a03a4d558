package finding

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/entratoken/entratoken/internal/iostreams"
)

// Write writes one finding in the text form every command shares: severity,
// code, message; the evidence; the fix, with the side it belongs on. Its
// texts may carry what came from a token, a policy or a server: they are
// escaped (Escape).
func Write(w io.Writer, p iostreams.Palette, f Finding) {
	sev := p.Red("error  ")
	switch f.Severity {
	case SeverityWarning:
		sev = p.Yellow("warning")
	case SeverityInfo:
		sev = p.Cyan("info   ")
	}
	mark := ""
	if f.Primary {
		mark = " " + p.Bold("(the one APIM reports)")
	}
	where := ""
	switch {
	case f.Source != nil && f.Source.File != "":
		where = fmt.Sprintf(" [%s %s:%d]", f.Source.Scope, Escape(f.Source.File), f.Source.Line)
	case f.Source != nil:
		where = fmt.Sprintf(" [%s policy line %d]", f.Source.Scope, f.Source.Line)
	case f.Line > 0:
		where = fmt.Sprintf(" [policy line %d]", f.Line)
	}
	fmt.Fprintf(w, "  %s %s%s%s  %s\n", sev, p.Bold(f.Code), mark, where, Escape(f.Message))
	if f.Expected != "" || f.Actual != "" {
		fmt.Fprintf(w, "          expected: %s\n          actual:   %s\n", orDash(Escape(f.Expected)), orDash(Escape(f.Actual)))
	}
	if f.Fix != "" {
		label := "fix:"
		if f.Side != "" {
			label = "fix (" + f.Side + "):"
		}
		fmt.Fprintf(w, "          %s %s\n", p.Green(label), Escape(f.Fix))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Escape makes text that came from outside (a token, a policy, a server's
// message) safe to print on a terminal: control characters (C0, DEL, C1),
// the Unicode line and paragraph separators and the bidirectional overrides
// are shown as escapes (\n, \x1b, \u202e), as are bytes that are not UTF-8.
// Everything else, including non-ASCII letters, is kept.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if needsEscape(r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case needsEscape(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

func needsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
		return true
	case r == 0x2028, r == 0x2029, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == utf8.RuneError:
		return true
	}
	return false
}
