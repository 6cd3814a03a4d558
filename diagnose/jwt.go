package diagnose

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
)

// outcome is what one statement did to the request.
type outcome struct {
	findings []finding.Finding
	checks   []Check
	failed   bool   // the gateway stops here
	unknown  bool   // the outcome cannot be known offline
	status   int    // when failed
	message  string // the body's message, when failed
}

func (o *outcome) check(name, result, detail string) {
	o.checks = append(o.checks, Check{Name: name, Result: result, Detail: detail})
}

// fail records an error finding with the message APIM would return for it.
func (o *outcome) fail(f finding.Finding, apimMessage string) {
	f.Severity = finding.SeverityError
	if !o.failed {
		o.failed = true
		o.message = apimMessage
	}
	o.findings = append(o.findings, f)
}

func (o *outcome) warn(f finding.Finding) {
	if f.Severity == "" {
		f.Severity = finding.SeverityWarning
	}
	o.findings = append(o.findings, f)
}

// env is what evaluation needs besides the rule and the token.
type env struct {
	ctx       context.Context
	resolver  *keys.Resolver
	authority *url.URL
	now       time.Time
	req       Request
	token     string // the token being diagnosed, as the client would send it
}

// evalRule runs a token rule in APIM's order: token present, parse,
// signature, lifetime, audience, issuer, required claims, client app. Every
// check runs, so every reason is reported; the first failure is the one the
// gateway answers with.
func evalRule(e env, r *rule) (*outcome, error) {
	o := &outcome{status: r.FailCode}
	for _, u := range r.unsupported {
		o.warn(finding.Finding{Code: finding.PolicyUnsupported, Line: u.Line, Side: finding.SideAPIM,
			Message: fmt.Sprintf("%s (%s at line %d) cannot be evaluated offline", u.What, r.Kind, u.Line),
			Fix:     "check this part with the APIM trace; entratoken did not assume it passes"})
		if u.Blocks {
			o.unknown = true
		}
	}
	raw, ok := extractToken(e, r, o)
	if !ok {
		return o, nil
	}
	t, err := token.Decode(raw)
	if err != nil {
		te := err.(*token.Error)
		f := te.Finding()
		f.Side = finding.SideClient
		msg := "IDX12741: JWT must have three segments (JWS) or five segments (JWE)."
		if te.Code == finding.TokenMissing {
			msg = "JWT not present."
		}
		o.fail(f, msg)
		o.check("token", "fail", te.Message)
		return o, nil
	}
	o.check("token", "pass", "a compact JWS, "+describeToken(t))

	sources, err := loadKeys(e, r, t)
	if err != nil {
		return nil, err
	}
	checkSignature(e, r, t, o, sources)
	checkLifetime(e, r, t, o)
	checkAudience(r, t, o)
	if err := checkIssuer(e, r, t, o, sources); err != nil {
		return nil, err
	}
	checkClaims(r, t, o)
	checkClientApp(r, t, o)
	markConsequences(o)
	if o.failed && r.FailMessage != "" && !IsExpression(r.FailMessage) {
		o.message = r.FailMessage
	}
	return o, nil
}

func describeToken(t *token.Token) string {
	return fmt.Sprintf("v%s %s token for %s", inspect.Version(t), inspect.Kind(t), t.String("aud"))
}

