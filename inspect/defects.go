package inspect

import (
	"crypto/rsa"
	"fmt"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// SignatureSize is the size in bytes of the signatures key makes: an RSA
// signature is exactly as long as the modulus (RFC 8017 §8.2.1), 256 bytes
// for Entra's 2048-bit keys. 0 when key is not an RSA key.
func SignatureSize(key jwk.Key) int {
	var pub rsa.PublicKey
	if key == nil || jwk.Export(key, &pub) != nil || pub.N == nil {
		return 0
	}
	return pub.Size()
}

// Truncation reports a token whose signature is shorter than the key's
// signatures are: the token was cut off when copied (a terminal, a log line,
// a form field), not altered or forged. It says nothing when the signature
// has the key's size.
func Truncation(t *token.Token, key jwk.Key) (finding.Finding, bool) {
	want := SignatureSize(key)
	got := len(t.Signature)
	if want == 0 || got == 0 || got >= want {
		return finding.Finding{}, false
	}
	kid, _ := key.KeyID()
	return finding.Finding{Code: finding.TokenTruncated, Severity: finding.SeverityError, Side: finding.SideClient,
		Message: fmt.Sprintf("the token was cut off when copied: its signature has %d bytes, and the key %q (%d bits) makes %d-byte signatures; it is not a forgery, just incomplete",
			got, kid, want*8, want),
		Expected: fmt.Sprintf("a %d-byte signature (%d base64url characters)", want, (want*8+5)/6),
		Actual:   fmt.Sprintf("%d bytes (%d characters)", got, (got*8+5)/6),
		Fix:      "copy the whole token again: a terminal, a log or a form field may have cut it; get it from the source (entratoken acquire, or the app's own logging of its length)"}, true
}

// NoTenantFinding is KEYS_UNAVAILABLE for a token that names no tenant (no
// tid, no Entra issuer): a defect of the token, not an outage (spec/cli.md,
// "Giving a token").
func NoTenantFinding(t *token.Token) finding.Finding {
	iss := t.String("iss")
	if iss == "" {
		iss = "(no iss claim)"
	}
	return finding.Finding{Code: finding.KeysUnavailable, Severity: finding.SeverityError, Side: finding.SideClient,
		Message:  "the token names no tenant (no tid claim, and its issuer is not Entra's), so the keys that should verify it cannot be found: it was probably not issued by Entra",
		Expected: "a tid claim, or an issuer https://login.microsoftonline.com/{tenant}/v2.0 or https://sts.windows.net/{tenant}/", Actual: iss,
		Fix: "check where the token came from; if its issuer is trusted, give its keys with --jwks FILE|URL or --openid-config URL, or the tenant with --tenant ID"}
}
