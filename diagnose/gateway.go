package diagnose

// This file reads the gateway's own answer as evidence: APIM's built-in
// messages and IdentityModel's IDX messages, with their parameters
// (shared/reference/entra-apim.md §1.5, §3.4; the templates are those of
// IdentityModel's LogMessages.cs), into findings with expected and actual.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// GatewayFindings reads the gateway's answer into findings: who refused and
// why, each with expected/actual from the message and the fix on its side.
// The first is the one the gateway reported, marked primary. A message
// entratoken does not recognise is one GATEWAY_REFUSED finding that shows it
// as it came. t is the token that was sent, when known (it tells the same
// app in its other form); nil is fine. An answer below 400 is no refusal:
// no findings.
func GatewayFindings(info ResponseInfo, t *token.Token) []finding.Finding {
	if info.Status < 400 {
		return nil
	}
	var f finding.Finding
	switch info.RefusedBy {
	case RefusedBySubscription:
		f = subscriptionFinding(info)
	case RefusedByBackend:
		f = finding.Finding{Code: finding.BackendRejected, Side: finding.SideClient, Actual: info.WWWAuthenticate,
			Message: "APIM let the request through and the backend refused it with its own challenge" + describeChallenge(info.WWWAuthenticate),
			Fix:     "the backend validates the token itself: compare its expected audience and issuer with the token (entratoken inspect), or ask its owners which it expects"}
	default:
		f = messageFinding(info, t)
	}
	f.Severity, f.Primary = finding.SeverityError, true
	return []finding.Finding{f}
}

// describeChallenge quotes a Bearer challenge's error_description.
func describeChallenge(c string) string {
	if m := challengeParam(c, "error_description"); m != "" {
		return fmt.Sprintf(": %q", m)
	}
	return ""
}

var challengeParamRE = regexp.MustCompile(`([A-Za-z_]+)\s*=\s*"([^"]*)"`)

func challengeParam(c, name string) string {
	for _, m := range challengeParamRE.FindAllStringSubmatch(c, -1) {
		if strings.EqualFold(m[1], name) {
			return m[2]
		}
	}
	return ""
}

func subscriptionFinding(info ResponseInfo) finding.Finding {
	where := "Ocp-Apim-Subscription-Key header"
	if name := challengeParam(info.WWWAuthenticate, "name"); name != "" {
		where = name + " header"
		if strings.EqualFold(challengeParam(info.WWWAuthenticate, "type"), "query") {
			where = name + " query parameter"
		}
	}
	msg := info.Message
	if msg == "" || strings.HasPrefix(msg, "{") {
		msg = "its challenge asks for a subscription key (" + info.WWWAuthenticate + ")"
	}
	f := finding.Finding{Code: finding.SubscriptionKeyMiss, Side: finding.SideClient,
		Message:  "APIM refused at its subscription check, before any policy or token check ran: " + msg,
		Expected: "a subscription key in the " + where, Actual: "none sent",
		Fix: "send a key of an active subscription to this API (or its product) in the " + where + " (entratoken call: APIM_SUBSCRIPTION_KEY)"}
	if strings.Contains(strings.ToLower(info.Message), "invalid subscription key") {
		f.Code, f.Actual = finding.SubscriptionKeyInvalid, "a key the gateway does not accept"
		f.Expected = "a valid key of an active subscription for this API"
		f.Fix = "the key is not a valid key of an active subscription for this API: copy it again from the portal (Subscriptions), check the subscription's scope (this API, its product, all APIs) and state"
	}
	return f
}

var (
	claimsMissingRE = regexp.MustCompile(`JWT token is missing the following claims: (.*?)\.?\s*(Access denied\.?)?$`)
	claimValueRE    = regexp.MustCompile(`^Claim (\S+) value of (.*) is not allowed`)
	claimValue2RE   = regexp.MustCompile(`^Claim value mismatch: ([^=\s]+)=(.*?)\.?$`)
	headerMissingRE = regexp.MustCompile(`^Header (\S+) was not found in the request`)
	headerValueRE   = regexp.MustCompile(`^Header (\S+) value of (.*) is not allowed`)
)

