package diagnose

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/editdist"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// tokenValues returns a claim's values as required-claims compares them: a
// JSON array's elements, or the string split on the separator when one is
// configured (shared/reference/entra-apim.md §1.4).
func tokenValues(t *token.Token, name, sep string) ([]string, bool) {
	if _, ok := t.Claims[name]; !ok {
		return nil, false
	}
	vals := claimValues(t, name)
	if sep != "" && len(vals) == 1 {
		vals = strings.Split(vals[0], sep)
	}
	return vals, true
}

func checkClaims(r *rule, t *token.Token, o *outcome) {
	if len(r.Claims) == 0 {
		return
	}
	var missing []string
	ok := true
	for _, c := range r.Claims {
		vals, present := tokenValues(t, c.Name, c.Separator)
		if !present {
			missing = append(missing, c.Name)
			ok = false
			o.fail(claimFinding(c, t, nil, false), "")
			continue
		}
		if len(c.Values) == 0 {
			continue // presence is all that is required
		}
		matched := 0
		for _, want := range c.Values {
			for _, v := range vals {
				if v == want {
					matched++
					break
				}
			}
		}
		if (c.Match == "any" && matched > 0) || (c.Match != "any" && matched == len(c.Values)) {
			continue
		}
		ok = false
		o.fail(claimFinding(c, t, vals, true), fmt.Sprintf("Claim %s value of %s is not allowed. Access denied.", c.Name, strings.Join(vals, ",")))
	}
	if len(missing) > 0 {
		// The gateway reports the missing claims together.
		msg := fmt.Sprintf("JWT token is missing the following claims: %s. Access denied.", strings.Join(missing, ", "))
		if o.message == "" {
			o.message = msg
		}
		if o.trace == "" {
			o.trace = msg
		}
	}
	if ok {
		o.check("claims", "pass", fmt.Sprintf("%d required claim(s) satisfied", len(r.Claims)))
	} else {
		o.check("claims", "fail", "required claims not satisfied")
	}
}

// claimFinding explains a required claim that failed, by what the claim is:
// roles (app roles), scp (delegated scopes), the client application, the
// tenant, or anything else.
func claimFinding(c claimRule, t *token.Token, vals []string, present bool) finding.Finding {
	want := strings.Join(c.Values, ", ")
	match := "all of"
	if c.Match == "any" {
		match = "one of"
	}
	f := finding.Finding{Code: finding.ClaimMismatch, Line: c.Line, Side: finding.SideClient,
		Expected: fmt.Sprintf("%s %s: %s", c.Name, match, want), Actual: strings.Join(vals, ", ")}
	if !present {
		f.Actual = "(no " + c.Name + " claim)"
	}
	kind := inspect.Kind(t)
	switch c.Name {
	case "roles":
		f.Code = finding.RoleMissing
		f.Side = finding.SideEntra
		if !present {
			if kind == "delegated" {
				f.Message = "the token has no roles claim; it is a delegated (user) token, whose roles come from assigning the user (or a group) to the API"
				f.Fix = "assign the user to an app role in Enterprise applications > the API > Users and groups, or call with the app's own identity (client credentials) if the API expects app permissions"
			} else {
				f.Message = "the token has no roles claim at all: no app role of this API is assigned to the client, or admin consent was not granted"
				f.Fix = fmt.Sprintf("assign app role %s to the client's service principal (the client's API permissions > Add a permission > My APIs > Application permissions) and grant admin consent; roles defined on the client's own registration do not count", roleToAssign(c))
			}
		} else if close := nearMatch(c.Values, vals); close != "" {
			f.Side = finding.SideAPIM
			f.Message = fmt.Sprintf("the token has role %s, which differs from the policy's %s only slightly: the policy's value is probably wrong", close, want)
			f.Fix = fmt.Sprintf("if %s is the app role you defined, use it in the policy's <value>; app role values are case-sensitive", close)
		} else {
			f.Message = fmt.Sprintf("the token's roles (%s) do not include %s %s", strings.Join(vals, ", "), match, want)
			f.Fix = fmt.Sprintf("assign app role %s to the client's service principal and grant admin consent", roleToAssign(c))
		}
	case "scp":
		f.Code = finding.ScopeMissing
		switch {
		case !present && kind == "app":
			f.Code = finding.TokenTypeMismatch
			f.Message = "the policy requires a delegated scope (scp), and this is an app-only token (client credentials or managed identity), which never has scp"
			f.Fix = "call with a user's token (delegated flow), or make the policy check roles for app-only callers"
		case !present:
			f.Message = "the token has no scp claim"
			f.Fix = "request the scope: api://<api>/" + cmp.Or(c.Values...)
		default:
			f.Message = fmt.Sprintf("the token's scopes (%s) do not include %s %s", strings.Join(vals, " "), match, want)
			f.Fix = "request the scope (api://<api>/" + cmp.Or(c.Values...) + ") and consent to it"
			if c.Separator == "" && len(vals) == 1 && strings.Contains(vals[0], " ") {
				f.Side = finding.SideAPIM
				f.Message = "scp is one space-separated string and the policy's claim has no separator=\" \", so it is compared whole"
				f.Fix = "add separator=\" \" to the <claim name=\"scp\"> element"
			}
		}
	case "appid", "azp":
		f.Code = finding.ClientAppNotAllowed
		f.Message = fmt.Sprintf("the calling application %s is not one the policy allows", strings.Join(vals, ", "))
		f.Fix = "call with an allowed client, or add this client's application ID to the policy"
		if !present {
			other := map[string]string{"appid": "azp", "azp": "appid"}[c.Name]
			if v := t.String(other); v != "" {
				f.Side = finding.SideAPIM
				f.Message = fmt.Sprintf("the policy checks %s, but this v%s token carries the client in %s (%s)", c.Name, inspect.Version(t), other, v)
				f.Fix = fmt.Sprintf("check %s for v%s tokens (appid in v1, azp in v2), or both", other, inspect.Version(t))
			}
		}
	case "tid":
		f.Code = finding.TenantMismatch
		f.Message = "the token is from another tenant than the policy requires"
		f.Fix = "get the token from the tenant the API trusts"
	case "aud":
		f.Message = "the token's aud does not satisfy the policy's required claim"
		f.Fix = "request a token for the audience the policy requires"
	default:
		f.Message = fmt.Sprintf("required claim %s is not satisfied", c.Name)
		f.Fix = "compare the claim with the policy's <required-claims>"
	}
	return f
}

