package keys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/entratoken/entratoken/internal/entra"
)

// parseSet reads a JWK set (or a single JWK) key by key, as a validator
// should read Entra's metadata (RFC 7517 §5: a member it cannot use is
// ignored, not fatal): a key that does not parse, an encryption key
// ("use": "enc", RFC 7517 §4.2) and a key whose key_ops exclude "verify"
// (§4.3) are left out, each with the reason in skipped, so one odd key does
// not make the whole set unusable and no encryption key ever verifies a
// signature. Only public halves are kept (a file may hold a private key, as
// test fixtures do).
func parseSet(b []byte) (set jwk.Set, skipped []string, err error) {
	var doc struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	raws := []json.RawMessage{b}
	if json.Unmarshal(b, &doc) == nil && doc.Keys != nil {
		raws = *doc.Keys
	}
	set = jwk.NewSet()
	for i, raw := range raws {
		var meta struct {
			Kid    string   `json:"kid"`
			Use    string   `json:"use"`
			KeyOps []string `json:"key_ops"`
		}
		_ = json.Unmarshal(raw, &meta)
		name := fmt.Sprintf("key %d", i+1)
		if meta.Kid != "" {
			name = fmt.Sprintf("key %q", meta.Kid)
		}
		k, err := jwk.ParseKey(withoutChain(raw))
		if err != nil {
			if len(raws) == 1 && doc.Keys == nil {
				return nil, nil, fmt.Errorf("not a JWK set or JWK: %w", err)
			}
			skipped = append(skipped, fmt.Sprintf("%s does not parse (%v)", name, err))
			continue
		}
		if strings.EqualFold(meta.Use, "enc") {
			skipped = append(skipped, name+" is an encryption key (use: enc), never a signature key")
			continue
		}
		if meta.KeyOps != nil && !containsFold(meta.KeyOps, "verify") {
			skipped = append(skipped, fmt.Sprintf("%s may not verify (key_ops %v)", name, meta.KeyOps))
			continue
		}
		pub, err := jwk.PublicKeyOf(k)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s has no public key (%v)", name, err))
			continue
		}
		if err := set.AddKey(pub); err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", name, err))
		}
	}
	if set.Len() == 0 {
		if len(skipped) > 0 {
			return nil, skipped, fmt.Errorf("the key set has no signing key it can use: %s", strings.Join(skipped, "; "))
		}
		return nil, nil, errors.New("the key set has no keys")
	}
	return set, skipped, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func (r *Resolver) noteSkipped(from string, skipped []string) {
	for _, s := range skipped {
		r.logf("key set %s: %s: skipped", from, s)
	}
}

// Candidates returns the keys of s that may verify a token whose header
// names kid (every key when kid is empty; a key matches by kid, or by x5t,
// which Entra sets to the same thumbprint) and whose iss and tenant are
// given. A key Entra bound to an issuer (the "issuer" member of a v2 key set,
// https://login.microsoftonline.com/{tenantid}/v2.0 for keys every tenant
// shares) is left out when that issuer, {tenantid} expanded to tid, names
// another tenant than the token's: the check of Microsoft.IdentityModel's
// ValidateIssuerSigningKey, which accepts the key for the token's own issuer
// or the metadata's (a v1 token checked with v2 keys), here compared by
// tenant so that a sovereign or test authority's host does not matter. So a
// key set that mixes tenants' keys never lets one tenant's key verify
// another's token. notes says, for every key left out whose kid matched, why.
func (s *Set) Candidates(kid, iss, tid string) (keys []jwk.Key, notes []string) {
	for i := range s.Keys.Len() {
		k, _ := s.Keys.Key(i)
		id, _ := k.KeyID()
		if x5t, ok := k.X509CertThumbprint(); kid != "" && id != kid && !(ok && x5t == kid) {
			continue
		}
		var keyIss string
		if k.Get("issuer", &keyIss) == nil && !issuerAllows(keyIss, iss, tid, s.Issuer) {
			notes = append(notes, fmt.Sprintf("key %q is bound to issuer %s, another tenant's than this token's (%s)", id, entra.ExpandIssuer(keyIss, tid), tid))
			continue
		}
		keys = append(keys, k)
	}
	return keys, notes
}

func issuerAllows(keyIss, tokenIss, tid, metaIss string) bool {
	if strings.TrimSpace(keyIss) == "" || tid == "" {
		return true
	}
	eff := entra.ExpandIssuer(keyIss, tid)
	if eff == tokenIss || metaIss != "" && eff == entra.ExpandIssuer(metaIss, tid) {
		return true
	}
	if named := issuerTenant(eff); named != "" {
		return strings.EqualFold(named, tid)
	}
	return false
}

// issuerTenant is the tenant an Entra issuer URL names: its first path
// segment (https://login.microsoftonline.com/<tenant>/v2.0,
// https://sts.windows.net/<tenant>/).
func issuerTenant(iss string) string {
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" {
		return ""
	}
	seg, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return seg
}

// withoutChain drops a key's x5c member before jwx parses it: parsing the
// certificates was most of a key set's parse time, and the tool never trusts
// a key for its certificate (keys come from the tenant's metadata). A key
// that is not a JSON object is left for jwx to refuse.
func withoutChain(raw json.RawMessage) json.RawMessage {
	if !bytes.Contains(raw, []byte(`"x5c"`)) {
		return raw
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	delete(m, "x5c")
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}
