package diagnose

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// LintPolicy finds what is wrong with a policy before any token meets it:
// audiences not checked, issuer versions that disagree with the metadata,
// requirements no token can meet, and what cannot be evaluated offline.
func LintPolicy(p *Policy) *Report {
	rep := &Report{Verdict: Lint, Findings: []finding.Finding{}, Checks: []Check{}}
	var visit func(nodes []*Node)
	visit = func(nodes []*Node) {
		for _, n := range nodes {
			before := len(rep.Findings)
			switch n.Name {
			case "base":
				visit(n.Children)
			case "validate-jwt":
				rep.Findings = append(rep.Findings, lintRule(ruleFromValidateJWT(n))...)
			case "validate-azure-ad-token":
				rep.Findings = append(rep.Findings, lintRule(ruleFromAzureADToken(n))...)
			case "choose":
				for _, c := range n.Children {
					if c.Name == "when" {
						if _, err := EvalCondition(c.AttrOr("condition", ""), Request{}); err != nil {
							if _, ok := err.(*UnsupportedError); ok && !mentionsKnownIdiom(c.AttrOr("condition", "")) {
								rep.Findings = append(rep.Findings, finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityWarning,
									Side: finding.SideAPIM, Line: c.Line, Message: fmt.Sprintf("the <when> condition at line %d %v", c.Line, err)})
							}
						}
					}
					visit(c.Children)
				}
			case "include-fragment":
				visit(n.Children) // a fragment not given: lintComposed says so
			}
			for i := before; i < len(rep.Findings); i++ {
				if f := &rep.Findings[i]; f.Source == nil {
					if src := policy.Source(n); src != nil {
						src.Line = cmp.Or(f.Line, n.Line)
						f.Source = src
					}
				}
			}
		}
	}
	visit(p.Inbound())
	for _, f := range rep.Findings {
		name := "policy"
		result := "pass"
		if f.Severity == finding.SeverityError {
			result = "fail"
		}
		rep.Checks = append(rep.Checks, Check{Name: name, Result: result, Detail: fmt.Sprintf("line %d: %s", f.Line, f.Code)})
	}
	return rep
}

// mentionsKnownIdiom: conditions on the token or headers fail to evaluate
// without a request; that is expected when linting.
func mentionsKnownIdiom(cond string) bool {
	return strings.Contains(cond, "context.Request.Headers") || strings.Contains(cond, "context.Variables")
}

