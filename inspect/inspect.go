// Package inspect decodes an Entra access token, explains it, and verifies its
// signature against the issuing tenant's own keys (RFC 7515 §5.2, RFC 7519
// §7.2; Entra specifics in shared/reference/entra-apim.md §4).
//
// Keys come from the token's tenant (tid) at the configured authority host,
// from the metadata document of the token's version, or from a key set the
// caller names; never from anything the token carries (iss, jku, x5u, jwk,
// x5c). Only RS256 is accepted: it is the only algorithm Entra signs access
// tokens with. "none" and HS* are reported as findings.
package inspect

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
)

// Signature statuses (spec/cli.md, inspect JSON).
const (
	StatusValid        = "valid"
	StatusInvalid      = "invalid"
	StatusUnverified   = "unverified"   // not checked (--no-verify, or keys unavailable)
	StatusUnverifiable = "unverifiable" // first-party tokens (Graph) that nobody but their API can verify
)

// Options says where keys come from and how.
type Options struct {
	Resolver     *keys.Resolver
	JWKS         string // --jwks FILE|URL
	OpenIDConfig string // --openid-config URL
	NoVerify     bool
	Tenant       string // used only when the token names no tenant
	Now          time.Time
}

// Signature is the verdict on the signature alone.
type Signature struct {
	Status   string `json:"status"`
	Alg      string `json:"alg,omitempty"`
	Kid      string `json:"kid"`
	KeysFrom string `json:"keys_from"`
	Reason   string `json:"reason"`
}

// Report is what inspect says about a token. Its JSON form is the contract.
type Report struct {
	Header      map[string]any    `json:"header"`
	Claims      map[string]any    `json:"claims"`
	Version     string            `json:"version"`
	Kind        string            `json:"kind"`
	Signature   Signature         `json:"signature"`
	Findings    []finding.Finding `json:"findings"`
	Fingerprint string            `json:"token"` // fingerprint, never the token

	// Issuer is the issuer the tenant's metadata names, when keys came from it.
	Issuer string `json:"expected_issuer,omitempty"`

	tok *token.Token
	now time.Time
}

// OK reports whether the token decoded, its signature is valid (or was
// deliberately not checked) and it is within its lifetime: inspect's exit 0.
func (r *Report) OK() bool {
	if r.tok == nil || finding.HasErrors(r.Findings) {
		return false
	}
	return r.Signature.Status == StatusValid || r.Signature.Status == StatusUnverified
}

// Decoded returns the decoded token, or nil when it did not decode.
func (r *Report) Decoded() *token.Token { return r.tok }

// Inspect decodes raw (already normalized) and verifies it. The report is
// never nil. The error is a *keys.Error or *keys.FileError when the keys could
// not be had; the report then still shows the decoded token.
func Inspect(ctx context.Context, raw string, o Options) (*Report, error) {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if o.Resolver == nil { // library callers may leave it: Entra's global cloud
		u, _ := url.Parse(netx.DefaultAuthority)
		o.Resolver = &keys.Resolver{Authority: u, HTTP: netx.NewClient(30*time.Second, nil)}
	}
	r := &Report{Findings: []finding.Finding{}, now: now}
	if raw != "" {
		r.Fingerprint = token.Fingerprint(raw)
	}
	tok, err := token.Decode(raw)
	if err != nil {
		var te *token.Error
		if !errors.As(err, &te) {
			return r, err
		}
		r.Signature = Signature{Status: StatusUnverified, Reason: "the token could not be decoded"}
		r.Findings = append(r.Findings, te.Finding())
		return r, nil
	}
	r.tok, r.Header, r.Claims = tok, tok.Header, tok.Claims
	r.Version = string(Version(tok))
	r.Kind = Kind(tok)

	r.Findings = append(r.Findings, untrustedKeyRefs(tok)...)
	if f, ok := IDTokenFinding(tok); ok {
		r.Findings = append(r.Findings, f)
	}
	sig, fs, err := verify(ctx, tok, o, r)
	r.Signature = sig
	r.Findings = append(r.Findings, fs...)
	r.Findings = append(r.Findings, Lifetime(tok, now, 0)...)
	if r.Issuer != "" && sig.Status == StatusValid {
		if iss := tok.String("iss"); iss != r.Issuer {
			r.Findings = append(r.Findings, finding.Finding{Code: finding.IssuerMismatch, Severity: finding.SeverityWarning,
				Message:  "the token's issuer is not the one its tenant's metadata names; a validator that checks issuers (APIM does) will refuse it",
				Expected: r.Issuer, Actual: iss,
				Fix: "validate with the metadata document of the token's version, or check which tenant issued it"})
		}
	}
	return r, err
}