// messageFinding reads a refusal's message: an IDX message, one of APIM's
// built-in texts, or anything else, shown as it came.
func messageFinding(info ResponseInfo, t *token.Token) finding.Finding {
	msg := strings.TrimSpace(info.Message)
	if m, ok := finding.FindIDX(msg); ok {
		return idxFinding(m, t)
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "jwt not present"):
		return finding.Finding{Code: finding.TokenMissing, Side: finding.SideClient, Actual: "no token where the policy reads it",
			Expected: "Authorization: Bearer <token> (or the header or query parameter the policy names)",
			Message:  "the gateway says the token is not present (\"JWT not present.\"): it found no token where its validate-jwt reads it, or not with the scheme it requires",
			Fix:      "send the token as Authorization: Bearer <token>; if the policy reads another header or a query parameter, send it there (without Bearer in a custom header)"}
	case claimsMissingRE.MatchString(msg):
		names := splitList(claimsMissingRE.FindStringSubmatch(msg)[1])
		return claimsMissing(names, msg)
	case claimValueRE.MatchString(msg) || claimValue2RE.MatchString(msg):
		m := claimValueRE.FindStringSubmatch(msg)
		if m == nil {
			m = claimValue2RE.FindStringSubmatch(msg)
		}
		return claimValue(m[1], m[2], msg)
	case headerMissingRE.MatchString(msg):
		name := headerMissingRE.FindStringSubmatch(msg)[1]
		f := finding.Finding{Code: finding.HeaderCheckFailed, Side: finding.SideClient, Expected: "a " + name + " header", Actual: "none sent",
			Message: fmt.Sprintf("a check-header of the policy refused: the request has no %s header (%q)", name, msg),
			Fix:     "send the " + name + " header with a value the policy's check-header allows"}
		if strings.EqualFold(name, "Authorization") {
			f.Code, f.Expected, f.Fix = finding.TokenMissing, "Authorization: Bearer <token>", "send the token as Authorization: Bearer <token>"
		}
		return f
	case headerValueRE.MatchString(msg):
		m := headerValueRE.FindStringSubmatch(msg)
		return finding.Finding{Code: finding.HeaderCheckFailed, Side: finding.SideClient, Actual: m[2], Expected: "a value the policy's check-header lists for " + m[1],
			Message: fmt.Sprintf("a check-header of the policy refused the value of %s (%q)", m[1], msg),
			Fix:     "send " + m[1] + " with a value the policy allows (its check-header lists them)"}
	case strings.Contains(lower, "unable to match incoming request to an operation"):
		return finding.Finding{Code: finding.OperationNotFound, Side: finding.SideClient, Actual: msg,
			Message: "the gateway found the API but no operation for this method and path (\"Unable to match incoming request to an operation.\")",
			Fix:     "check the method and path against the API's operations (the portal's Design tab, or its OpenAPI document)"}
	case info.Status == 404 && strings.HasPrefix(lower, "resource not found"):
		return finding.Finding{Code: finding.APINotFound, Side: finding.SideClient, Actual: msg,
			Message: "the gateway answered 404 \"Resource not found\": most likely no API of the service has this path (APIM's documented behaviour is unclear here: a backend's own 404 can look the same)",
			Fix:     "check the URL's path against the APIs' URL suffixes (version segment, ;rev=N)"}
	case lower == "invalid jwt." || lower == "invalid jwt" || strings.Contains(lower, "access token is missing or invalid"):
		return finding.Finding{Code: finding.GatewayRefused, Side: finding.SideClient + " or " + finding.SideAPIM, Actual: msg,
			Message: fmt.Sprintf("the gateway's token validation refused, and its message (%q) does not say which check failed: it is APIM's generic text or the policy's failed-validation-error-message", msg),
			Fix:     "diagnose with the API's policy (--policy, --apiops or --apim) to see which check fails, or read the gateway's trace, which names the IDX message"}
	case msg == "":
		return finding.Finding{Code: finding.GatewayRefused, Side: finding.SideClient + " or " + finding.SideAPIM, Actual: "(an empty body)",
			Message: fmt.Sprintf("the gateway answered %d with no message%s", info.Status, whoRefused(info)),
			Fix:     "diagnose with the API's policy (--policy, --apiops or --apim), or read the gateway's trace"}
	}
	return finding.Finding{Code: finding.GatewayRefused, Side: finding.SideClient + " or " + finding.SideAPIM, Actual: msg,
		Message: fmt.Sprintf("the gateway answered %d with a message entratoken does not recognise (a custom message of the policy, an on-error section, or the backend)%s; it is shown as it came", info.Status, whoRefused(info)),
		Fix:     "read the message; diagnose with the API's policy (--policy, --apiops or --apim) to find the statement that answers it"}
}

