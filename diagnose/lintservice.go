package diagnose

import (
	"fmt"
	"sort"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// LintComposed finds what only the effective policy shows: fragments that
// do not exist, and (for a folder that holds every named value) references
// to a named value the service does not have.
func LintComposed(t Target) []finding.Finding {
	var out []finding.Finding
	for _, n := range t.Effective.Missing {
		id := n.AttrOr("fragment-id", "")
		f := finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: n.Line, Source: policy.Source(n),
			Message: "<include-fragment fragment-id=\"" + id + "\"> runs a fragment that was not given", Fix: "give it with --fragment " + id + "=FILE"}
		if t.Complete {
			f.Code, f.Severity = finding.PolicyInvalid, finding.SeverityError
			f.Message = "<include-fragment fragment-id=\"" + id + "\"> names a fragment the service does not have: APIM refuses to save this policy"
			f.Fix = "create policy fragments/" + id + "/policy.xml, or fix the fragment-id"
		}
		out = append(out, f)
	}
	if t.Complete {
		for _, name := range t.Effective.Unresolved() {
			if _, ok := t.Effective.Value(name); !ok {
				f := finding.Finding{Code: finding.PolicyInvalid, Severity: finding.SeverityError, Side: finding.SideAPIM,
					Message: "the policy refers to named value {{" + name + "}}, which the service does not have: APIM refuses to save it",
					Fix:     "create named values/" + name + "/namedValueInformation.json (display name " + name + "), or fix the {{" + name + "}} in the policy"}
				if n := t.Effective.FindRef(name); n != nil {
					f.Line, f.Source = n.Line, policy.Source(n)
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// LintService lints every document of a service on its own, and every API
// and operation's effective policy in each product context it can run in,
// for what only composition shows. Findings are sorted by severity, then
// by file and line.
func LintService(svc *policy.Service) (*Report, error) {
	rep := &Report{Verdict: Lint, Findings: []finding.Finding{}, Checks: []Check{}}
	seen := map[string]bool{}
	add := func(fs ...finding.Finding) {
		for _, x := range fs {
			key := x.Code + "|" + x.Message
			if x.Source != nil {
				key += fmt.Sprintf("|%s:%d", x.Source.File, x.Source.Line)
			}
			if !seen[key] {
				seen[key] = true
				rep.Findings = append(rep.Findings, x)
			}
		}
	}
	for _, d := range svc.Documents() {
		add(lintDocument(d)...)
		add(SchemaFindings(d)...)
	}
	for _, a := range svc.APIs {
		ops := append([]*policy.Operation{nil}, a.Operations...)
		ctxs := []policy.Context{{}}
		for _, p := range a.Products {
			ctxs = append(ctxs, policy.Context{Product: p})
		}
		for _, op := range ops {
			for _, c := range ctxs {
				eff, err := policy.Compose(svc.Set(a, op, c))
				if err != nil {
					return nil, err
				}
				add(LintComposed(Target{Effective: eff, Complete: true})...)
			}
		}
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if finding.Rank(a.Severity) != finding.Rank(b.Severity) {
			return finding.Rank(a.Severity) < finding.Rank(b.Severity)
		}
		return sourceKey(a) < sourceKey(b)
	})
	return rep, nil
}

func sourceKey(f finding.Finding) string {
	if f.Source == nil {
		return ""
	}
	return fmt.Sprintf("%s:%06d", f.Source.File, f.Source.Line)
}

// lintDocument lints one document alone, each finding placed in it.
func lintDocument(d *policy.Document) []finding.Finding {
	rep := LintPolicy(d)
	for i := range rep.Findings {
		if rep.Findings[i].Source == nil {
			rep.Findings[i].Source = &finding.Source{Scope: string(d.Scope), File: d.File, Line: rep.Findings[i].Line}
		}
	}
	return rep.Findings
}
