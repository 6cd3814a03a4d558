package diagnose

import (
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// SchemaFindings are what APIM would refuse when each document is saved
// (policy.Check), as POLICY_INVALID findings placed in their document. A
// policy in a section Microsoft's reference does not list for it is a
// warning: those lists have been incomplete before.
func SchemaFindings(docs ...*policy.Document) []finding.Finding {
	var out []finding.Finding
	for _, d := range docs {
		if d == nil {
			continue
		}
		for _, p := range policy.Check(d) {
			f := finding.Finding{Code: finding.PolicyInvalid, Severity: finding.SeverityError, Side: finding.SideAPIM, Line: p.Line,
				Source:  &finding.Source{Scope: string(d.Scope.OrAPI()), File: d.File, Line: p.Line},
				Message: strings.TrimPrefix(p.Message, fmt.Sprintf("line %d: ", p.Line)),
				Fix:     "spell it as Microsoft's policy documentation does; APIM refuses to save the policy as it is"}
			if p.Suggestion != "" {
				f.Expected, f.Actual = p.Suggestion, p.Element
				if p.Attribute != "" {
					f.Actual = p.Attribute
				}
			}
			if p.Kind == policy.WrongSection {
				f.Severity = finding.SeverityWarning
				f.Fix = "move it to a section where Microsoft's policy documentation allows it; if the gateway accepts it here, that documentation's list is incomplete"
			}
			out = append(out, f)
		}
	}
	return out
}

// maxSchemaShown bounds the problems a usage error lists.
const maxSchemaShown = 5

// SchemaError refuses to evaluate documents APIM would not have saved: the
// gateway cannot be running them, so any verdict would be about another
// policy. It lists the first problems with their file and line.
func SchemaError(t Target) error {
	docs := append(append([]*policy.Document{}, t.Effective.Docs...), t.Effective.Fragments...)
	var lines []string
	n := 0
	for _, f := range SchemaFindings(docs...) {
		if f.Severity != finding.SeverityError {
			continue
		}
		n++
		if len(lines) < maxSchemaShown {
			where := f.Source.File
			if where == "" {
				where = "policy"
			}
			lines = append(lines, fmt.Sprintf("  %s line %d: %s", where, f.Line, f.Message))
		}
	}
	if n == 0 {
		return nil
	}
	more := ""
	if n > len(lines) {
		more = fmt.Sprintf("\n  ... and %d more (lint it without a token to see every one)", n-len(lines))
	}
	return &UsageError{Msg: fmt.Sprintf("the policy is not one APIM would save (POLICY_INVALID), so the gateway cannot be running it:\n%s%s", strings.Join(lines, "\n"), more)}
}