func whoRefused(info ResponseInfo) string {
	if info.RefusedBy == RefusedByUnknown {
		return " (no APIM error body, no WWW-Authenticate: who refused is unknown)"
	}
	return ""
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !strings.EqualFold(p, "null") && p != finding.HiddenPII {
			out = append(out, p)
		}
	}
	return out
}

func claimsMissing(names []string, msg string) finding.Finding {
	f := finding.Finding{Code: finding.ClaimMismatch, Side: finding.SideClient, Expected: "the claims " + strings.Join(names, ", "),
		Actual:  "none of them in the token",
		Message: fmt.Sprintf("the gateway says the token lacks required claims: %s (%q)", strings.Join(names, ", "), msg),
		Fix:     "compare the token's claims (entratoken inspect) with the policy's <required-claims>"}
	if len(names) == 1 {
		f.Actual = "(no " + names[0] + " claim)"
		switch names[0] {
		case "roles":
			f.Code, f.Side = finding.RoleMissing, finding.SideEntra
			f.Message = "the gateway says the token has no roles claim: no app role of the API is assigned to the client, or admin consent was not granted"
			f.Expected = "a roles claim with a role the policy requires"
			f.Fix = "assign an app role of the API to the client's service principal (the client's API permissions > Add a permission > My APIs > Application permissions) and grant admin consent; roles defined on the client's own registration do not count"
		case "scp":
			f.Code = finding.ScopeMissing
			f.Message = "the gateway says the token has no scp claim: it is an app-only token, or no delegated scope of the API was requested"
			f.Expected = "a scp claim with a scope the policy requires"
			f.Fix = "sign the user in and request the API's scope (api://<api>/<scope>); for an app-only token the policy must check roles instead"
		}
	}
	return f
}

func claimValue(name, value, msg string) finding.Finding {
	f := finding.Finding{Code: finding.ClaimMismatch, Side: finding.SideClient, Actual: name + " " + value,
		Expected: "a value of " + name + " the policy's <required-claims> allows",
		Message:  fmt.Sprintf("the gateway says the token's %s claim has no value the policy allows (%q)", name, msg),
		Fix:      "compare the token's " + name + " (entratoken inspect) with the policy's <required-claims>"}
	switch name {
	case "roles":
		f.Code, f.Side = finding.RoleMissing, finding.SideEntra
		f.Fix = "assign the role the policy requires to the client's service principal and grant admin consent"
	case "scp":
		f.Code = finding.ScopeMissing
		f.Fix = "request the scope the policy requires (api://<api>/<scope>) and consent to it"
	case "aud":
		f.Code = finding.AudienceMismatch
		f.Fix = "request a token for the API this gateway protects (its App ID URI with /.default)"
	case "azp", "appid":
		f.Code, f.Side = finding.ClientAppNotAllowed, finding.SideAPIM
		f.Fix = "call with a client the policy allows, or add this client's application ID to the policy"
	case "tid":
		f.Code = finding.TenantMismatch
		f.Fix = "get the token from the API's tenant"
	}
	return f
}

// shown renders a parameter read from a message for expected/actual.
func shown(v string) string {
	if v == finding.HiddenPII {
		return "(hidden in the gateway's message)"
	}
	return v
}
