package diagnose

import (
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
	"github.com/entratoken/entratoken/policy"
)

// walker runs the inbound pipeline the way the gateway does: statements in
// order, into every expanded <base/> and <include-fragment>, until one
// answers (a refusal, return-response) or the pipeline ends.
type walker struct {
	e   env
	rep *Report
	raw string

	decided bool // the gateway's answer is known: a refusal or return-response
	unknown bool // something before the answer could not be evaluated
	asSent  bool
	// complete: the source holds every scope, so an empty <base/> really
	// runs nothing (an APIOps folder); otherwise it may pull in unseen ones.
	complete bool
	values   policy.NamedValues
	// results says what happened to each statement, for --show-policy.
	results map[*policy.Node]string
	// traces holds the trace message of the statement that refused;
	// failTrace is the deciding outcome's, until a statement claims it.
	traces    map[*policy.Node]string
	failTrace string
	// rewritten names what a statement before the validation changed.
	rewritten map[string]*policy.Node
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
		w.failTrace = o.trace
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
	for i, n := range nodes {
		if w.decided {
			for _, m := range nodes[i:] {
				w.mark(m, "not run: the gateway already answered")
			}
			return nil
		}
		if err := w.statement(n); err != nil {
			return err
		}
	}
	return nil
}

// statement runs one statement and tags what it found with where it stands.
func (w *walker) statement(n *Node) error {
	before, decided, unknown := len(w.rep.Findings), w.decided, w.unknown
	err := w.run(n)
	for i := before; i < len(w.rep.Findings); i++ {
		if f := &w.rep.Findings[i]; f.Source == nil {
			line := f.Line
			if line == 0 {
				line = n.Line
			}
			if s := policy.Source(n); s != nil {
				s.Line = line
				f.Source = s
			}
		}
	}
	container := n.Expanded || n.Name == "choose"
	if _, done := w.results[n]; !done && w.results != nil && !container {
		switch {
		case !decided && w.decided && w.rep.Status >= 400:
			w.results[n] = fmt.Sprintf("FAIL: answers %d%s", w.rep.Status, primaryCode(w.rep.Findings[before:]))
			if w.traces == nil {
				w.traces = map[*policy.Node]string{}
			}
			w.traces[n] = w.failTrace
		case !decided && w.decided:
			w.results[n] = fmt.Sprintf("answers %d", w.rep.Status)
		case !unknown && w.unknown:
			w.results[n] = "UNKNOWN: cannot be evaluated offline"
		case n.Name == "validate-jwt" || n.Name == "validate-azure-ad-token" || n.Name == "check-header":
			if w.raw != "" || w.asSent {
				w.results[n] = "pass"
			}
		}
	}
	return err
}

func primaryCode(fs []finding.Finding) string {
	for _, f := range fs {
		if f.Primary {
			return " (" + f.Code + ")"
		}
	}
	return ""
}

func (w *walker) mark(n *Node, result string) {
	if w.results != nil {
		if _, done := w.results[n]; !done {
			w.results[n] = result
		}
	}
}

func (w *walker) run(n *Node) error {
	switch n.Name {
	case "validate-jwt", "validate-azure-ad-token", "check-header":
		if err := w.need(n); err != nil {
			return err
		}
		w.noteRewrite(n)
		var err error
		switch n.Name {
		case "validate-jwt":
			err = w.rule(ruleFromValidateJWT(n))
		case "validate-azure-ad-token":
			err = w.rule(ruleFromAzureADToken(n))
		default:
			w.absorb(checkHeader(w.e, n))
		}
		if name, ok := n.Attr("output-token-variable-name"); ok && err == nil && !w.decided {
			// Later expressions read the validated token as (Jwt)context.Variables[name].
			if t, derr := token.Decode(w.raw); derr == nil {
				w.e.req.Variables[strings.TrimSpace(name)] = jwtObj{t}
			}
		}
		return err
	case "set-variable":
		w.setVariable(n)
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
		return w.base(n)
	case "include-fragment":
		if n.Expanded {
			return w.statements(n.Children)
		}
		return w.missingFragment(n)
	case "set-header", "set-query-parameter", "authentication-managed-identity", "rewrite-uri":
		w.rewrite(n)
	default:
		if harmless[n.Name] {
			w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideAPIM, Line: n.Line,
				Message: fmt.Sprintf("<%s> is not evaluated; it does not decide whether the token is accepted", n.Name)})
			return nil
		}
		w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: n.Line,
			Message: fmt.Sprintf("<%s> cannot be evaluated offline and may refuse requests on its own (not because of the token)", n.Name),
			Fix:     "check it with the APIM trace"})
	}
	return nil
}

