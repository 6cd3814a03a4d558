package diagnose

// This file checks lifetime, audience and issuer, with fixes that name the
// side where they belong.

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

func checkLifetime(e env, r *rule, t *token.Token, o *outcome) {
	fs := inspect.Lifetime(t, e.now, r.Skew)
	for _, f := range fs {
		if f.Code == finding.ExpirationMissing && !r.RequireExp {
			o.check("lifetime", "pass", "no exp, and require-expiration-time=\"false\"")
			return
		}
	}
	if len(fs) == 0 {
		exp, _, _ := t.Time("exp")
		o.check("lifetime", "pass", fmt.Sprintf("expires in %s (clock skew %s)", inspect.Ago(exp.Sub(e.now)), r.Skew))
		return
	}
	for _, f := range fs {
		f.Side = finding.SideClient
		var msg string
		exp, _, _ := t.Time("exp")
		nbf, _, _ := t.Time("nbf")
		switch f.Code {
		case finding.Expired:
			msg = fmt.Sprintf("IDX10223: Lifetime validation failed. The token is expired. ValidTo: '%s', Current time: '%s'.", exp.Format(time.RFC3339), e.now.UTC().Format(time.RFC3339))
		case finding.NotYetValid:
			msg = fmt.Sprintf("IDX10222: Lifetime validation failed. The token is not yet valid. ValidFrom: '%s', Current time: '%s'.", nbf.Format(time.RFC3339), e.now.UTC().Format(time.RFC3339))
		default:
			msg = "IDX10225: Lifetime validation failed. The token is missing an Expiration Time. Tokentype: 'System.IdentityModel.Tokens.Jwt.JwtSecurityToken'."
		}
		o.fail(f, msg)
		o.check("lifetime", "fail", f.Message)
	}
}

func audiencesMatch(actual, accepted string) bool {
	return actual == accepted || strings.TrimSuffix(actual, "/") == strings.TrimSuffix(accepted, "/")
}

func checkAudience(r *rule, t *token.Token, o *outcome) {
	accepted := append([]string(nil), r.Audiences...)
	for _, id := range r.BackendAppIDs {
		accepted = append(accepted, id, "api://"+id)
	}
	if r.Kind == "token-only" {
		o.check("audience", "skip", "not judged: no policy (--policy) and no --audience say which audience the API accepts")
		return
	}
	if !r.HasAudiences && len(r.BackendAppIDs) == 0 {
		o.check("audience", "skip", "no <audiences>: aud is not checked (APIM's documented behaviour is unclear here; Microsoft's examples without <audiences> check aud in <required-claims> instead)")
		return
	}
	auds := t.Strings("aud")
	for _, a := range auds {
		for _, acc := range accepted {
			if audiencesMatch(a, acc) {
				o.check("audience", "pass", "aud "+a)
				return
			}
		}
	}
	aud := strings.Join(auds, ", ")
	f := finding.Finding{Code: finding.AudienceMismatch, Side: finding.SideClient,
		Expected: "one of: " + strings.Join(accepted, ", "), Actual: aud,
		Message: fmt.Sprintf("aud %q is not an audience this policy accepts", aud)}
	switch {
	case entra.IsMicrosoftResource(aud):
		f.Message += fmt.Sprintf(": it is a token for %s, not for this API", entra.ResourceName(aud))
		f.Fix = "request " + suggestedScope(r) + " (the client asked for " + entra.ResourceName(aud) + ")"
	case sameAppOtherForm(aud, accepted) != "":
		other := sameAppOtherForm(aud, accepted)
		f.Side = finding.SideAPIM
		f.Message += fmt.Sprintf(": it is the same app as the accepted %q, in its other form (App ID URI vs client ID)", other)
		f.Fix = fmt.Sprintf("add <audience>%s</audience> to the policy (v2 tokens always carry the client ID; v1 tokens carry whichever form the client asked for)", aud)
	case inspect.Version(t) == entra.V2 && entra.IsGUID(aud) && !anyGUID(accepted):
		f.Message += ": a v2 token always carries the API's client ID, and the policy lists only App ID URIs"
		f.Fix = fmt.Sprintf("if %s is the client ID of the API behind this gateway, add <audience>%s</audience> to the policy; otherwise the client asked for another API: request %s", aud, aud, suggestedScope(r))
		f.Side = finding.SideAPIM + " or " + finding.SideClient
	default:
		f.Fix = "the client asked for a token for another API: request " + suggestedScope(r)
	}
	o.fail(f, fmt.Sprintf("IDX10214: Audience validation failed. Audiences: '%s'. Did not match: validationParameters.ValidAudience: 'null' or validationParameters.ValidAudiences: '%s'.", aud, strings.Join(accepted, ", ")))
	o.check("audience", "fail", f.Message)
}

