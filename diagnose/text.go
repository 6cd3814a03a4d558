package diagnose

import (
	"fmt"
	"io"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// WriteText writes the report for people: the verdict and what it rests on
// on the first lines, then each check, then every finding with its evidence
// and fix. source names what was checked (a policy file, "expectations from
// the command line", ...).
func (r *Report) WriteText(w io.Writer, p iostreams.Palette, source string) {
	verdict := p.Bold("verdict:")
	switch {
	case r.Verdict == Lint:
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
		fmt.Fprintf(w, "%s %s  %s, %d finding(s) in all\n", p.Bold("lint:   "), finding.Escape(source), res, len(r.Findings))
	case r.Basis == BasisGateway && r.Verdict == Rejected:
		fmt.Fprintf(w, "%s %s  the gateway answered %s\n", verdict, p.Red("REJECTED"), r.answer())
	case r.Basis == BasisGateway:
		fmt.Fprintf(w, "%s %s  the gateway answered %d: it let the request through\n", verdict, p.Green("ACCEPTED"), r.Status)
	case r.Verdict == Accepted && r.Basis == BasisExpectations:
		fmt.Fprintf(w, "%s %s  a validate-jwt with these expectations accepts the token; APIM would forward the request (%d)\n", verdict, p.Green("ACCEPTED"), r.Status)
	case r.Verdict == Accepted:
		fmt.Fprintf(w, "%s %s  APIM would forward the request (%d)\n", verdict, p.Green("ACCEPTED"), r.Status)
	case r.Verdict == Rejected && r.Basis == BasisToken && r.Message == "":
		fmt.Fprintf(w, "%s %s  the token fails its own checks, so an APIM policy that validates Entra access tokens refuses it (%d)\n", verdict, p.Red("REJECTED"), r.Status)
	case r.Verdict == Rejected && r.Basis == BasisToken:
		fmt.Fprintf(w, "%s %s  the token fails its own checks, so an APIM policy that validates Entra access tokens refuses it: %d, with the message %q (unless the policy sets its own failed-validation-error-message)\n",
			verdict, p.Red("REJECTED"), r.Status, r.Message)
	case r.Verdict == Rejected:
		fmt.Fprintf(w, "%s %s  APIM answers %s\n", verdict, p.Red("REJECTED"), r.answer())
	case r.Verdict == Unknown && r.Basis == BasisToken:
		fmt.Fprintf(w, "%s %s — nothing is wrong with the token itself; whether APIM accepts it depends on the policy, which was not given (--policy, --apiops, --apim)\n", verdict, p.Yellow("UNKNOWN"))
	case r.Verdict == Unknown:
		fmt.Fprintf(w, "%s %s  a part of the policy that decides it cannot be evaluated offline (see POLICY_UNSUPPORTED below)\n", verdict, p.Yellow("UNKNOWN"))
	}
	if source != "" && r.Verdict != Lint {
		fmt.Fprintf(w, "%s %s\n", p.Bold("checked:"), finding.Escape(source))
	}
	if by := r.DecidedBy(); by != "" {
		fmt.Fprintf(w, "%s %s\n", p.Bold("refused by:"), finding.Escape(by))
	}
	if r.Basis == BasisToken {
		fmt.Fprintf(w, "%s the audience, issuer, roles and claims the API's policy requires (no policy was given)\n", p.Bold("not checked:"))
	}
	r.writeGateway(w, p)
	if len(r.Checks) > 0 && r.Verdict != Lint {
		fmt.Fprintf(w, "\n%s\n", p.Bold("Checks"))
		for _, c := range r.Checks {
			res := map[string]string{"pass": p.Green("pass"), "fail": p.Red("FAIL"), "skip": p.Dim("skip")}[c.Result]
			fmt.Fprintf(w, "  %s  %-16s %s\n", res, c.Name, finding.Escape(c.Detail))
		}
	}
	var shown []finding.Finding
	for _, f := range r.Findings {
		if f.Severity != finding.SeverityInfo || f.Explains || r.Verdict == Lint {
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

// answer renders the status and body APIM answers (or answered).
func (r *Report) answer() string {
	if g := r.Response; r.Basis == BasisGateway && g != nil && !g.apimBody {
		switch {
		case g.RefusedBy == RefusedByBackend:
			return fmt.Sprintf("%d with WWW-Authenticate: %s", r.Status, finding.Escape(g.WWWAuthenticate))
		case r.Message != "":
			return fmt.Sprintf("%d with the body %q", r.Status, r.Message)
		}
	}
	if r.Message == "" {
		return fmt.Sprintf("%d with an empty body", r.Status)
	}
	return fmt.Sprintf("%d {\"statusCode\": %d, \"message\": %q}", r.Status, r.Status, r.Message)
}

// writeGateway says what the gateway answered, who refused, and whether the
// prediction agrees.
func (r *Report) writeGateway(w io.Writer, p iostreams.Palette) {
	g := r.Response
	if g == nil {
		return
	}
	fmt.Fprintf(w, "%s answered %d", p.Bold("gateway:"), g.Status)
	if g.RefusedBy != "" {
		fmt.Fprintf(w, ", refused by %s", refusedByWords(g.RefusedBy))
	}
	if g.Message != "" && g.Message != r.Message {
		fmt.Fprintf(w, ": %s", finding.Escape(g.Message))
	}
	pr := r.Prediction
	switch {
	case pr != nil && pr.Agreement == Agree && g.RefusedBy == RefusedByBackend:
		fmt.Fprintf(w, ", after APIM let it through %s", p.Green("as the "+r.predictionWords()+" predicts"))
	case pr != nil && pr.Agreement == Agree:
		fmt.Fprintf(w, ", %s", p.Green("as the "+r.predictionWords()+" predicts"))
	}
	fmt.Fprintln(w)
	if pr == nil {
		return
	}
	predicted := strings.ToUpper(pr.Verdict)
	if pr.Status != 0 {
		predicted += fmt.Sprintf(" (%d)", pr.Status)
	}
	switch pr.Agreement {
	case Disagree:
		fmt.Fprintf(w, "%s %s under the %s, which %s: the gateway's answer is the one to believe (PREDICTION_DISAGREES below)\n",
			p.Bold("prediction:"), predicted, r.predictionWords(), p.Yellow("disagrees"))
	case Unavailable:
		why := "the " + r.predictionWords() + " could not decide offline; the gateway's answer decides"
		if g.RefusedBy == RefusedBySubscription {
			why = "not compared: the gateway refused at its subscription check, before any policy ran; this is what follows once a valid key is sent"
		}
		fmt.Fprintf(w, "%s %s under the %s (%s)\n", p.Bold("prediction:"), predicted, r.predictionWords(), why)
	}
}

func refusedByWords(by string) string {
	switch by {
	case RefusedBySubscription:
		return "APIM's subscription key check"
	case RefusedByToken:
		return "APIM's token policy"
	case RefusedByBackend:
		return "the backend (its own WWW-Authenticate)"
	}
	return "unknown (no APIM error body, no WWW-Authenticate)"
}
