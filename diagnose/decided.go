package diagnose

import (
	"fmt"
	"strings"
)

// DecidedBy names, for people, the statement that refused the request and
// where it stands: "the validate-jwt at product partners (line 4 of
// /subscriptions/.../products/partners/policies/policy)". It is "" when no
// statement of the policy decided (no policy, the gateway's key check), when
// the policy has no file (a document passed as it is), or
// when the gateway's answer disagrees with the prediction (then the
// statement is not known to be the one that ran).
func (r *Report) DecidedBy() string {
	if r.Verdict != Rejected || (r.Prediction != nil && r.Prediction.Agreement != Agree) {
		return ""
	}
	for _, s := range r.Steps {
		if !strings.HasPrefix(s.Result, "FAIL") {
			continue
		}
		if s.File == "" { // one document given as it is: its lines say enough
			return ""
		}
		return fmt.Sprintf("the %s at %s (line %d of %s)", s.Policy, scopeWords(s.Scope, s.File), s.Line, s.File)
	}
	return ""
}

// scopeWords names a scope and, when its file says it, the resource:
// "product partners", "API orders", "the global scope (All APIs)".
func scopeWords(scope, file string) string {
	if scope == "global" {
		return "the global scope (All APIs)"
	}
	name := resourceName(file)
	if scope == "api" {
		scope = "API"
	}
	if name == "" {
		return scope + " scope"
	}
	return scope + " " + name
}

// resourceName reads the resource's name from a policy's ARM resource ID
// (.../products/partners/policies/policy, .../policyFragments/x), an APIOps
// path (products/partners/policy.xml) or a file given by hand (its name).
func resourceName(file string) string {
	segs := strings.Split(strings.Trim(file, "/"), "/")
	n := len(segs)
	switch {
	case file == "":
		return ""
	case n >= 3 && strings.EqualFold(segs[n-1], "policy") && strings.EqualFold(segs[n-2], "policies"):
		return segs[n-3]
	case n >= 2 && strings.EqualFold(segs[n-2], "policyFragments"):
		return segs[n-1]
	case n >= 2 && strings.EqualFold(segs[n-1], "policy.xml"):
		return segs[n-2]
	}
	return ""
}