func anyGUID(list []string) bool {
	for _, s := range list {
		if entra.IsGUID(s) {
			return true
		}
	}
	return false
}

// sameAppOtherForm finds, among accepted, the App ID URI api://{guid} of a
// GUID aud, or the GUID of an api://{guid} aud: the same app.
func sameAppOtherForm(aud string, accepted []string) string {
	for _, a := range accepted {
		if strings.EqualFold(strings.TrimSuffix(a, "/"), "api://"+aud) || strings.EqualFold(strings.TrimSuffix(aud, "/"), "api://"+a) {
			return a
		}
	}
	return ""
}

// suggestedScope is the scope the client should ask for: the first App ID URI
// the policy accepts, else its first audience, with /.default.
func suggestedScope(r *rule) string {
	for _, a := range r.Audiences {
		if entra.AudienceForm(a) == "App ID URI" {
			return "scope " + strings.TrimSuffix(a, "/") + "/.default"
		}
	}
	if len(r.Audiences) > 0 {
		return "scope " + r.Audiences[0] + "/.default"
	}
	return "scope <App ID URI of the API>/.default"
}

func checkIssuer(e env, r *rule, t *token.Token, o *outcome, sources []keySource) error {
	iss := t.String("iss")
	tid := inspect.Tenant(t)
	accepted := append([]string(nil), r.Issuers...)
	var metaIssuers []string
	if r.Kind == "validate-jwt" {
		for _, s := range sources {
			if !s.keysOnly && s.issuer != "" {
				metaIssuers = append(metaIssuers, s.issuer)
			}
		}
		// The metadata issuer is enforced when <issuers> is absent (observed);
		// with both, the union is accepted (as IdentityModel does; APIM's
		// documentation does not say).
		accepted = append(accepted, metaIssuers...)
	}
	tenantNote := ""
	if r.Kind == "validate-azure-ad-token" || (r.Kind == "expectations" && r.TenantID != "" && !r.HasIssuers) {
		want, err := resolveTenant(e, r.TenantID, tid)
		if err != nil {
			return err
		}
		if want != "" {
			accepted = append(accepted, entra.IssuerV1(want), entra.IssuerV2(want))
			if r.TenantID == "common" {
				accepted = append(accepted, entra.IssuerV2(entra.MSATenant))
			}
			// The issuer the tenant's metadata names at the configured
			// authority: a sovereign cloud's or a test tenant's own form.
			for _, s := range sources {
				if s.keysOnly && s.issuer != "" && strings.Contains(s.issuer, want) {
					accepted = append(accepted, s.issuer)
				}
			}
		}
		tenantNote = " (both the v1 and the v2 issuer of the tenant are accepted; APIM's documented behaviour is unclear here: validate-azure-ad-token's documentation does not say which token versions it accepts)"
	}
	if len(accepted) == 0 && r.Kind == "token-only" {
		o.check("issuer", "skip", "not judged: no policy (--policy) and no --issuer or --tenant say which issuers the API trusts")
		return nil
	}
	if len(accepted) == 0 {
		o.check("issuer", "skip", "no <issuers> and no openid-config: the issuer is not checked")
		return nil
	}
	for _, a := range accepted {
		if iss == a {
			o.check("issuer", "pass", "iss "+iss+tenantNote)
			if r.HasIssuers && len(metaIssuers) > 0 && !containsAll(r.Issuers, metaIssuers) {
				if vs := otherVersionOnly(r.Issuers, metaIssuers); vs {
					o.warn(finding.Finding{Code: finding.IssuerVersionMismatch, Side: finding.SideAPIM, Line: r.Line,
						Message:  "the policy's <issuers> name only the other token version than its openid-config; tokens pass only if APIM accepts the union of both, as IdentityModel does (APIM's documented behaviour is unclear here)",
						Expected: strings.Join(metaIssuers, ", "), Actual: strings.Join(r.Issuers, ", "),
						Fix: "make <issuers> and the openid-config URL name the same version: the one your API's tokens have"})
				}
			}
			return nil
		}
	}
	f := finding.Finding{Code: finding.IssuerMismatch, Side: finding.SideAPIM, Actual: iss,
		Expected: "one of: " + strings.Join(accepted, ", ")}
	accTenants := map[string]bool{}
	sameTenantOtherVersion, sameTenantSameVersion, sameHost := false, false, false
	_, tokenVersion, _ := entra.TenantFromIssuer(iss)
	for _, a := range accepted {
		if at, av, ok := entra.TenantFromIssuer(a); ok {
			accTenants[strings.ToLower(at)] = true
			if strings.EqualFold(at, tid) {
				if av == tokenVersion {
					sameTenantSameVersion = true
					sameHost = sameHost || hostOf(a) == hostOf(iss)
				} else {
					sameTenantOtherVersion = true
				}
			}
		}
	}
	switch {
	case sameTenantSameVersion && sameHost:
		f.Message = "the token's issuer and an accepted one differ only in form (a trailing slash, or letter case): issuers are compared exactly"
		f.Fix = fmt.Sprintf("write the issuer exactly as tokens carry it: <issuer>%s</issuer>", iss)
	case sameTenantSameVersion:
		f.Message = "the token's issuer names the right tenant and version on another host: a token of another cloud or authority (global vs sovereign, or a test tenant)"
		f.Fix = fmt.Sprintf("get the token from the cloud the API trusts (--authority-host), or add <issuer>%s</issuer> if that cloud is trusted", iss)
	case sameTenantOtherVersion:
		f.Code = finding.IssuerVersionMismatch
		v := inspect.Version(t)
		other := "2"
		if v == entra.V2 {
			other = "1"
		}
		f.Message = fmt.Sprintf("the token is a v%s token of the right tenant, and the policy accepts only v%s.0 issuers", v, other)
		f.Side = finding.SideEntra + " or " + finding.SideAPIM
		f.Fix = fmt.Sprintf("either set accessTokenAcceptedVersion to %s in the manifest of the API's app registration (not the client's), or add <issuer>%s</issuer> to the policy (or use the v%s openid-config URL)", other, iss, strings.TrimSuffix(string(v), ".0"))
	case tid != "" && len(accTenants) > 0 && !accTenants[strings.ToLower(tid)]:
		f.Code = finding.TenantMismatch
		f.Side = finding.SideClient
		f.Message = fmt.Sprintf("the token is from tenant %s, which this policy does not trust", tid)
		f.Fix = "get the token from the API's tenant (--tenant), or, for a multi-tenant API, accept that tenant's issuer in the policy"
	default:
		f.Message = "the token's issuer is not one the policy accepts"
		f.Fix = fmt.Sprintf("add <issuer>%s</issuer> if this issuer is trusted", iss)
	}
	o.fail(f, fmt.Sprintf("IDX10205: Issuer validation failed. Issuer: '%s'. Did not match: validationParameters.ValidIssuer: '' or validationParameters.ValidIssuers: '%s'.", iss, strings.Join(accepted, ", ")))
	o.check("issuer", "fail", f.Message+tenantNote)
	return nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func otherVersionOnly(issuers, meta []string) bool {
	mv := map[entra.Version]bool{}
	for _, m := range meta {
		if _, v, ok := entra.TenantFromIssuer(m); ok {
			mv[v] = true
		}
	}
	for _, i := range issuers {
		if _, v, ok := entra.TenantFromIssuer(i); !ok || mv[v] {
			return false
		}
	}
	return len(issuers) > 0
}

// resolveTenant turns tenant-id into a tenant GUID: a GUID as is, a domain
// through its metadata, organizations/common as the token's own tenant.
func resolveTenant(e env, tenant, tokenTID string) (string, error) {
	switch {
	case tenant == "" || tenant == "organizations" || tenant == "common":
		return tokenTID, nil
	case entra.IsGUID(tenant):
		return tenant, nil
	}
	s, err := e.resolver.Tenant(e.ctx, tenant, entra.V2)
	if err != nil {
		return "", err
	}
	tid, _, _ := entra.TenantFromIssuer(s.Issuer)
	return tid, nil
}

func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Host)
}