func lintRule(r *rule) []finding.Finding {
	var out []finding.Finding
	add := func(code string, sev finding.Severity, msg, fix string) {
		out = append(out, finding.Finding{Code: code, Severity: sev, Side: finding.SideAPIM, Line: r.Line, Message: msg, Fix: fix})
	}
	for _, u := range r.unsupported {
		add(finding.PolicyUnsupported, finding.SeverityWarning, u.What+" cannot be evaluated offline", "check it with the APIM trace")
	}
	audClaim := -1
	for i, c := range r.Claims {
		if c.Name == "aud" {
			audClaim = i
		}
	}
	switch r.Kind {
	case "validate-jwt":
		if r.HasAudiences && len(r.Audiences) == 0 {
			add(finding.PolicyUnsatisfiable, finding.SeverityError, "<audiences> is empty; APIM requires at least one <audience>", "add <audience> elements or remove <audiences>")
		}
		if !r.HasAudiences && audClaim < 0 {
			add(finding.PolicyNoAudience, finding.SeverityWarning,
				fmt.Sprintf("validate-jwt at line %d checks no audience: any token of the trusted tenant, for any API (Microsoft Graph included), passes", r.Line),
				"add <audiences> with your API's client ID and App ID URI")
		}
		if len(r.OpenIDConfigs) == 0 && len(r.SigningKeys) == 0 && r.RequireSigned {
			add(finding.PolicyUnsatisfiable, finding.SeverityError, "no <openid-config> and no <issuer-signing-keys>: no signature can verify",
				"add <openid-config url=\"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration\" />")
		}
		for _, pk := range r.SigningKeys {
			if pk.Symmetric != nil {
				out = append(out, finding.Finding{Code: finding.PolicyUnsatisfiable, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: pk.Line,
					Message: "an inline Base64 <key> is a symmetric key to APIM: Entra's RS256 tokens cannot verify with it (IDX10634)",
					Fix:     "use n= and e= attributes for an RSA key, certificate-id for an uploaded certificate, or an <openid-config>"})
			}
		}
		if !r.RequireSigned {
			add(finding.Unsigned, finding.SeverityError, "require-signed-tokens=\"false\" accepts unsigned tokens, which anyone can forge", "remove the attribute")
		}
		for _, oc := range r.OpenIDConfigs {
			v := metadataVersion(oc.URL)
			if r.HasIssuers {
				var other []string
				for _, i := range r.Issuers {
					if _, iv, ok := entra.TenantFromIssuer(i); ok && iv != v {
						other = append(other, i)
					}
				}
				if len(other) == len(r.Issuers) && len(other) > 0 {
					out = append(out, finding.Finding{Code: finding.PolicyIssuerConflict, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: oc.Line,
						Message:  fmt.Sprintf("the openid-config at line %d serves v%s tokens and names their issuer, while <issuers> lists only v%s issuers; which tokens pass depends on whether APIM accepts the union of both (APIM's documented behaviour is unclear here)", oc.Line, v, otherVersion(v)),
						Expected: "issuers of the same version as the metadata", Actual: strings.Join(other, ", "),
						Fix: "use the metadata URL of the version your API issues (v2: .../v2.0/.well-known/openid-configuration) and list that version's issuer"})
				}
			}
			if strings.Contains(oc.URL, "/common/") || strings.Contains(oc.URL, "/organizations/") {
				if !r.HasIssuers {
					out = append(out, finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: oc.Line,
						Message: "multi-tenant metadata names the issuer as a {tenantid} template; APIM's documented behaviour is unclear here: its documentation does not say whether validate-jwt puts the token's tenant in its place",
						Fix:     "list the accepted issuers explicitly, or use validate-azure-ad-token with tenant-id=\"organizations\""})
				}
			}
		}
	case "validate-azure-ad-token":
		if !r.HasAudiences && len(r.ClientAppIDs) == 0 && len(r.BackendAppIDs) == 0 && audClaim < 0 {
			add(finding.PolicyNoAudience, finding.SeverityWarning,
				"validate-azure-ad-token without <audiences> or <client-application-ids>: any token of the tenant, for any API, passes",
				"add <audiences> with your API's client ID and App ID URI")
		}
		if r.TenantID == "" {
			add(finding.PolicyUnsatisfiable, finding.SeverityError, "tenant-id is required", "add tenant-id=\"<tenant ID or domain>\"")
		}
	}
	if audClaim >= 0 && r.HasAudiences {
		c := r.Claims[audClaim]
		satisfiable := false
		for _, v := range c.Values {
			for _, a := range r.Audiences {
				satisfiable = satisfiable || audiencesMatch(v, a)
			}
		}
		if !satisfiable && len(c.Values) > 0 {
			out = append(out, finding.Finding{Code: finding.PolicyUnsatisfiable, Severity: finding.SeverityError, Side: finding.SideAPIM, Line: c.Line,
				Message:  fmt.Sprintf("the required claim aud (%s) can never equal an accepted <audience> (%s): a token has one aud, so no token passes both", strings.Join(c.Values, ", "), strings.Join(r.Audiences, ", ")),
				Expected: "the same audience in both places", Actual: fmt.Sprintf("aud claim %s vs audiences %s", strings.Join(c.Values, ", "), strings.Join(r.Audiences, ", ")),
				Fix: "drop the aud required-claim (the <audiences> element already checks aud), or make the two agree"})
		}
	}
	for _, c := range r.Claims {
		if c.Match != "any" && len(c.Values) > 1 && singleValued(c.Name) && c.Separator == "" {
			out = append(out, finding.Finding{Code: finding.PolicyUnsatisfiable, Severity: finding.SeverityError, Side: finding.SideAPIM, Line: c.Line,
				Message: fmt.Sprintf("claim %s has one value in a token, and match=\"all\" requires all of %s", c.Name, strings.Join(c.Values, ", ")),
				Fix:     "use match=\"any\""})
		}
		if c.Name == "scp" && c.Separator == "" && len(c.Values) > 0 {
			out = append(out, finding.Finding{Code: finding.PolicyUnsatisfiable, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: c.Line,
				Message: "scp is one space-separated string; without separator=\" \" a token with several scopes matches no single value",
				Fix:     "add separator=\" \" to <claim name=\"scp\">"})
		}
	}
	return out
}

func singleValued(claim string) bool {
	switch claim {
	case "iss", "azp", "appid", "tid", "oid", "sub", "ver", "idtyp":
		return true
	}
	return false
}

func otherVersion(v entra.Version) string {
	if v == entra.V2 {
		return "1.0"
	}
	return "2.0"
}