// nearMatch returns a token value that equals a wanted value but for case, or
// for a character or two: the usual typo between an app role's definition
// and a policy.
func nearMatch(wanted, have []string) string {
	for _, w := range wanted {
		for _, h := range have {
			if strings.EqualFold(w, h) || len(w) <= 64 && len(h) <= 64 && editdist.Distance(strings.ToLower(w), strings.ToLower(h), 3) <= 2 {
				return h
			}
		}
	}
	return ""
}

func checkClientApp(r *rule, t *token.Token, o *outcome) {
	if len(r.ClientAppIDs) == 0 {
		return
	}
	client := cmp.Or(t.String("azp"), t.String("appid"))
	for _, id := range r.ClientAppIDs {
		if strings.EqualFold(id, client) {
			o.check("client-app", "pass", "client "+client+" (compared with azp, or appid for v1 tokens; APIM's documented behaviour is unclear here: its documentation does not name the claim)")
			return
		}
	}
	o.fail(finding.Finding{Code: finding.ClientAppNotAllowed, Side: finding.SideClient, Line: r.Line,
		Expected: "one of: " + strings.Join(r.ClientAppIDs, ", "), Actual: client,
		Message: fmt.Sprintf("the calling application %s is not in client-application-ids (compared with azp, or appid for v1 tokens; APIM's documented behaviour is unclear here: its documentation does not name the claim)", client),
		Fix:     "call with an allowed client, or add <application-id>" + client + "</application-id> to the policy"},
		"Access denied: the client application is not allowed.")
	o.check("client-app", "fail", "client "+client+" not allowed")
}

// roleToAssign names the role(s) to assign: all of them for match="all",
// one (naming the alternatives) for match="any".
func roleToAssign(c claimRule) string {
	switch {
	case c.Match == "any" && len(c.Values) == 2:
		return fmt.Sprintf("%s (or %s)", c.Values[0], c.Values[1])
	case c.Match == "any" && len(c.Values) > 2:
		return fmt.Sprintf("%s (or one of %s)", c.Values[0], strings.Join(c.Values[1:], ", "))
	}
	return strings.Join(c.Values, " and ")
}
