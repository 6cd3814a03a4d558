package diagnose

import (
	"slices"

	"github.com/entratoken/entratoken/internal/entra"
)

// Requirement is one required claim of a policy's token validation: its
// name (roles, scp, ...), whether all or any of Values must be present.
type Requirement struct {
	Name   string
	Any    bool
	Values []string
}

// Needs are what a policy (or the command line's expectations) asks of a
// token, for checks that compare it with the Entra registrations
// (diagnose --entra).
type Needs struct {
	Claims    []Requirement
	Audiences []string
	// Versions are the token versions ("1.0", "2.0") the issuers (and
	// openid-config URLs) accept; empty when they accept both or name none
	// (validate-azure-ad-token accepts both).
	Versions []string
}

// Requirements reads the needs of every validate-jwt and
// validate-azure-ad-token of p's inbound section (nil p: none) and of e.
func Requirements(p *Policy, e *Expectations) Needs {
	var n Needs
	add := func(r *rule) {
		n.Audiences = append(n.Audiences, r.Audiences...)
		n.Audiences = append(n.Audiences, r.BackendAppIDs...)
		for _, c := range r.Claims {
			n.Claims = append(n.Claims, Requirement{Name: c.Name, Any: c.Match == "any", Values: c.Values})
		}
		var vs []string
		for _, iss := range r.Issuers {
			if _, v, ok := entra.TenantFromIssuer(iss); ok {
				vs = append(vs, string(v))
			}
		}
		for _, oc := range r.OpenIDConfigs {
			if !oc.KeysOnly {
				vs = append(vs, string(metadataVersion(oc.URL)))
			}
		}
		for _, v := range vs {
			if !slices.Contains(n.Versions, v) {
				n.Versions = append(n.Versions, v)
			}
		}
	}
	var visit func(nodes []*Node)
	visit = func(nodes []*Node) {
		for _, nd := range nodes {
			switch nd.Name {
			case "validate-jwt":
				add(ruleFromValidateJWT(nd))
			case "validate-azure-ad-token":
				add(ruleFromAzureADToken(nd))
			default:
				visit(nd.Children)
			}
		}
	}
	if p != nil {
		visit(p.Inbound())
	}
	if !e.empty() {
		add(ruleFromExpectations(e))
	}
	if len(n.Versions) == 2 { // both accepted: no version required
		n.Versions = nil
	}
	return n
}