// extractToken finds the token where the rule reads it. The client is
// assumed to send it there: diagnose answers "would APIM accept this token".
func extractToken(e env, r *rule, o *outcome) (string, bool) {
	switch {
	case r.TokenValue != "":
		v, err := EvalString(r.TokenValue, e.req)
		if err != nil {
			o.warn(finding.Finding{Code: finding.PolicyUnsupported, Line: r.Line, Side: finding.SideAPIM,
				Message: "token-value " + err.Error(), Fix: "check it with the APIM trace"})
			o.unknown = true
			return "", false
		}
		o.check("token", "pass", "read by the token-value expression")
		return strings.TrimSpace(v), true
	case r.QueryParam != "":
		if v, ok := e.req.Query[r.QueryParam]; ok {
			return v, true
		}
		o.check("token", "pass", "read from the query parameter "+r.QueryParam+" (assumed: the client sends it there)")
		return e.token, true
	}
	name := r.HeaderName
	if name == "" {
		name = "Authorization"
	}
	v, present := lookupHeader(e.req.Headers, name)
	if !present && !strings.EqualFold(name, "Authorization") && e.token != "" {
		// The question is whether APIM accepts this token: assume the client
		// sends it where the policy reads it (bare: no scheme in custom headers).
		o.check("token", "pass", "read from the header "+name+" (assumed: the client sends it there, without Bearer; --header overrides)")
		v, present = e.token, true
	}
	if !present || strings.TrimSpace(v) == "" {
		o.fail(finding.Finding{Code: finding.TokenMissing, Side: finding.SideClient,
			Message: fmt.Sprintf("no token in the %s header", name), Fix: "send the token in " + name}, "JWT not present.")
		return "", false
	}
	if !strings.EqualFold(name, "Authorization") && len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		o.fail(finding.Finding{Code: finding.TokenMalformed, Side: finding.SideClient,
			Message:  fmt.Sprintf("the %s header carries \"Bearer <token>\"; with a custom header-name APIM reads the whole value as the token", name),
			Expected: "the bare token", Actual: "Bearer …",
			Fix: "send the token alone in " + name + ", or have the policy read the Authorization header"},
			"IDX12741: JWT must have three segments (JWS) or five segments (JWE).")
		o.check("token", "fail", name+" carries a Bearer scheme")
		return "", false
	}
	if strings.EqualFold(name, "Authorization") {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if r.RequireScheme != "" && !strings.EqualFold(scheme, r.RequireScheme) {
			o.fail(finding.Finding{Code: finding.SchemeMissing, Side: finding.SideClient,
				Message:  fmt.Sprintf("the Authorization header does not use the %s scheme the policy requires", r.RequireScheme),
				Expected: r.RequireScheme + " <token>", Actual: scheme + " …",
				Fix: "send Authorization: " + r.RequireScheme + " <token>"}, "JWT not present.")
			return "", false
		}
		if strings.EqualFold(scheme, "Bearer") {
			v = rest
		}
	}
	return strings.TrimSpace(v), true
}

