// Package diagnose predicts Azure API Management's verdict on a token: it
// evaluates the inbound policy the way the gateway does (validate-jwt,
// validate-azure-ad-token, check-header, choose/when on the token's claims,
// return-response), offline, and reports every reason for a refusal with the
// evidence, the message APIM would return, and the fix on the side where it
// belongs. Semantics follow Microsoft's policy reference as collected in
// shared/reference/entra-apim.md §1–§4 and §9; where Microsoft's
// documentation leaves a behaviour open, the finding text says so in plain
// words. What cannot be evaluated offline is reported as POLICY_UNSUPPORTED,
// never passed silently. A verdict says what it rests on (Report.Basis), and
// the gateway's own answer, when known, outranks any prediction.
package diagnose

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
)

// Verdicts.
const (
	Accepted = "accepted"
	Rejected = "rejected"
	Unknown  = "unknown" // something that decides it cannot be evaluated offline, or (basis token) no policy was given
	Lint     = "lint"
)

// Check is one step of the evaluation (spec/cli.md, diagnose JSON).
type Check struct {
	Name   string `json:"name"`
	Result string `json:"result"` // pass, fail, skip
	Detail string `json:"detail"`
}

// Report is diagnose's answer. Its JSON form is the contract.
type Report struct {
	Verdict string `json:"verdict"`
	// Status is what APIM answers (or answered); absent when the verdict
	// is unknown.
	Status   int               `json:"status,omitempty"`
	Message  string            `json:"message"`
	Findings []finding.Finding `json:"findings"`
	Checks   []Check           `json:"checks"`
	Token    string            `json:"token,omitempty"` // fingerprint
	// Response is the gateway's own answer, when one is known (--response,
	// or call's refusal).
	Response *ResponseInfo `json:"response,omitempty"`
	// Basis says what the verdict rests on: "policy", "expectations",
	// "gateway" (the gateway's own answer), or "token" (the token alone:
	// "rejected" when it fails its own checks, otherwise "unknown", never
	// "accepted").
	Basis string `json:"basis,omitempty"`
	// Prediction is what the policy or the expectations predicted, when
	// the gateway's answer is known too, and whether they agree.
	Prediction *Prediction `json:"prediction,omitempty"`
}

// Input is what to evaluate.
type Input struct {
	Token        string // normalized; "" to lint the policy alone
	Policy       *Policy
	Expectations *Expectations
	// SubscriptionKey says whether the request carries Ocp-Apim-Subscription-Key.
	SubscriptionKey bool
	Headers         map[string]string // further request headers
	Now             time.Time
	Resolver        *keys.Resolver
	Authority       *url.URL
	// AsSent evaluates the request exactly as given in Headers and Query,
	// with no assumption about where the token travels: what a gateway does.
	AsSent bool
	Query  map[string]string
	// Gateway is the gateway's own answer to this token, when known (a
	// saved response, or call's refusal): evidence that outranks the
	// prediction.
	Gateway *ResponseInfo
	// Keys replaces where keys come from (--jwks, --openid-config).
	Keys KeySource
}

