// Package redact is the one redaction everything entratoken prints passes
// through (spec/cli.md, "Secrets in output"): the secrets this invocation
// knows (values it was given or acquired, and the environment's secrets,
// registered before any flag is parsed), anything shaped like a token, the
// credential after "Bearer " or "Basic ", and the values of the secret query
// parameters (netx.SecretQuery) in any URL.
package redact

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
)

// EnvSecrets are the environment variables whose values are secrets, wherever
// they end up (an argument, a file name, an echo).
var EnvSecrets = []string{"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "APIM_SUBSCRIPTION_KEY",
	"IDENTITY_HEADER", "MSI_SECRET"}

// MinLength is the shortest value Add registers: a shorter one would match
// ordinary text everywhere (and is no secret worth the name).
const MinLength = 6

// Redactor hides secrets. The zero value is ready; it is safe for
// concurrent use (call --repeat logs from several goroutines).
type Redactor struct {
	mu     sync.RWMutex
	values []string // longest first, so a secret inside another is not half-shown
}

// Add registers v (and its URL-encoded forms) as a secret.
func (r *Redactor) Add(v string) {
	v = strings.TrimSpace(v)
	if len(v) < MinLength {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
		if !slices.Contains(r.values, form) {
			r.values = append(r.values, form)
		}
	}
	slices.SortFunc(r.values, func(a, b string) int { return len(b) - len(a) })
}

// AddEnv registers the values of EnvSecrets as getenv reads them.
func (r *Redactor) AddEnv(getenv func(string) string) {
	for _, name := range EnvSecrets {
		r.Add(getenv(name))
	}
}

// Mask shows a secret value without revealing it: a token as its
// fingerprint, anything else as its length.
func Mask(v string) string {
	if token.Redact(v) != v {
		return token.Redact(v)
	}
	return fmt.Sprintf("****(%d chars)", len(v))
}

// String returns s with every secret in it hidden.
func (r *Redactor) String(s string) string {
	s = netx.MaskQuery(s)
	if r != nil {
		r.mu.RLock()
		for _, v := range r.values {
			if strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, Mask(v))
			}
		}
		r.mu.RUnlock()
	}
	s = token.Redact(s)
	return maskSchemes(s)
}

// Header returns a header's value as it may be shown: wholly masked when the
// name says it holds a credential (netx.SecretHeader; an Authorization
// value keeps its scheme), else with every secret in it hidden.
// WWW-Authenticate is a challenge, not a credential, and stays readable.
func (r *Redactor) Header(name, value string) string {
	if !netx.SecretHeader(name) || strings.EqualFold(name, "WWW-Authenticate") || value == "" {
		return r.String(value)
	}
	if scheme, cred, ok := strings.Cut(value, " "); ok && isScheme(scheme) && cred != "" {
		return scheme + " " + Mask(cred)
	}
	return Mask(value)
}

func isScheme(s string) bool {
	switch strings.ToLower(s) {
	case "bearer", "basic", "pop", "sharedaccesssignature", "sharedkey":
		return true
	}
	return false
}

// maskSchemes hides the credential after "Bearer " or "Basic " (any case)
// when it is long enough to be one: an opaque token or a Basic password
// echoed by a server. Challenges (Bearer error="...") are too short or
// quoted and stay.
func maskSchemes(s string) string {
	lower := strings.ToLower(s)
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		var n int
		switch {
		case strings.HasPrefix(lower[i:], "bearer "):
			n = len("bearer ")
		case strings.HasPrefix(lower[i:], "basic "):
			n = len("basic ")
		default:
			continue
		}
		if i > 0 && isToken68(s[i-1]) {
			continue // part of a longer word
		}
		j := i + n
		for j < len(s) && isToken68(s[j]) {
			j++
		}
		cred := s[i+n : j]
		if len(cred) < 16 || strings.HasPrefix(cred, "****") || strings.Contains(cred, "…") {
			continue
		}
		b.WriteString(s[last : i+n])
		b.WriteString(Mask(cred))
		last, i = j, j-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isToken68 is RFC 9110 §11.2's token68 alphabet.
func isToken68(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/=", c) >= 0
}

// Values returns b with the registered secrets replaced, and nothing else
// changed: for bytes that must otherwise pass as they are (call's body to a
// stdout that is not a terminal).
func (r *Redactor) Values(b []byte) []byte {
	if r == nil {
		return b
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.values {
		if bytes.Contains(b, []byte(v)) {
			b = bytes.ReplaceAll(b, []byte(v), []byte(Mask(v)))
		}
	}
	return b
}
