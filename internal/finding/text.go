package finding

import (
	"fmt"
	"io"

	"github.com/entratoken/entratoken/internal/iostreams"
)

// Write writes one finding in the text form every command shares: severity,
// code, message; the evidence; the fix, with the side it belongs on.
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
		where = fmt.Sprintf(" [%s %s:%d]", f.Source.Scope, f.Source.File, f.Source.Line)
	case f.Source != nil:
		where = fmt.Sprintf(" [%s policy line %d]", f.Source.Scope, f.Source.Line)
	case f.Line > 0:
		where = fmt.Sprintf(" [policy line %d]", f.Line)
	}
	fmt.Fprintf(w, "  %s %s%s%s  %s\n", sev, p.Bold(f.Code), mark, where, f.Message)
	if f.Expected != "" || f.Actual != "" {
		fmt.Fprintf(w, "          expected: %s\n          actual:   %s\n", orDash(f.Expected), orDash(f.Actual))
	}
	if f.Fix != "" {
		label := "fix:"
		if f.Side != "" {
			label = "fix (" + f.Side + "):"
		}
		fmt.Fprintf(w, "          %s %s\n", p.Green(label), f.Fix)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