// Run evaluates in. The error is a *keys.Error when a policy's metadata or
// keys cannot be had.
func Run(ctx context.Context, in Input) (*Report, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	if in.Authority == nil { // library callers may leave it: Entra's global cloud
		in.Authority, _ = url.Parse(netx.DefaultAuthority)
	}
	if in.Resolver == nil {
		in.Resolver = &keys.Resolver{Authority: in.Authority, HTTP: netx.NewClient(30*time.Second, nil)}
	}
	req := Request{Headers: map[string]string{}, Query: map[string]string{}}
	for k, v := range in.Headers {
		req.Headers[k] = v
	}
	for k, v := range in.Query {
		req.Query[k] = v
	}
	if _, set := lookupHeader(req.Headers, "Authorization"); in.Token != "" && !set && !in.AsSent {
		req.Headers["Authorization"] = "Bearer " + in.Token
	}
	if in.SubscriptionKey {
		req.Headers["Ocp-Apim-Subscription-Key"] = "(sent)"
	}
	e := env{ctx: ctx, resolver: in.Resolver, authority: in.Authority, now: now, req: req, token: in.Token, keys: in.Keys, given: &givenKeys{}}
	if in.AsSent {
		e.token = "" // no assumed placement: the token is where the request has it
	}
	rep := &Report{Findings: []finding.Finding{}, Checks: []Check{}}
	if in.Token != "" {
		rep.Token = token.Fingerprint(in.Token)
	}
	switch {
	case in.Policy != nil:
		rep.Basis = BasisPolicy
	case !in.Expectations.empty():
		rep.Basis = BasisExpectations
	default:
		rep.Basis = BasisToken
	}
	w := &walker{e: e, rep: rep, raw: in.Token, asSent: in.AsSent}
	if in.Policy != nil {
		if err := w.statements(in.Policy.Inbound()); err != nil {
			return nil, err
		}
		if in.Policy.Root.Child("on-error") != nil {
			w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideAPIM, Explains: true,
				Line:    in.Policy.Root.Child("on-error").Line,
				Message: "the policy has an <on-error> section: it may replace the status and body of a refusal (the failed-validation-error-message then never shows)",
				Fix:     "read the <on-error> section for what the client really receives"})
		}
	}
	switch {
	case !in.Expectations.empty():
		if err := w.rule(ruleFromExpectations(in.Expectations)); err != nil {
			return nil, err
		}
	case in.Policy == nil && in.Token != "":
		// Token-only checks: what is wrong with the token whatever the
		// policy: signature against its own tenant, lifetime, Graph, roles.
		r := ruleFromExpectations(&Expectations{})
		r.Kind = "token-only"
		if err := w.rule(r); err != nil {
			return nil, err
		}
		if t, err := token.Decode(in.Token); err != nil {
			// the rule above reported why it does not decode
		} else if f, ok := inspect.IDTokenFinding(t); ok {
			// An ID token is no access token for any API: a check of its own
			// it fails, whatever the policy (spec/cli.md, diagnose, basis).
			o := &outcome{status: 401}
			f.Message += "; an API's policy refuses it (typically at the audience: it names the client, not the API)"
			o.fail(f, "")
			w.absorb(o)
		} else if inspect.Kind(t) == "app" && len(t.Strings("roles")) == 0 {
			w.note(finding.Finding{Code: finding.RoleMissing, Severity: finding.SeverityWarning, Side: finding.SideEntra,
				Message: "this app-only token has no roles: no app role of the API is assigned to the client, and APIs and policies that check roles refuse it",
				Actual:  "(no roles claim)",
				Fix:     "assign an app role of the API to the client's service principal and grant admin consent"})
		}
	}
	w.finish()
	if in.Gateway != nil {
		var t *token.Token
		if in.Token != "" {
			t, _ = token.Decode(in.Token)
		}
		rep.judge(*in.Gateway, t, in.Policy)
	}
	return rep, nil
}

type walker struct {
	e   env
	rep *Report
	raw string

	decided bool // the gateway's answer is known: a refusal or return-response
	unknown bool // something before the answer could not be evaluated
	asSent  bool
}

func (w *walker) note(f finding.Finding) { w.rep.Findings = append(w.rep.Findings, f) }

// absorb adds a statement's outcome; the first refusal decides the answer.
func (w *walker) absorb(o *outcome) {
	w.rep.Findings = append(w.rep.Findings, o.findings...)
	w.rep.Checks = append(w.rep.Checks, o.checks...)
	if w.decided {
		return
	}
	if o.unknown {
		// A part that decides this statement cannot be evaluated: its
		// failures are listed, but they may come from that very part.
		w.unknown = true
		return
	}
	if o.failed && !w.unknown {
		w.decided = true
		w.rep.Status, w.rep.Message = o.status, o.message
		// The primary finding: the first error this statement produced in
		// APIM's order, which evalRule follows.
		for i := len(w.rep.Findings) - len(o.findings); i < len(w.rep.Findings); i++ {
			if w.rep.Findings[i].Severity == finding.SeverityError {
				w.rep.Findings[i].Primary = true
				break
			}
		}
	}
}

func (w *walker) rule(r *rule) error {
	if w.raw == "" && !w.asSent {
		return nil
	}
	o, err := evalRule(w.e, r)
	if err != nil {
		return err
	}
	w.absorb(o)
	return nil
}

