package diagnose

import (
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// idxFinding turns an IdentityModel message from the gateway into the
// finding it means, with the parameters the message carries as
// expected/actual.
func idxFinding(m finding.IDXMessage, t *token.Token) finding.Finding {
	p := func(name string) string { return m.Params[name] }
	list := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, splitList(p(n))...)
		}
		return out
	}
	// fromToken fills in what the gateway's message hides (IdentityModel's
	// PII setting) from the token that was sent, when it is known.
	fromToken := func(v string, get func(*token.Token) string) string {
		if (v == finding.HiddenPII || v == "") && t != nil {
			if tv := get(t); tv != "" {
				return tv
			}
		}
		return v
	}
	claim := func(name string) func(*token.Token) string {
		return func(t *token.Token) string { return strings.Join(t.Strings(name), ", ") }
	}
	kidOf := func(t *token.Token) string { return t.HeaderString("kid") }
	says := fmt.Sprintf("the gateway says (%s): ", m.Code)
	f := finding.Finding{Code: m.Finding, Side: finding.SideClient}
	switch m.Code {
	case "IDX10214":
		aud, accepted := shown(fromToken(p("Audiences"), claim("aud"))), list("validationParameters.ValidAudiences", "validationParameters.ValidAudience")
		f.Actual, f.Expected = aud, "one of: "+strings.Join(accepted, ", ")
		f.Message = says + fmt.Sprintf("the token's audience %q is not one it accepts", aud)
		r := &rule{Audiences: accepted}
		switch other := sameAppOtherForm(aud, accepted); {
		case len(accepted) == 0:
			f.Expected = "(not in the message)"
			f.Fix = "request a token for the API this gateway protects: scope <App ID URI of the API>/.default"
		case entra.IsMicrosoftResource(aud):
			f.Message += fmt.Sprintf(": it is a token for %s, not for this API", entra.ResourceName(aud))
			f.Fix = "request " + suggestedScope(r) + " (the client asked for " + entra.ResourceName(aud) + ")"
		case other != "":
			f.Side = finding.SideAPIM
			f.Message += fmt.Sprintf(": it is the same app as the accepted %q, in its other form (App ID URI vs client ID)", other)
			f.Fix = fmt.Sprintf("add <audience>%s</audience> to the policy (v2 tokens always carry the client ID; v1 tokens carry whichever form the client asked for)", aud)
		case t != nil && inspect.Version(t) == entra.V2 && entra.IsGUID(aud) && !anyGUID(accepted):
			f.Side = finding.SideAPIM + " or " + finding.SideClient
			f.Message += ": a v2 token always carries the API's client ID, and the gateway accepts only App ID URIs"
			f.Fix = fmt.Sprintf("if %s is the client ID of the API behind this gateway, add <audience>%s</audience> to the policy; otherwise request %s", aud, aud, suggestedScope(r))
		default:
			f.Fix = "the client asked for a token for another API: request " + suggestedScope(r)
		}
	case "IDX10205":
		iss := shown(fromToken(p("Issuer"), claim("iss")))
		accepted := list("validationParameters.ValidIssuers", "validationParameters.ValidIssuer", "validationParameters.ConfigurationManager.CurrentConfiguration.Issuer")
		f.Actual, f.Expected = iss, "one of: "+strings.Join(accepted, ", ")
		f.Side = finding.SideAPIM
		f.Message = says + fmt.Sprintf("the token's issuer %q is not one it accepts", iss)
		f.Fix = fmt.Sprintf("add <issuer>%s</issuer> to the policy if this issuer is trusted", iss)
		tid, v, ok := entra.TenantFromIssuer(iss)
		for _, a := range accepted {
			at, av, aok := entra.TenantFromIssuer(a)
			if !ok || !aok {
				continue
			}
			switch {
			case strings.EqualFold(at, tid) && av != v:
				other := "2"
				if av == entra.V1 {
					other = "1"
				}
				f.Code, f.Side = finding.IssuerVersionMismatch, finding.SideEntra+" or "+finding.SideAPIM
				f.Message = says + fmt.Sprintf("the token is a v%s token of the right tenant, and the gateway accepts only v%s.0 issuers (%s)", v, other, a)
				f.Fix = fmt.Sprintf("either set accessTokenAcceptedVersion to %s in the manifest of the API's app registration (not the client's), or add <issuer>%s</issuer> to the policy (or use the openid-config URL of the token's version)", other, iss)
			case !strings.EqualFold(at, tid) && f.Code == finding.IssuerMismatch:
				f.Code, f.Side = finding.TenantMismatch, finding.SideClient
				f.Message = says + fmt.Sprintf("the token is from tenant %s, and the gateway trusts tenant %s", tid, at)
				f.Fix = "get the token from the API's tenant, or, for a multi-tenant API, accept that tenant's issuer in the policy"
			}
		}
		if len(accepted) == 0 {
			f.Expected = "(not in the message)"
		}
	case "IDX10223":
		f.Actual, f.Expected = "expired at "+shown(p("ValidTo")), "valid at "+shown(p("Current time"))+" (the gateway's clock)"
		f.Message = says + "the token has expired"
		f.Fix = "acquire a new token; Entra access tokens live 60–90 minutes, so cache and renew them before expiry"
	case "IDX10222":
		f.Actual, f.Expected = "valid from "+shown(p("ValidFrom")), "valid at "+shown(p("Current time"))+" (the gateway's clock)"
		f.Message = says + "the token is not valid yet"
		f.Fix = "check the client's and the gateway's clocks; or allow clock skew in the policy (clock-skew)"
	case "IDX10225":
		f.Actual, f.Expected = "(no exp claim)", "an expiry (exp)"
		f.Message = says + "the token has no expiration time"
		f.Fix = "use a token issued by Entra; its access tokens always expire"
	case "IDX10501", "IDX10503":
		kid := p("kid")
		if m.Code == "IDX10503" {
			kid = p("kid is")
		}
		if kid != "" {
			kid = fromToken(kid, kidOf)
		}
		if m.Code == "IDX10503" && kid == "" {
			f.Actual = "keys tried: " + shown(p("Keys tried"))
			f.Message = says + "the signature does not verify with any key it tried: the token was altered or cut off, or signed by another tenant"
			f.Fix = "get a new token from the tenant the policy's openid-config names, copy it whole and do not edit it"
			break
		}
		f.Code = finding.SigningKeyNotFound
		f.Side = finding.SideClient + " or " + finding.SideAPIM
		f.Actual, f.Expected = "kid "+shown(kid), "a key of the policy's <openid-config> or <issuer-signing-keys>"
		f.Message = says + fmt.Sprintf("none of its keys has the token's kid %q: a token of another tenant than the policy's openid-config names, a key Entra has retired, or an app's custom signing key", shown(kid))
		f.Fix = "get the token from the tenant the policy names; if it is that tenant's token, check the openid-config URL's tenant (an app with custom signing keys needs ?appid=<app-id> on it)"
	case "IDX10511":
		kid := shown(fromToken(p("kid"), kidOf))
		f.Actual = "kid " + kid
		f.Message = says + fmt.Sprintf("the key %q was found and the signature does not verify: the token was altered or cut off when copied, or it is a Microsoft Graph token", kid)
		f.Fix = "get a new token and send it whole (entratoken inspect tells a cut-off or a Graph token); do not edit it"
	case "IDX10504":
		f.Actual, f.Expected = "no signature", "an RS256 signature"
		f.Message = says + "the token has no signature"
		f.Fix = "send a token issued by Entra; never accept unsigned tokens"
	case "IDX10500":
		f.Side = finding.SideAPIM
		f.Message = says + "it has no keys to check the signature: the policy has no <openid-config> or <issuer-signing-keys>, or they could not be loaded"
		f.Fix = "add <openid-config url=\"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration\" /> to the validate-jwt"
	case "IDX10634":
		f.Side = finding.SideAPIM
		f.Actual = fmt.Sprintf("%s with a %s", shown(p("Algorithm")), shown(p("SecurityKey")))
		f.Expected = "an RSA key for " + shown(p("Algorithm"))
		f.Message = says + "it has no way to check this algorithm with the key it has"
		f.Fix = "check the validate-jwt's keys: an inline Base64 <key> in <issuer-signing-keys> is a symmetric key to APIM; for Entra's RS256 tokens use <openid-config url=...> (or a key with n and e, or a certificate-id)"
		if strings.Contains(p("SecurityKey"), "Symmetric") {
			f.Message = says + "the policy's key is a symmetric key (an inline Base64 <key>), which cannot check an RS256 signature: no Entra token can pass"
		}
	case "IDX12709", "IDX12741":
		f.Actual, f.Expected = "a value that is not a JWT", "header.payload.signature (three base64url parts)"
		f.Message = says + "what it read where the token belongs is not a JWT"
		f.Fix = "send the whole token, once, as Authorization: Bearer <token> (no quotes, no second Bearer, nothing cut off)"
	default:
		f.Code, f.Side = finding.GatewayRefused, finding.SideClient+" or "+finding.SideAPIM
		f.Actual = m.Text
		f.Message = fmt.Sprintf("the gateway's message names IdentityModel's %s, which entratoken does not know; it is shown as it came", m.Code)
		if m.Known {
			f.Message = says + m.Means
		}
		f.Fix = "read the message; entratoken explain " + m.Code + " may know more"
	}
	return f
}
