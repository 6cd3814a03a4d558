// Package federation checks a workload identity federation before Entra is
// asked: it decodes the external (federated) token a workload presents —
// GitHub Actions' OIDC token, an AKS projected service account token, any
// OIDC issuer's — and compares its iss, sub and aud with the federated
// identity credentials of the identity it stands for, an app registration
// (Microsoft Graph federatedIdentityCredential) or a user-assigned managed
// identity (Microsoft.ManagedIdentity federatedIdentityCredentials), by the
// rules Entra applies: issuer and subject are exact, case-sensitive string
// comparisons, and the token's audience must be one of the credential's
// audiences (Microsoft identity platform, "Workload identity federation";
// Microsoft Graph federatedIdentityCredential resource type).
//
// The token's signature is not checked here: that is Entra's business, with
// the issuer's published keys; this package never fetches keys and never
// sends the token anywhere.
package federation

import (
	"fmt"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/token"
)

// MaxTokenSize bounds a federated token. GitHub's and AKS's are 1-2 KB;
// anything near this is not a federated token.
const MaxTokenSize = 16 << 10

// Token is what Entra reads from a federated token: the three claims it
// matches, the lifetime, and the claims that explain a GitHub subject.
type Token struct {
	Issuer    string
	Subject   string
	Audiences []string
	IssuedAt  time.Time // zero when absent
	Expires   time.Time // zero when absent
	// Raw is the token itself: never printed (a fingerprint is).
	Raw string
	// Claims are the decoded claims, for the GitHub explanations
	// (repository, ref, environment, event_name, job_workflow_ref).
	Claims map[string]any
}

// DecodeError is a federated token that cannot be read: a usage error
// (exit 2), never a mismatch.
type DecodeError struct{ Msg string }

func (e *DecodeError) Error() string { return e.Msg }

// Decode reads a federated token (a compact JWS) without verifying it. It
// requires a string iss, a string sub and an aud that is a string or an
// array of strings, as Entra does.
func Decode(raw string) (*Token, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxTokenSize {
		return nil, &DecodeError{fmt.Sprintf("the federated token is %d bytes; a federated token is a JWT of a few KB (at most %d accepted)", len(raw), MaxTokenSize)}
	}
	t, err := token.Decode(raw)
	if err != nil {
		return nil, &DecodeError{"the federated token is not a JWT: " + err.Error()}
	}
	str := func(name string) (string, error) {
		v, ok := t.Claims[name]
		if !ok {
			return "", &DecodeError{fmt.Sprintf("the federated token has no %q claim: Entra matches a federated credential on iss, sub and aud", name)}
		}
		s, isStr := v.(string)
		if !isStr || s == "" {
			return "", &DecodeError{fmt.Sprintf("the federated token's %q claim is %v, not a non-empty string", name, v)}
		}
		return s, nil
	}
	out := &Token{Raw: raw, Claims: t.Claims}
	if out.Issuer, err = str("iss"); err != nil {
		return nil, err
	}
	if out.Subject, err = str("sub"); err != nil {
		return nil, err
	}
	switch v := t.Claims["aud"].(type) {
	case string:
		out.Audiences = []string{v}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, &DecodeError{fmt.Sprintf("the federated token's \"aud\" claim holds %v, not a string", e)}
			}
			out.Audiences = append(out.Audiences, s)
		}
	}
	if len(out.Audiences) == 0 || out.Audiences[0] == "" {
		return nil, &DecodeError{"the federated token has no \"aud\" claim (a string or an array of strings): Entra matches it against the credential's audiences"}
	}
	for _, c := range []struct {
		name string
		dst  *time.Time
	}{{"iat", &out.IssuedAt}, {"exp", &out.Expires}} {
		tm, ok, err := t.Time(c.name)
		if err != nil {
			return nil, &DecodeError{"the federated token's " + err.Error()}
		}
		if ok {
			*c.dst = tm
		}
	}
	return out, nil
}

// Claim returns a string claim of the token, "" when absent.
func (t *Token) Claim(name string) string {
	s, _ := t.Claims[name].(string)
	return s
}
