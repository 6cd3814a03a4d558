package diagnose

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/internal/token"
)

// outcome is what one statement did to the request.
type outcome struct {
	findings []finding.Finding
	checks   []Check
	failed   bool   // the gateway stops here
	unknown  bool   // the outcome cannot be known offline
	status   int    // when failed
	message  string // the body's message, when failed
	// trace is what the gateway's trace says of the failure: the library's
	// message (IdentityModel's IDX text), which a failed-validation-error-
	// message replaces in the answer only.
	trace string
}

func (o *outcome) check(name, result, detail string) {
	o.checks = append(o.checks, Check{Name: name, Result: result, Detail: detail})
}

// fail records an error finding with the message APIM would return for it.
func (o *outcome) fail(f finding.Finding, apimMessage string) {
	f.Severity = finding.SeverityError
	if !o.failed {
		o.failed = true
		o.message, o.trace = apimMessage, apimMessage
	}
	o.findings = append(o.findings, f)
}

func (o *outcome) warn(f finding.Finding) {
	if f.Severity == "" {
		f.Severity = finding.SeverityWarning
	}
	o.findings = append(o.findings, f)
}

// env is what evaluation needs besides the rule and the token.
type env struct {
	ctx       context.Context
	resolver  *keys.Resolver
	authority *url.URL
	now       time.Time
	req       Request
	token     string // the token being diagnosed, as the client would send it
	keys      KeySource
	given     *givenKeys // the keys --jwks/--openid-config name, fetched once
}

// evalRule runs a token rule in APIM's order: token present, parse,
// signature, lifetime, audience, issuer, required claims, client app. Every
// check runs, so every reason is reported; the first failure is the one the
// gateway answers with.
func evalRule(e env, r *rule) (*outcome, error) {
	o := &outcome{status: r.FailCode}
	for _, u := range r.unsupported {
		o.warn(finding.Finding{Code: finding.PolicyUnsupported, Line: u.Line, Side: finding.SideAPIM,
			Message: fmt.Sprintf("%s (%s at line %d) cannot be evaluated offline", u.What, r.Kind, u.Line),
			Fix:     "check this part with the APIM trace; entratoken did not assume it passes"})
		if u.Blocks {
			o.unknown = true
		}
	}
	raw, ok := extractToken(e, r, o)
	if !ok {
		return o, nil
	}
	t, err := token.Decode(raw)
	if err != nil {
		te := err.(*token.Error)
		f := te.Finding()
		f.Side = finding.SideClient
		msg := "IDX12741: JWT must have three segments (JWS) or five segments (JWE)."
		if te.Code == finding.TokenMissing {
			msg = "JWT not present."
		}
		o.fail(f, msg)
		o.check("token", "fail", te.Message)
		return o, nil
	}
	o.check("token", "pass", "a compact JWS, "+describeToken(t))

	sources, err := loadKeys(e, r, t)
	if err != nil {
		return nil, err
	}
	checkSignature(e, r, t, o, sources)
	checkLifetime(e, r, t, o)
	checkAudience(r, t, o)
	if err := checkIssuer(e, r, t, o, sources); err != nil {
		return nil, err
	}
	checkClaims(r, t, o)
	checkClientApp(r, t, o)
	markConsequences(o)
	if o.failed && r.FailMessage != "" && !IsExpression(r.FailMessage) {
		o.message = r.FailMessage
	}
	return o, nil
}

func describeToken(t *token.Token) string {
	return fmt.Sprintf("v%s %s token for %s", inspect.Version(t), inspect.Kind(t), t.String("aud"))
}

// extractToken finds the token where the rule reads it. The client is
// assumed to send it there: diagnose answers "would APIM accept this token".
func extractToken(e env, r *rule, o *outcome) (string, bool) {
	switch {
	case r.TokenValue != "":
		v, err := EvalString(r.TokenValue, e.req)
		if err != nil {
			o.warn(finding.Finding{Code: finding.PolicyUnsupported, Line: r.Line, Side: finding.SideAPIM,
				Message: "token-value " + err.Error(), Fix: "check it with the APIM trace"})
			o.unknown = true
			return "", false
		}
		o.check("token", "pass", "read by the token-value expression")
		return strings.TrimSpace(v), true
	case r.QueryParam != "":
		if v, ok := e.req.Query[r.QueryParam]; ok {
			return v, true
		}
		o.check("token", "pass", "read from the query parameter "+r.QueryParam+" (assumed: the client sends it there)")
		return e.token, true
	}
	name := r.HeaderName
	if name == "" {
		name = "Authorization"
	}
	v, present := lookupHeader(e.req.Headers, name)
	if !present && !strings.EqualFold(name, "Authorization") && e.token != "" {
		// The question is whether APIM accepts this token: assume the client
		// sends it where the policy reads it (bare: no scheme in custom headers).
		o.check("token", "pass", "read from the header "+name+" (assumed: the client sends it there, without Bearer; --header overrides)")
		v, present = e.token, true
	}
	if !present || strings.TrimSpace(v) == "" {
		o.fail(finding.Finding{Code: finding.TokenMissing, Side: finding.SideClient,
			Message: fmt.Sprintf("no token in the %s header", name), Fix: "send the token in " + name}, "JWT not present.")
		return "", false
	}
	if !strings.EqualFold(name, "Authorization") && len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		o.fail(finding.Finding{Code: finding.TokenMalformed, Side: finding.SideClient,
			Message:  fmt.Sprintf("the %s header carries \"Bearer <token>\"; with a custom header-name APIM reads the whole value as the token", name),
			Expected: "the bare token", Actual: "Bearer …",
			Fix: "send the token alone in " + name + ", or have the policy read the Authorization header"},
			"IDX12741: JWT must have three segments (JWS) or five segments (JWE).")
		o.check("token", "fail", name+" carries a Bearer scheme")
		return "", false
	}
	if strings.EqualFold(name, "Authorization") {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if r.RequireScheme != "" && !strings.EqualFold(scheme, r.RequireScheme) {
			o.fail(finding.Finding{Code: finding.SchemeMissing, Side: finding.SideClient,
				Message:  fmt.Sprintf("the Authorization header does not use the %s scheme the policy requires", r.RequireScheme),
				Expected: r.RequireScheme + " <token>", Actual: scheme + " …",
				Fix: "send Authorization: " + r.RequireScheme + " <token>"}, "JWT not present.")
			return "", false
		}
		if strings.EqualFold(scheme, "Bearer") {
			v = rest
		}
	}
	return strings.TrimSpace(v), true
}

func lookupHeader(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// markConsequences: when the token is for another API, its version and its
// roles follow from that API's registration; those findings say so, so that
// nobody changes this API's manifest to suit a token it should never get.
func markConsequences(o *outcome) {
	wrongAPI := false
	for i, f := range o.findings {
		if f.Code == finding.AudienceMismatch && f.Side == finding.SideClient {
			wrongAPI = true
			continue
		}
		if !wrongAPI {
			continue
		}
		switch f.Code {
		case finding.IssuerVersionMismatch, finding.RoleMissing, finding.ScopeMissing, finding.TokenTypeMismatch:
			o.findings[i].Message = "probably a consequence of the wrong audience (a token for this API may well pass): " + f.Message
		}
	}
}