// Version returns the token's version from ver, or from the issuer's form.
func Version(t *token.Token) entra.Version {
	switch t.String("ver") {
	case "1.0":
		return entra.V1
	case "2.0":
		return entra.V2
	}
	if _, v, ok := entra.TenantFromIssuer(t.String("iss")); ok {
		return v
	}
	return ""
}

// Kind returns "app" for app-only tokens and "delegated" for tokens that carry
// a user. idtyp, when the API asked for it, is the most accurate signal;
// otherwise delegated tokens are the ones with scp.
func Kind(t *token.Token) string {
	switch t.String("idtyp") {
	case "app":
		return "app"
	case "user":
		return "delegated"
	}
	if _, ok := t.Claims["scp"]; ok {
		return "delegated"
	}
	return "app"
}

// IDTokenFinding reports a token that looks like an ID token: no scp, no
// roles, no client claim (appid/azp), and a nonce claim or a user's profile
// claims. Sending the ID token to an API is a common mistake of sign-in
// libraries' callers; access tokens always name the client.
func IDTokenFinding(t *token.Token) (finding.Finding, bool) {
	_, scp := t.Claims["scp"]
	_, roles := t.Claims["roles"]
	if scp || roles || t.String("appid") != "" || t.String("azp") != "" {
		return finding.Finding{}, false
	}
	_, nonce := t.Claims["nonce"]
	profile := t.String("preferred_username") != "" || t.String("unique_name") != "" || t.String("email") != "" || t.String("name") != ""
	if !nonce && !profile {
		return finding.Finding{}, false
	}
	return finding.Finding{Code: finding.IDToken, Severity: finding.SeverityWarning, Side: finding.SideClient,
		Message:  fmt.Sprintf("this looks like an ID token, not an access token: it proves a sign-in to the client %s (its aud), carries no scp or roles and names no client (appid/azp); APIs and APIM expect the access token", t.String("aud")),
		Expected: "an access token for the API (scp or roles, azp or appid)", Actual: "an ID token for " + t.String("aud"),
		Fix: "send the access token: request a token for the API's scope (api://<api>/<scope>) with acquireTokenSilent / entratoken acquire, not the id_token returned at sign-in"}, true
}

// Tenant returns the tenant that issued t: tid, else the issuer's tenant.
func Tenant(t *token.Token) string {
	if tid := t.String("tid"); tid != "" {
		return tid
	}
	tid, _, _ := entra.TenantFromIssuer(t.String("iss"))
	return tid
}

func untrustedKeyRefs(t *token.Token) []finding.Finding {
	var out []finding.Finding
	for _, h := range []string{"jku", "x5u", "jwk", "x5c"} {
		if _, ok := t.Header[h]; !ok {
			continue
		}
		out = append(out, finding.Finding{Code: finding.UntrustedKeyReference, Severity: finding.SeverityWarning,
			Message: fmt.Sprintf("the header carries %q, naming its own key; it was ignored: keys come only from the tenant. Entra never sets it on access tokens, so this token was probably not made by Entra", h),
			Actual:  h, Fix: "treat this token as suspect; get a token from Entra itself"})
	}
	return out
}