// base runs the broader scopes' statements a composed <base/> stands for.
// An empty one runs nothing when the source holds every scope; from single
// files it may stand for scopes that were not given.
func (w *walker) base(n *Node) error {
	if len(n.Children) > 0 {
		return w.statements(n.Children)
	}
	if w.complete || n.Doc == nil || n.Doc.Scope == policy.ScopeGlobal {
		return nil
	}
	w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideAPIM, Line: n.Line, Explains: true,
		Message: fmt.Sprintf("<base /> here runs the policies of the broader scopes (%s), which were not given: a validate-jwt there would run too", broader(n)),
		Fix:     "give every scope (--policy global=FILE --policy product=FILE ...), or the APIOps folder (--apiops DIR), or read it live (--apim)"})
	return nil
}

// broader names the scopes above n's document.
func broader(n *Node) string {
	sc := policy.ScopeAPI
	if n.Doc != nil && n.Doc.Scope != "" {
		sc = n.Doc.Scope
	}
	var out []string
	for _, s := range policy.Scopes {
		if s == sc {
			break
		}
		out = append(out, string(s))
	}
	return strings.Join(out, ", ")
}

func (w *walker) missingFragment(n *Node) error {
	id := n.AttrOr("fragment-id", "")
	if w.raw != "" || w.asSent {
		return &NeedError{What: "fragment " + id, Where: "it is included at " + policy.Where(n),
			How: "give its content with --fragment " + id + "=FILE (or the APIOps folder that holds policy fragments/" + id + "/policy.xml)"}
	}
	f := finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityError, Side: finding.SideAPIM, Line: n.Line,
		Message: "<include-fragment> runs policy fragment " + id + ", which was not given; it may validate the token",
		Fix:     "give it with --fragment " + id + "=FILE"}
	if !w.decided {
		w.unknown = true
	}
	w.note(f)
	return nil
}

// NeedError is a named value or fragment that decides the verdict and is not
// available: a usage error (exit 2) that says how to supply it.
type NeedError struct{ What, Where, How string }

func (e *NeedError) Error() string {
	return fmt.Sprintf("%s is needed (%s) and was not given: %s", e.What, e.Where, e.How)
}

// need refuses to evaluate a validation whose compared values or key
// locations hold a named value that is not known. Messages and variable
// names do not decide, and stay as written.
func (w *walker) need(n *Node) error {
	var check func(m *Node) error
	check = func(m *Node) error {
		for _, a := range m.Attrs {
			switch a.Name.Local {
			case "failed-validation-error-message", "failed-check-error-message", "output-token-variable-name":
				continue
			}
			if err := w.needIn(a.Value, n); err != nil {
				return err
			}
		}
		if err := w.needIn(m.Text, n); err != nil {
			return err
		}
		for _, c := range m.Children {
			if err := check(c); err != nil {
				return err
			}
		}
		return nil
	}
	return check(n)
}

func (w *walker) needIn(s string, n *Node) error {
	refs := policy.Refs(s)
	if len(refs) == 0 {
		return nil
	}
	name := refs[0]
	how := "pass --named-value " + name + "=VALUE or --named-values FILE"
	if nv, ok := w.values[name]; ok && nv.Secret && !nv.HasValue {
		how = "it is a secret named value, whose value the source does not hold (" + nv.Source + "): " + how
	}
	return &NeedError{What: "named value {{" + name + "}}", Where: "the " + policy.Label(n) + " at " + policy.Where(n) + " decides with it", How: how}
}

func (w *walker) choose(n *Node) error {
	for _, c := range n.Children {
		switch c.Name {
		case "when":
			cond := c.AttrOr("condition", "")
			if err := w.needIn(cond, c); err != nil {
				return err
			}
			ok, err := EvalCondition(cond, w.e.req)
			if err != nil {
				w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityError, Side: finding.SideAPIM, Line: c.Line,
					Message: fmt.Sprintf("the <when> condition at line %d %v; which branch runs is unknown", c.Line, err),
					Fix:     "check this branch with the APIM trace; entratoken did not assume either branch"})
				if !w.decided {
					w.unknown = true
				}
				w.mark(c, "UNKNOWN: the condition cannot be evaluated offline")
				return nil
			}
			w.rep.Checks = append(w.rep.Checks, Check{Name: "condition", Result: map[bool]string{true: "pass", false: "skip"}[ok],
				Detail: fmt.Sprintf("line %d: %s is %v", c.Line, shorten(cond), ok)})
			w.mark(c, map[bool]string{true: "taken", false: "not taken"}[ok])
			if ok {
				return w.statements(c.Children)
			}
		case "otherwise":
			w.rep.Checks = append(w.rep.Checks, Check{Name: "condition", Result: "pass", Detail: fmt.Sprintf("line %d: otherwise", c.Line)})
			w.mark(c, "taken")
			return w.statements(c.Children)
		}
	}
	return nil
}

// shorten folds an expression's white space onto one line.
func shorten(s string) string { return strings.Join(strings.Fields(s), " ") }