func lookupHeader(h map[string]string, name string) (string, bool) {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// substitute points a policy's Microsoft URL at the configured authority, so
// a loopback tenant or a sovereign cloud can stand in (spec/cli.md).
func substitute(e env, raw string) string {
	if e.authority == nil || netx.IsMicrosoftAuthority(e.authority) {
		return raw
	}
	for _, host := range []string{"https://login.microsoftonline.com/", "https://login.windows.net/", "https://sts.windows.net/"} {
		if strings.HasPrefix(strings.ToLower(raw), host) {
			return e.authority.String() + raw[len(host):]
		}
	}
	return raw
}

// keySource is one place keys came from, with the issuer it names.
type keySource struct {
	set      *keys.Set
	from     string
	issuer   string // metadata issuer, {tenantid} expanded; "" for inline keys
	line     int
	keysOnly bool
}

func loadKeys(e env, r *rule, t *token.Token) ([]keySource, error) {
	var out []keySource
	configs := r.OpenIDConfigs
	if r.Kind != "validate-jwt" && len(configs) == 0 {
		// validate-azure-ad-token and expectations: the tenant's own metadata
		// for the token's version.
		tenant := r.TenantID
		if tenant == "" || tenant == "organizations" || tenant == "common" {
			tenant = inspect.Tenant(t)
		}
		if tenant != "" {
			v := inspect.Version(t)
			if v == "" {
				v = entra.V2
			}
			configs = append(configs, openIDConfig{URL: e.authority.JoinPath(entra.MetadataPath(tenant, v)).String(), KeysOnly: true})
		}
	}
	for _, oc := range configs {
		u := substitute(e, oc.URL)
		s, err := e.resolver.OpenIDConfig(e.ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, keySource{set: s, from: oc.URL, issuer: entra.ExpandIssuer(s.Issuer, inspect.Tenant(t)), line: oc.Line, keysOnly: oc.KeysOnly})
	}
	return out, nil
}

func checkSignature(e env, r *rule, t *token.Token, o *outcome, sources []keySource) {
	alg := t.HeaderString("alg")
	unsigned := alg == "" || strings.EqualFold(alg, "none") || len(t.Signature) == 0
	if unsigned {
		if !r.RequireSigned {
			o.check("signature", "skip", "require-signed-tokens=\"false\": unsigned tokens are accepted")
			o.warn(finding.Finding{Code: finding.Unsigned, Side: finding.SideAPIM, Line: r.Line,
				Message: "the token is unsigned and the policy accepts that (require-signed-tokens=\"false\"): anyone can forge such a token",
				Fix:     "remove require-signed-tokens=\"false\""})
			return
		}
		o.fail(finding.Finding{Code: finding.Unsigned, Side: finding.SideClient, Expected: "RS256", Actual: alg,
			Message: "the token is not signed", Fix: "get a token from Entra"},
			"IDX10504: Unable to validate signature, token does not have a signature.")
		o.check("signature", "fail", "unsigned")
		return
	}
	if t.Header["nonce"] != nil {
		o.fail(finding.Finding{Code: finding.GraphToken, Side: finding.SideClient, Actual: t.String("aud"),
			Expected: "a token for this API",
			Message:  "this is a Microsoft Graph token (nonce header): its signature cannot be validated by APIM or anyone but Graph",
			Fix:      "request a token for the API behind this gateway: " + suggestedScope(r) + " instead of a Graph scope"},
			"IDX10511: Signature validation failed. Keys tried: '[PII is hidden]'.")
		o.check("signature", "fail", "Graph token: unverifiable by design")
		return
	}
	kid := t.HeaderString("kid")
	type candidate struct {
		key  jwk.Key
		from string
	}
	var cands []candidate
	collect := func() {
		cands = cands[:0]
		for _, s := range sources {
			for i := range s.set.Keys.Len() {
				k, _ := s.set.Keys.Key(i)
				if id, _ := k.KeyID(); kid == "" || id == kid {
					cands = append(cands, candidate{k, s.from})
				}
			}
		}
		for _, pk := range r.SigningKeys {
			if kid != "" && pk.ID != "" && pk.ID != kid {
				continue
			}
			if k := pk.jwk(); k != nil {
				cands = append(cands, candidate{k, fmt.Sprintf("issuer-signing-keys (line %d)", pk.Line)})
			}
		}
	}
	collect()
	if len(cands) == 0 && kid != "" {
		// APIM re-fetches the configuration when a kid is unknown.
		for i, s := range sources {
			if fresh, err := e.resolver.Refresh(e.ctx, s.set); err == nil {
				sources[i].set = fresh
			}
		}
		collect()
	}
	for _, pk := range r.SigningKeys {
		if pk.CertificateID != "" {
			o.warn(finding.Finding{Code: finding.PolicyUnsupported, Line: pk.Line, Side: finding.SideAPIM,
				Message: fmt.Sprintf("issuer-signing-keys certificate-id %q names a certificate uploaded to APIM, which entratoken cannot see", pk.CertificateID),
				Fix:     "if the token is signed with that certificate, check with the APIM trace"})
		}
	}
	if len(sources) == 0 && len(r.SigningKeys) == 0 {
		o.fail(finding.Finding{Code: finding.SigningKeyNotFound, Side: finding.SideAPIM, Line: r.Line,
			Message: "the policy gives no keys: no <openid-config> and no <issuer-signing-keys>",
			Fix:     "add <openid-config url=\"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration\" />"},
			"IDX10500: Signature validation failed. No security keys were provided to validate the signature.")
		o.check("signature", "fail", "no keys configured")
		return
	}
	if len(cands) == 0 {
		var from []string
		for _, s := range sources {
			from = append(from, s.from)
		}
		why := "a token from another tenant, or a retired or forged key"
		if tid := inspect.Tenant(t); tid != "" {
			for _, s := range sources {
				if !strings.Contains(s.set.From, tid) && !strings.Contains(s.from, tid) {
					why = "the token is from tenant " + tid + ", and these are another tenant's keys"
				}
			}
		}
		o.fail(finding.Finding{Code: finding.SigningKeyNotFound, Side: finding.SideClient, Actual: kid,
			Message: fmt.Sprintf("the token's key %q is not among the keys the policy trusts (%s): %s", kid, strings.Join(from, ", "), why),
			Fix:     "get the token from the tenant the policy names; if it is that tenant's token, check that the openid-config URL names the same tenant"},
			fmt.Sprintf("IDX10501: Signature validation failed. Unable to match key: kid: '%s'.", kid))
		o.check("signature", "fail", "kid "+kid+" not found")
		return
	}
	algo, known := jwa.LookupSignatureAlgorithm(alg)
	for _, c := range cands {
		if !known || !algAllowed(alg, c.key) {
			continue
		}
		if _, err := jws.Verify([]byte(t.Raw), jws.WithKey(algo, c.key), jws.WithCritValidation(true)); err == nil {
			o.check("signature", "pass", fmt.Sprintf("%s key %q from %s", alg, kid, c.from))
			if strings.HasPrefix(alg, "HS") {
				o.warn(finding.Finding{Code: finding.AlgNotAllowed, Side: finding.SideAPIM, Actual: alg,
					Message: alg + " verified with a shared secret from the policy: the gateway accepts it, but this is not an Entra token",
					Fix:     "if the API expects Entra tokens, remove the symmetric key from issuer-signing-keys"})
			}
			return
		}
	}
	code, msg := finding.SignatureInvalid, fmt.Sprintf("the key %q was found but the signature does not verify: the token was altered or forged", kid)
	if !known || strings.HasPrefix(alg, "HS") {
		code, msg = finding.AlgNotAllowed, fmt.Sprintf("%s cannot be verified with the policy's keys; Entra signs with RS256", alg)
	}
	o.fail(finding.Finding{Code: code, Side: finding.SideClient, Actual: alg, Message: msg, Fix: "get a new token from Entra and do not edit it"},
		fmt.Sprintf("IDX10511: Signature validation failed. Keys tried: '[PII is hidden]'. kid: '%s'.", kid))
	o.check("signature", "fail", msg)
	return
}

// algAllowed says whether APIM would try alg with this key: RSA algorithms
// with RSA keys, HMAC with symmetric keys.
func algAllowed(alg string, k jwk.Key) bool {
	switch k.KeyType() {
	case jwa.RSA():
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case jwa.OctetSeq():
		return strings.HasPrefix(alg, "HS")
	}
	return false
}

func (pk policyKey) jwk() jwk.Key {
	switch {
	case pk.N != "" && pk.E != "":
		k, err := jwk.ParseKey(fmt.Appendf(nil, `{"kty":"RSA","n":%q,"e":%q}`, strings.TrimRight(pk.N, "="), strings.TrimRight(pk.E, "=")))
		if err != nil {
			return nil
		}
		if pk.ID != "" {
			_ = k.Set(jwk.KeyIDKey, pk.ID)
		}
		return k
	case pk.Symmetric != nil:
		k, err := jwk.Import(pk.Symmetric)
		if err != nil {
			return nil
		}
		if pk.ID != "" {
			_ = k.Set(jwk.KeyIDKey, pk.ID)
		}
		return k
	}
	return nil
}

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
	if !r.HasAudiences && len(r.BackendAppIDs) == 0 {
		o.check("audience", "skip", "no <audiences>: aud is not checked (INFERRED; the reference marks this UNCONFIRMED)")
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
		// with both, the union is accepted (UNCONFIRMED for APIM).
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
		}
		tenantNote = " (both v1 and v2 issuers of the tenant are accepted: UNCONFIRMED for validate-azure-ad-token)"
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
						Message:  "the policy's <issuers> name only the other token version than its openid-config; tokens pass only because APIM is assumed to accept the union of both (UNCONFIRMED)",
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
	sameTenantOtherVersion := false
	for _, a := range accepted {
		if at, _, ok := entra.TenantFromIssuer(a); ok {
			accTenants[strings.ToLower(at)] = true
			if strings.EqualFold(at, tid) {
				sameTenantOtherVersion = true
			}
		}
	}
	switch {
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

// markConsequences: when the token is for another API, its version and its
// roles follow from that API's registration; those findings say so, so that
// nobody changes this API's manifest to suit a token it should never get.
func markConsequences(o *outcome) {
	wrongAPI := false
	for i, f := range o.findings {
		if f.Code == finding.AudienceMismatch && f.Side == finding.SideClient {
			wrongAPI = true
			continue
		}
		if !wrongAPI {
			continue
		}
		switch f.Code {
		case finding.IssuerVersionMismatch, finding.RoleMissing, finding.ScopeMissing, finding.TokenTypeMismatch:
			o.findings[i].Message = "probably a consequence of the wrong audience (a token for this API may well pass): " + f.Message
		}
	}
}