func verify(ctx context.Context, t *token.Token, o Options, r *Report) (Signature, []finding.Finding, error) {
	alg := t.HeaderString("alg")
	sig := Signature{Status: StatusInvalid, Alg: alg, Kid: t.HeaderString("kid")}
	fail := func(code, msg, fix string) (Signature, []finding.Finding, error) {
		sig.Reason = msg
		f := finding.Finding{Code: code, Severity: finding.SeverityError, Message: msg, Fix: fix}
		if code == finding.AlgNotAllowed || code == finding.Unsigned {
			f.Expected, f.Actual = "RS256", alg
		}
		return sig, []finding.Finding{f}, nil
	}
	switch {
	case alg == "" || strings.EqualFold(alg, "none") || len(t.Signature) == 0:
		return fail(finding.Unsigned, fmt.Sprintf("the token is not signed (alg %q, %d signature bytes): anyone could have written it", alg, len(t.Signature)),
			"never accept unsigned tokens; get a token from Entra")
	case t.Header["nonce"] != nil:
		sig.Status = StatusUnverifiable
		sig.Reason = "Microsoft Graph-style token: its header carries a nonce and the signature covers a transformed nonce, so nobody but Graph can verify it (by design)"
		return sig, []finding.Finding{graphFinding(t, true)}, nil
	case strings.HasPrefix(strings.ToUpper(alg), "HS"):
		return fail(finding.AlgNotAllowed, fmt.Sprintf("%s is a shared-secret algorithm; Entra never signs access tokens with it, so this token was not issued by Entra (an HS256 token 'signed' with a public key is a classic forgery)", alg),
			"refuse it; get a token from Entra, which signs with RS256")
	case alg != "RS256":
		return fail(finding.AlgNotAllowed, fmt.Sprintf("%s is not RS256, the only algorithm Entra signs access tokens with", alg),
			"check which issuer made this token; Entra access tokens are RS256")
	}
	var extra []finding.Finding
	if aud := t.String("aud"); entra.IsGraphAudience(aud) {
		extra = append(extra, graphFinding(t, false))
	}
	if o.NoVerify {
		sig.Status, sig.Reason = StatusUnverified, "--no-verify: the signature was NOT checked; nothing proves who made this token"
		return sig, extra, nil
	}
	if o.JWKS == "" && o.OpenIDConfig == "" && Tenant(t) == "" && o.Tenant == "" {
		// Not an outage: the token itself does not say whose keys sign it.
		sig.Status, sig.Reason = StatusUnverified, "the token names no tenant (no tid claim, no Entra issuer), so its keys cannot be found"
		return sig, append(extra, NoTenantFinding(t)), nil
	}
	set, err := keySet(ctx, t, o)
	if err != nil {
		sig.Status, sig.Reason = StatusUnverified, "keys unavailable: "+err.Error()
		return sig, extra, err
	}
	sig.KeysFrom, r.Issuer = set.From, set.Issuer
	key, set, notes, err := findKey(ctx, o.Resolver, set, t)
	if err != nil {
		sig.Status, sig.Reason = StatusUnverified, "keys unavailable: "+err.Error()
		return sig, extra, err
	}
	sig.KeysFrom = set.From
	if key == nil {
		msg := fmt.Sprintf("no key with kid %q in the key set from %s (%d keys)", sig.Kid, set.From, set.Keys.Len())
		if sig.Kid == "" {
			msg = fmt.Sprintf("the token has no kid and none of the %d keys from %s verifies it", set.Keys.Len(), set.From)
		}
		if set.Refreshed {
			msg += "; the key set was fetched again to allow for key rollover"
		}
		if len(notes) > 0 {
			msg = fmt.Sprintf("no usable key for kid %q in the key set from %s: %s", sig.Kid, set.From, strings.Join(notes, "; "))
		}
		s, fs, _ := fail(finding.SigningKeyNotFound, msg,
			"the token was signed by another tenant, by a key Entra has retired, or forged; for an app with a custom signing key, use --openid-config with ?appid=<app-id>")
		fs[0].Expected, fs[0].Actual = "one of: "+strings.Join(kids(set.Keys), ", "), sig.Kid
		return s, append(extra, fs...), nil
	}
	if err := verifyRS256([]byte(t.Raw), key); err != nil {
		if f, cut := Truncation(t, key); cut {
			sig.Reason = f.Message
			return sig, append(extra, f), nil
		}
		s, fs, _ := fail(finding.SignatureInvalid, fmt.Sprintf("the key %q was found but the signature does not verify: the token was altered or forged (%s)", sig.Kid, verifyReason(err)),
			"refuse it; get a new token from Entra and do not edit it")
		return s, append(extra, fs...), nil
	}
	if sig.Kid == "" {
		sig.Kid, _ = key.KeyID()
	}
	sig.Status, sig.Reason = StatusValid, ""
	return sig, extra, nil
}

