package diagnose

import (
	"fmt"
	"io"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// WriteText writes the report for people: the verdict and what APIM would
// answer on the first line, then each check, then every finding with its
// evidence and fix.
func (r *Report) WriteText(w io.Writer, p iostreams.Palette, source string) {
	switch r.Verdict {
	case Accepted:
		if r.Basis == "token" {
			fmt.Fprintf(w, "%s %s  in the token itself (signature, lifetime); whether APIM accepts it depends on its policy: pass the policy to check that\n", p.Bold("verdict:"), p.Green("NO PROBLEM FOUND"))
			break
		}
		fmt.Fprintf(w, "%s %s  APIM would forward the request (%d)\n", p.Bold("verdict:"), p.Green("ACCEPTED"), r.Status)
	case Rejected:
		if r.Message == "" {
			fmt.Fprintf(w, "%s %s  APIM answers %d with an empty body\n", p.Bold("verdict:"), p.Red("REJECTED"), r.Status)
		} else {
			fmt.Fprintf(w, "%s %s  APIM answers %d {\"statusCode\": %d, \"message\": %q}\n", p.Bold("verdict:"), p.Red("REJECTED"), r.Status, r.Status, r.Message)
		}
	case Unknown:
		fmt.Fprintf(w, "%s %s  a part of the policy that decides it cannot be evaluated offline (see POLICY_UNSUPPORTED below)\n", p.Bold("verdict:"), p.Yellow("UNKNOWN"))
	case Lint:
		n := 0
		for _, f := range r.Findings {
			if f.Severity == finding.SeverityError {
				n++
			}
		}
		res := p.Green("no errors")
		if n > 0 {
			res = p.Red(fmt.Sprintf("%d error(s)", n))
		}
		fmt.Fprintf(w, "%s %s  %s, %d finding(s) in all\n", p.Bold("lint:   "), source, res, len(r.Findings))
	}
	if source != "" && r.Verdict != Lint {
		fmt.Fprintf(w, "%s %s\n", p.Bold("checked:"), source)
	}
	if r.Response != nil {
		fmt.Fprintf(w, "%s %d, refused by %s", p.Bold("response:"), r.Response.Status, r.Response.RefusedBy)
		if r.Response.Message != "" {
			fmt.Fprintf(w, ": %s", r.Response.Message)
		}
		fmt.Fprintln(w)
	}
	if len(r.Checks) > 0 && r.Verdict != Lint {
		fmt.Fprintf(w, "\n%s\n", p.Bold("Checks"))
		for _, c := range r.Checks {
			res := map[string]string{"pass": p.Green("pass"), "fail": p.Red("FAIL"), "skip": p.Dim("skip")}[c.Result]
			fmt.Fprintf(w, "  %s  %-16s %s\n", res, c.Name, c.Detail)
		}
	}
	var shown []finding.Finding
	for _, f := range r.Findings {
		if f.Severity != finding.SeverityInfo || r.Verdict == Lint {
			shown = append(shown, f)
		}
	}
	if hidden := len(r.Findings) - len(shown); len(shown) > 0 || hidden > 0 {
		fmt.Fprintf(w, "\n%s\n", p.Bold("Findings"))
		for _, f := range shown {
			finding.Write(w, p, f)
		}
		if hidden > 0 {
			fmt.Fprintf(w, "  %s\n", p.Dim(fmt.Sprintf("(%d info finding(s) about statements that do not decide acceptance: -o json shows them)", hidden)))
		}
	}
}
