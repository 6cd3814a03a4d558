package inspect

import (
	"fmt"
	"io"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// WriteText writes the report for people: the signature verdict on one line,
// then lifetime, what kind of token it is, header and claims with their
// meanings, and every finding with its fix.
func (r *Report) WriteText(w io.Writer, p iostreams.Palette) error {
	ew := &errWriter{w: w}
	ew.printf("%s %s\n", p.Bold("signature:"), r.signatureLine(p))
	t := r.tok
	if t != nil {
		ew.printf("%s %s\n", p.Bold("lifetime: "), r.lifetimeLine(p))
		ew.printf("%s %s\n", p.Bold("token:    "), kindNote(r, t))
		ew.printf("%s %s\n", p.Bold("version:  "), strings.ReplaceAll(versionNote(r.Version, Tenant(t), r.Issuer), "; validate", "\n           validate"))
		ew.printf("\n%s\n", p.Bold("Header"))
		r.writeFields(ew, p, t.Header, headerOrder, func(k string) string { return headerMeaning[k] })
		ew.printf("\n%s\n", p.Bold("Claims"))
		r.writeFields(ew, p, t.Claims, claimOrder, func(k string) string { return r.annotate(t, k) })
	}
	if len(r.Findings) > 0 {
		ew.printf("\n%s\n", p.Bold("Findings"))
		for _, f := range r.Findings {
			finding.Write(ew, p, f)
		}
	}
	return ew.err
}

func (r *Report) signatureLine(p iostreams.Palette) string {
	s := r.Signature
	switch s.Status {
	case StatusValid:
		return fmt.Sprintf("%s  %s key %q from %s", p.Green("VALID"), s.Alg, s.Kid, s.KeysFrom)
	case StatusUnverifiable:
		return p.Yellow("UNVERIFIABLE BY DESIGN") + "  " + s.Reason
	case StatusUnverified:
		return p.Yellow("NOT VERIFIED") + "  " + s.Reason
	}
	for _, f := range r.Findings {
		if f.Code == finding.TokenTruncated {
			return p.Red("CUT OFF") + "  " + finding.Escape(s.Reason)
		}
	}
	return p.Red("INVALID") + "  " + finding.Escape(s.Reason)
}

func (r *Report) lifetimeLine(p iostreams.Palette) string {
	for _, f := range r.Findings {
		switch f.Code {
		case finding.Expired, finding.NotYetValid, finding.ExpirationMissing:
			return p.Red(strings.ReplaceAll(strings.ToUpper(f.Code), "_", " ")) + "  " + f.Message
		}
	}
	exp, _, _ := r.tok.Time("exp")
	return fmt.Sprintf("%s  expires in %s, at %s", p.Green("VALID"), Ago(exp.Sub(r.now)), exp.Format(TimeLayout))
}

func (r *Report) writeFields(ew *errWriter, p iostreams.Palette, m map[string]any, first []string, meaning func(string) string) {
	names := ordered(m, first)
	nameW, valW := 0, 0
	values := make([]string, len(names))
	for i, k := range names {
		values[i] = formatValue(m[k])
		nameW = max(nameW, len(k))
		if n := len(values[i]); n <= maxAlignedValue {
			valW = max(valW, n)
		}
	}
	for i, k := range names {
		line := fmt.Sprintf("  %-*s  %-*s", nameW, k, valW, values[i])
		if mean := meaning(k); mean != "" {
			line += "  " + p.Dim("# "+mean)
		}
		ew.printf("%s\n", strings.TrimRight(line, " "))
	}
}

// maxAlignedValue: longer values (issuers, long audiences) push their
// comment right instead of pushing every comment right.
const maxAlignedValue = 40

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) { fmt.Fprintf(e, format, a...) }