func (w *walker) statements(nodes []*Node) error {
	for _, n := range nodes {
		if w.decided {
			return nil // the gateway answered before this statement
		}
		if err := w.statement(n); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) statement(n *Node) error {
	switch n.Name {
	case "validate-jwt":
		return w.rule(ruleFromValidateJWT(n))
	case "validate-azure-ad-token":
		return w.rule(ruleFromAzureADToken(n))
	case "check-header":
		w.absorb(checkHeader(w.e, n))
	case "choose":
		return w.choose(n)
	case "return-response", "mock-response":
		o := returnResponse(n)
		undecided := !w.decided && !w.unknown
		w.absorb(o)
		if undecided && !o.failed {
			w.rep.Status = o.status // APIM answers itself
		}
		w.decided = w.decided || !w.unknown
	case "base":
		w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideAPIM, Line: n.Line, Explains: true,
			Message: "<base /> runs the policies of the enclosing scopes (all APIs, product, API), which entratoken cannot see",
			Fix:     "if those validate tokens too, diagnose with their policy as well"})
	case "authentication-managed-identity":
		w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: n.Line,
			Message: "authentication-managed-identity replaces the Authorization header with APIM's own token; a validate-jwt after it checks APIM's token, not the client's",
			Fix:     "put validate-jwt before authentication-managed-identity"})
	default:
		if harmless[n.Name] {
			w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideAPIM, Line: n.Line,
				Message: fmt.Sprintf("<%s> is not evaluated; it does not decide whether the token is accepted", n.Name)})
			return nil
		}
		f := finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: n.Line,
			Message: fmt.Sprintf("<%s> cannot be evaluated offline and may refuse requests on its own (not because of the token)", n.Name),
			Fix:     "check it with the APIM trace"}
		if n.Name == "include-fragment" {
			f.Severity = finding.SeverityError
			f.Message = "<include-fragment> runs a policy fragment entratoken cannot see; it may validate the token"
			f.Fix = "diagnose with the fragment's content as --policy"
			if !w.decided {
				w.unknown = true
			}
		}
		w.note(f)
	}
	return nil
}

func (w *walker) choose(n *Node) error {
	for _, c := range n.Children {
		switch c.Name {
		case "when":
			cond := c.AttrOr("condition", "")
			ok, err := EvalCondition(cond, w.e.req)
			if err != nil {
				w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityError, Side: finding.SideAPIM, Line: c.Line,
					Message: fmt.Sprintf("the <when> condition at line %d %v; which branch runs is unknown", c.Line, err),
					Fix:     "check this branch with the APIM trace; entratoken did not assume either branch"})
				if !w.decided {
					w.unknown = true
				}
				return nil
			}
			w.rep.Checks = append(w.rep.Checks, Check{Name: "condition", Result: map[bool]string{true: "pass", false: "skip"}[ok],
				Detail: fmt.Sprintf("line %d: %s is %v", c.Line, shorten(cond), ok)})
			if ok {
				return w.statements(c.Children)
			}
		case "otherwise":
			w.rep.Checks = append(w.rep.Checks, Check{Name: "condition", Result: "pass", Detail: fmt.Sprintf("line %d: otherwise", c.Line)})
			return w.statements(c.Children)
		}
	}
	return nil
}

// shorten folds an expression's white space onto one line.
func shorten(s string) string { return strings.Join(strings.Fields(s), " ") }

func (w *walker) finish() {
	r := w.rep
	SortFindings(r.Findings)
	switch {
	case w.decided && r.Status >= 400:
		r.Verdict = Rejected
	case w.unknown, r.Basis == BasisToken:
		// The token alone never says that APIM accepts it: that depends
		// on a policy nobody gave.
		r.Verdict, r.Status, r.Message = Unknown, 0, ""
	default:
		r.Verdict = Accepted
		if !w.decided {
			r.Status = 200
		}
		r.Message = ""
	}
}

// SortFindings puts the primary finding first, then errors, warnings and
// infos, each in the order they were found.
func SortFindings(fs []finding.Finding) {
	rank := func(f finding.Finding) int {
		switch {
		case f.Primary:
			return 0
		case f.Severity == finding.SeverityError:
			return 1
		case f.Severity == finding.SeverityWarning:
			return 2
		}
		return 3
	}
	sort.SliceStable(fs, func(i, j int) bool { return rank(fs[i]) < rank(fs[j]) })
}