func verifyReason(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "crit") {
		return "the header lists critical extensions this validator does not understand"
	}
	return "RS256 signature mismatch"
}

func graphFinding(t *token.Token, nonce bool) finding.Finding {
	msg := "this token is for Microsoft Graph"
	if nonce {
		msg += " (its header carries a nonce)"
	}
	return finding.Finding{Code: finding.GraphToken, Severity: finding.SeverityWarning,
		Message:  msg + ": Graph tokens are in a proprietary format that only Graph can validate; APIM's validate-jwt and your API will refuse it. That is by design and fine for calls to Graph",
		Expected: "a token whose aud is your API", Actual: t.String("aud"),
		Fix: "request a token for your own API: scope api://<your-api>/.default (app-only) or api://<your-api>/<scope> (delegated), not https://graph.microsoft.com/..."}
}

func keySet(ctx context.Context, t *token.Token, o Options) (*keys.Set, error) {
	switch {
	case o.JWKS != "":
		return o.Resolver.JWKS(ctx, o.JWKS)
	case o.OpenIDConfig != "":
		return o.Resolver.OpenIDConfig(ctx, o.OpenIDConfig)
	}
	tenant := Tenant(t)
	if tenant == "" {
		tenant = o.Tenant
	}
	v := Version(t)
	if v == "" {
		v = entra.V2
	}
	return o.Resolver.Tenant(ctx, tenant, v)
}

// findKey returns the key that should verify the token: the set's
// candidates for its kid, issuer and tenant (keys.Set.Candidates), refreshing
// a cached set once when none is found (key rollover); without kid, the
// first RSA candidate that verifies. A nil key means none was found; notes
// say why keys whose kid matched were not used.
func findKey(ctx context.Context, res *keys.Resolver, set *keys.Set, t *token.Token) (jwk.Key, *keys.Set, []string, error) {
	kid, raw := t.HeaderString("kid"), []byte(t.Raw)
	lookup := func(s *keys.Set) (jwk.Key, []string) {
		cands, notes := s.Candidates(kid, t.String("iss"), Tenant(t))
		for _, k := range cands {
			if kid != "" {
				return k, notes
			}
			if k.KeyType() == jwa.RSA() && verifyRS256(raw, k) == nil {
				return k, notes
			}
		}
		return nil, notes
	}
	if k, notes := lookup(set); k != nil || res == nil {
		return k, set, notes, nil
	}
	fresh, err := res.Refresh(ctx, set)
	if err != nil || fresh == set {
		_, notes := lookup(set)
		return nil, set, notes, err
	}
	k, notes := lookup(fresh)
	return k, fresh, notes, nil
}

// kids lists the key IDs of a set, for evidence; long sets are cut short.
func kids(s jwk.Set) []string {
	var out []string
	for i := range s.Len() {
		if i == 6 {
			out = append(out, fmt.Sprintf("… (%d in all)", s.Len()))
			break
		}
		k, _ := s.Key(i)
		id, _ := k.KeyID()
		out = append(out, id)
	}
	return out
}

// verifyRS256 checks a compact JWS with one key and RS256 only. RFC 7515
// §4.1.11 says a "crit" extension the recipient does not understand must be
// rejected; jwx enforces that only when asked, and Entra never sets crit, so
// no extension is declared and every crit header fails.
func verifyRS256(raw []byte, key jwk.Key) error {
	_, err := jws.Verify(raw, jws.WithKey(jwa.RS256(), key), jws.WithCritValidation(true))
	return err
}
