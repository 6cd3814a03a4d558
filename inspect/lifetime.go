package inspect

import (
	"fmt"
	"time"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// Lifetime checks exp and nbf with the given clock skew (APIM's default is 0).
func Lifetime(t *token.Token, now time.Time, skew time.Duration) []finding.Finding {
	var out []finding.Finding
	exp, ok, err := t.Time("exp")
	switch {
	case err != nil:
		out = append(out, finding.Finding{Code: finding.ExpirationMissing, Severity: finding.SeverityError,
			Message: "the expiry is unreadable: " + err.Error(), Fix: "get a token from Entra; its exp is a number of seconds"})
	case !ok:
		out = append(out, finding.Finding{Code: finding.ExpirationMissing, Severity: finding.SeverityError,
			Message: "the token has no exp claim; validators that require an expiry (APIM's default) refuse it",
			Fix:     "get a token from Entra: its access tokens always expire"})
	case !now.Before(exp.Add(skew)):
		out = append(out, finding.Finding{Code: finding.Expired, Severity: finding.SeverityError,
			Message:  fmt.Sprintf("the token expired %s ago, at %s", Ago(now.Sub(exp)), exp.Format(TimeLayout)),
			Expected: "exp after " + now.UTC().Format(TimeLayout), Actual: exp.Format(TimeLayout),
			Fix: "acquire a new token; Entra access tokens live 60–90 minutes, so cache and renew them before expiry"})
	}
	nbf, ok, err := t.Time("nbf")
	if err == nil && ok && now.Add(skew).Before(nbf) {
		out = append(out, finding.Finding{Code: finding.NotYetValid, Severity: finding.SeverityError,
			Message:  fmt.Sprintf("the token is not valid for another %s (nbf %s)", Ago(nbf.Sub(now)), nbf.Format(TimeLayout)),
			Expected: "nbf before " + now.UTC().Format(TimeLayout), Actual: nbf.Format(TimeLayout),
			Fix: "check this machine's clock (Entra sets nbf a few minutes before issue); or allow clock skew in the validator"})
	}
	return out
}

// TimeLayout is how times are shown to people: UTC, to the second.
const TimeLayout = "2006-01-02 15:04:05 UTC"

// Ago renders a duration compactly for people: 45s, 52m, 3h12m, 2d4h.
func Ago(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
