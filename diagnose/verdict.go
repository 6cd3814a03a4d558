package diagnose

// This file decides what a verdict rests on (spec/cli.md, diagnose, basis):
// the policy, the expectations, the token alone, or the gateway's own
// answer, which outranks any prediction.

import (
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// Bases of a verdict: what it rests on.
const (
	BasisPolicy       = "policy"       // the effective policy
	BasisExpectations = "expectations" // --audience, --tenant, ... as a validate-jwt
	BasisGateway      = "gateway"      // the gateway's own answer
	BasisToken        = "token"        // the token alone
)

// Agreement of a prediction with the gateway's answer.
const (
	Agree       = "agree"
	Disagree    = "disagree"
	Unavailable = "unavailable" // nothing to compare: the prediction was unknown, or the gateway refused before the policy ran
)

// Prediction is what the policy or the expectations predicted, when the
// gateway's answer is known too.
type Prediction struct {
	Basis     string `json:"basis"`
	Verdict   string `json:"verdict"`
	Status    int    `json:"status,omitempty"`
	Message   string `json:"message,omitempty"`
	Agreement string `json:"agreement"`
}

// judge weighs the gateway's answer against the report's own verdict. The
// gateway's answer is the one to believe: a refusal is never reported as
// accepted, and a prediction that differs from it is PREDICTION_DISAGREES.
func (r *Report) judge(g ResponseInfo, t *token.Token, pol *Policy) {
	r.Response = &g
	gw := GatewayFindings(g, t)
	gwVerdict := Rejected
	if g.Status < 400 {
		gwVerdict = Accepted
	}
	switch r.Basis {
	case BasisPolicy, BasisExpectations:
		p := &Prediction{Basis: r.Basis, Verdict: r.Verdict, Status: r.Status, Message: r.Message}
		p.Agreement = agreement(p, g)
		r.Prediction = p
		if p.Agreement == Agree && (r.Verdict == Rejected || gwVerdict == Accepted) {
			return // the prediction explains the answer
		}
		r.takeGateway(g, gwVerdict, gw)
		if p.Agreement == Disagree {
			r.Findings = append(r.Findings, disagreement(p, g, pol))
		}
	default:
		r.takeGateway(g, gwVerdict, gw)
	}
	SortFindings(r.Findings)
}

// takeGateway makes the gateway's answer the report's verdict, and its
// reason the primary finding; an error the report already has for the same
// check (a token cut off, where the gateway says only "signature") stays
// the more precise one.
func (r *Report) takeGateway(g ResponseInfo, verdict string, gw []finding.Finding) {
	r.Basis, r.Verdict, r.Status, r.Message = BasisGateway, verdict, g.Status, g.Message
	for i := range r.Findings {
		r.Findings[i].Primary = false
	}
	if len(gw) == 0 {
		return
	}
	if c := findingClass(gw[0].Code); c != "" && g.RefusedBy != RefusedBySubscription {
		for i, f := range r.Findings {
			if f.Severity == finding.SeverityError && findingClass(f.Code) == c {
				r.Findings[i].Primary = true
				return
			}
		}
	}
	r.Findings = append(gw, r.Findings...)
}

func agreement(p *Prediction, g ResponseInfo) string {
	gwRefused := g.Status >= 400
	switch {
	case p.Verdict == Unknown:
		return Unavailable
	case g.RefusedBy == RefusedBySubscription && messageClass(p.Message) != "subscription":
		return Unavailable
	case g.RefusedBy == RefusedByBackend:
		// APIM let the request through: the policy accepted it.
		if p.Verdict == Accepted {
			return Agree
		}
		return Disagree
	case gwRefused != (p.Verdict == Rejected):
		return Disagree
	case !gwRefused:
		return Agree
	case p.Status != g.Status:
		return Disagree
	case p.Message == g.Message:
		return Agree
	}
	if pc, gc := messageClass(p.Message), messageClass(g.Message); pc != "" && gc != "" && pc != gc {
		return Disagree
	}
	return Agree
}

func disagreement(p *Prediction, g ResponseInfo, pol *Policy) finding.Finding {
	why := "the policy that ran is not the one given: another scope's policy (All APIs, workspace, product, operation) runs too, another revision of the API is current, or the file is stale (the deployed policy changed since)"
	if pol != nil {
		for _, n := range pol.Inbound() {
			if n.Name == "base" {
				why = fmt.Sprintf("the policy that ran is not the one given: its <base /> (line %d) runs the policies of the enclosing scopes (All APIs, workspace, product), which the file does not contain; or another revision of the API is current, or the file is stale", n.Line)
				break
			}
		}
	}
	predicted, answered := briefAnswer(p.Verdict, p.Status, p.Message), briefAnswer(verdictOf(g.Status), g.Status, g.Message)
	if g.RefusedBy == RefusedByBackend {
		answered = fmt.Sprintf("accepted at APIM, then refused by the backend (%d)", g.Status)
	}
	return finding.Finding{Code: finding.PredictionDisagrees, Severity: finding.SeverityWarning, Side: finding.SideAPIM,
		Message:  fmt.Sprintf("the %s predicts %s, and the gateway answered %s: %s. The gateway's answer is the one to believe", predictionWords(p), predicted, answered, why),
		Expected: predicted, Actual: answered,
		Fix: "diagnose with the effective policy (every scope: --policy SCOPE=FILE, --apiops DIR or --apim SERVICE; the portal's Calculate effective policy shows it), or read the gateway's trace"}
}

// predictionWords names what the report's prediction rests on: the
// effective policy of a service (an APIOps folder, or read live), or the
// policy or expectations given.
func (r *Report) predictionWords() string {
	if r.Evidence != nil && r.Evidence.Service != "" && r.Prediction != nil && r.Prediction.Basis == BasisPolicy {
		return "effective policy"
	}
	return predictionWords(r.Prediction)
}

func predictionWords(p *Prediction) string {
	if p.Basis == BasisExpectations {
		return "expectations given"
	}
	return "policy given"
}

func verdictOf(status int) string {
	if status >= 400 {
		return Rejected
	}
	return Accepted
}

func describeAnswer(verdict string, status int, msg string) string {
	switch {
	case verdict == Unknown:
		return "unknown"
	case msg == "":
		return fmt.Sprintf("%s (%d)", verdict, status)
	}
	return fmt.Sprintf("%s (%d %q)", verdict, status, msg)
}

// briefAnswer names a verdict by its status and the check its message is
// about: "rejected (401, at the audience check)".
func briefAnswer(verdict string, status int, msg string) string {
	if verdict == Accepted || verdict == Unknown {
		return describeAnswer(verdict, status, "")
	}
	if w, ok := classWords[messageClass(msg)]; ok {
		return fmt.Sprintf("%s (%d, at %s)", verdict, status, w)
	}
	if len(msg) > 80 {
		msg = msg[:77] + "..."
	}
	return describeAnswer(verdict, status, msg)
}

var classWords = map[string]string{
	"present": "the token's presence", "malformed": "the token's format", "signature": "the signature check",
	"lifetime": "the lifetime check", "audience": "the audience check", "issuer": "the issuer check",
	"claims": "the required claims", "header": "a check-header", "subscription": "the subscription key check",
}

// messageClass names the check a refusal's message is about, so that a
// prediction and the gateway's answer can be compared when their words
// differ: "signature", "audience", ... or "" when the message does not say.
func messageClass(msg string) string {
	if m, ok := finding.FindIDX(msg); ok {
		if c := findingClass(m.Finding); c != "" && m.Known {
			return c
		}
		return m.Code
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "jwt not present"):
		return "present"
	case claimsMissingRE.MatchString(msg), claimValueRE.MatchString(msg), claimValue2RE.MatchString(msg):
		return "claims"
	case headerMissingRE.MatchString(msg), headerValueRE.MatchString(msg):
		return "header"
	case strings.Contains(lower, "subscription key"):
		return "subscription"
	}
	return ""
}

// findingClass groups the codes of one check of the gateway's order.
func findingClass(code string) string {
	switch code {
	case finding.TokenMissing, finding.SchemeMissing:
		return "present"
	case finding.TokenMalformed, finding.TokenEncrypted:
		return "malformed"
	case finding.Unsigned, finding.AlgNotAllowed, finding.SigningKeyNotFound, finding.SignatureInvalid, finding.GraphToken,
		finding.TokenTruncated, finding.PolicyUnsatisfiable, finding.KeysUnavailable:
		return "signature"
	case finding.Expired, finding.NotYetValid, finding.ExpirationMissing:
		return "lifetime"
	case finding.AudienceMismatch:
		return "audience"
	case finding.IssuerMismatch, finding.IssuerVersionMismatch, finding.TenantMismatch:
		return "issuer"
	case finding.RoleMissing, finding.ScopeMissing, finding.TokenTypeMismatch, finding.ClaimMismatch, finding.ClientAppNotAllowed:
		return "claims"
	case finding.SubscriptionKeyMiss, finding.SubscriptionKeyInvalid:
		return "subscription"
	}
	return ""
}
