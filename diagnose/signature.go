package diagnose

// This file checks signatures: keys from the policy's openid-config
// documents and issuer-signing-keys, the way the gateway tries them.

import (
	"fmt"
	"strings"

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

// KeySource replaces where keys come from, as inspect's flags do
// (spec/cli.md, "Where keys come from"): the keys of every <openid-config>
// of the policy, and those of the token-only and expectations checks.
type KeySource struct {
	JWKS         string // --jwks FILE|URL: keys only
	OpenIDConfig string // --openid-config URL: keys, and the metadata issuer
}

func (k KeySource) given() bool { return k.JWKS != "" || k.OpenIDConfig != "" }

type givenKeys struct {
	done bool
	set  *keys.Set
	err  error
}

// givenSet fetches the keys --jwks or --openid-config name, once per run.
func (e env) givenSet() (*keys.Set, error) {
	g := e.given
	if !g.done {
		g.done = true
		if e.keys.JWKS != "" {
			g.set, g.err = e.resolver.JWKS(e.ctx, e.keys.JWKS)
		} else {
			g.set, g.err = e.resolver.OpenIDConfig(e.ctx, e.keys.OpenIDConfig)
		}
	}
	return g.set, g.err
}

func loadKeys(e env, r *rule, t *token.Token) ([]keySource, error) {
	var out []keySource
	configs := r.OpenIDConfigs
	if r.Kind != "validate-jwt" && len(configs) == 0 {
		if e.keys.given() {
			s, err := e.givenSet()
			if err != nil {
				return nil, err
			}
			return []keySource{{set: s, from: s.From, issuer: entra.ExpandIssuer(s.Issuer, inspect.Tenant(t)), keysOnly: true}}, nil
		}
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
		if e.keys.given() {
			ks, err := givenInPlaceOf(e, oc, t)
			if err != nil {
				return nil, err
			}
			out = append(out, ks)
			continue
		}
		u := substitute(e, oc.URL)
		s, err := e.resolver.OpenIDConfig(e.ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, keySource{set: s, from: oc.URL, issuer: entra.ExpandIssuer(s.Issuer, inspect.Tenant(t)), line: oc.Line, keysOnly: oc.KeysOnly})
	}
	return out, nil
}

// givenInPlaceOf puts the given keys in place of an <openid-config>'s. With
// --openid-config its issuer replaces the metadata issuer too; with --jwks
// the issuer is the one Entra's document at that URL names (read from the
// URL when it names a tenant ID, so that a saved key set answers offline),
// else the document is fetched for it.
func givenInPlaceOf(e env, oc openIDConfig, t *token.Token) (keySource, error) {
	s, err := e.givenSet()
	if err != nil {
		return keySource{}, err
	}
	ks := keySource{set: s, from: s.From + " (given in place of " + oc.URL + ")", line: oc.Line, keysOnly: oc.KeysOnly}
	tid := inspect.Tenant(t)
	switch {
	case e.keys.OpenIDConfig != "":
		ks.issuer = entra.ExpandIssuer(s.Issuer, tid)
	case oc.KeysOnly:
	default:
		if iss, ok := entraMetadataIssuer(oc.URL, tid); ok {
			ks.issuer = iss
			break
		}
		meta, err := e.resolver.OpenIDConfig(e.ctx, substitute(e, oc.URL))
		if err != nil {
			return keySource{}, err
		}
		ks.issuer = entra.ExpandIssuer(meta.Issuer, tid)
	}
	return ks, nil
}

// entraMetadataIssuer is the issuer Entra's discovery document at u names,
// read from the URL: https://login.microsoftonline.com/{tenant ID}/v2.0/...
// names https://login.microsoftonline.com/{tenant ID}/v2.0, the v1 document
// https://sts.windows.net/{tenant ID}/; organizations and common name the
// token's tenant. A domain or another host gives false: the issuer is only
// in the document.
func entraMetadataIssuer(u, tid string) (string, bool) {
	const host = "https://login.microsoftonline.com/"
	if len(u) < len(host) || !strings.EqualFold(u[:len(host)], host) {
		return "", false
	}
	tenant, path, _ := strings.Cut(u[len(host):], "/")
	path, _, _ = strings.Cut(path, "?")
	v := entra.V1
	switch path {
	case "v2.0/.well-known/openid-configuration":
		v = entra.V2
	case ".well-known/openid-configuration":
	default:
		return "", false
	}
	switch strings.ToLower(tenant) {
	case "organizations", "common":
		tenant = tid
	}
	if !entra.IsGUID(tenant) {
		return "", false
	}
	if v == entra.V1 {
		return entra.IssuerV1(tenant), true
	}
	return entra.IssuerV2(tenant), true
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
			ks, _ := s.set.Candidates(kid, t.String("iss"), inspect.Tenant(t)) // enc keys and other tenants' keys never verify
			for _, k := range ks {
				cands = append(cands, candidate{k, s.from})
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
	if len(sources) == 0 && len(r.SigningKeys) == 0 && r.Kind != "validate-jwt" {
		// Keys come from the token's tenant, and it names none.
		o.fail(inspect.NoTenantFinding(t), "IDX10500: Signature validation failed. No security keys were provided to validate the signature.")
		o.check("signature", "fail", "the token names no tenant: no keys to verify it with")
		return
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
		if e.keys.given() {
			why = "the keys given (--jwks, --openid-config) are another tenant's, or older than the token's key"
		} else if tid := inspect.Tenant(t); tid != "" {
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
	for _, c := range cands {
		if f, cut := inspect.Truncation(t, c.key); cut && known && algAllowed(alg, c.key) {
			o.fail(f, fmt.Sprintf("IDX10511: Signature validation failed. Keys tried: '[PII is hidden]'. kid: '%s'.", kid))
			o.check("signature", "fail", "the token was cut off when copied: its signature is shorter than the key's")
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
