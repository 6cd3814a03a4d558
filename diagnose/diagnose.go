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
	"net/url"
	"sort"
	"time"

	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
	"github.com/entratoken/entratoken/policy"
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
	// Evidence says what the effective policy was composed from.
	Evidence *Evidence `json:"evidence,omitempty"`
	// Entra names the registrations read over Graph (--entra).
	Entra *EntraEvidence `json:"entra,omitempty"`
	// Steps say what happened to each statement of the inbound pipeline.
	Steps []Step `json:"steps,omitempty"`

	results map[*policy.Node]string
	// Prediction is what the policy or the expectations predicted, when
	// the gateway's answer is known too, and whether they agree.
	Prediction *Prediction `json:"prediction,omitempty"`
}

// Evidence names what a verdict under an effective policy rests on
// (spec/cli.md, "The effective policy (live, over ARM)": the same members
// for an APIOps folder, with files for IDs).
type Evidence struct {
	Service   string `json:"service,omitempty"`
	API       string `json:"api,omitempty"`
	Operation string `json:"operation,omitempty"`
	Product   string `json:"product,omitempty"`
	Context   string `json:"product_context,omitempty"`
	// Subscription is the resource ID of the subscription the key sent
	// belongs to, when it was found (call --apim).
	Subscription string          `json:"subscription,omitempty"`
	Scopes       []EvidenceScope `json:"scopes"`
}

// EvidenceScope is one document that took part: its scope and its ID (an
// ARM resource ID, or a file).
type EvidenceScope struct {
	Scope string `json:"scope"`
	ID    string `json:"id"`
}

// Step is one statement of the pipeline and what happened to it.
type Step struct {
	Section string `json:"section"`
	Policy  string `json:"policy"`
	Scope   string `json:"scope,omitempty"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Result  string `json:"result"`
}

// Result says what happened to a statement of the effective policy ("" when
// it was not reached or not evaluated), for --show-policy.
func (r *Report) Result(n *policy.Node) string { return r.results[n] }

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
	// Target is the effective policy with what it was composed for; it
	// replaces Policy when set.
	Target *Target
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
	req := Request{Headers: map[string]string{}, Query: map[string]string{}, Variables: map[string]any{}}
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
	w := &walker{e: e, rep: rep, raw: in.Token, asSent: in.AsSent, results: map[*policy.Node]string{}}
	if t := in.Target; t != nil {
		in.Policy = t.Effective.Document()
		rep.Basis = "policy"
		w.complete, w.values = t.Complete, t.Effective.Values()
		rep.Evidence = evidenceOf(t)
		if t.Context.Refused != "" && (in.Token != "" || in.AsSent) {
			w.absorb(keyRefusal(t))
		}
	}
	if in.Policy != nil {
		if err := w.statements(in.Policy.Inbound()); err != nil {
			return nil, err
		}
		if oe := in.Policy.Root.Child("on-error"); oe != nil && len(oe.Children) > 0 && w.decided && rep.Status >= 400 {
			w.onError(oe.Children)
		}
		rep.results = w.results
		rep.Steps = steps(in.Policy, w.results)
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
		if f.Primary {
			return -1
		}
		return finding.Rank(f.Severity)
	}
	sort.SliceStable(fs, func(i, j int) bool { return rank(fs[i]) < rank(fs[j]) })
}
