package netx

import "strings"

// secretWords are the parts of a header or query parameter name that mark
// its value as a credential: Authorization, Ocp-Apim-Subscription-Key,
// api-key, X-Functions-Key, X-IDENTITY-HEADER, Cookie, client_secret,
// access_token, sig (a SAS signature) and the like.
var secretWords = []string{"authorization", "key", "secret", "token", "password", "passwd", "cookie",
	"signature", "credential", "identity-header", "session"}

// SecretHeader says whether a header's value must never be shown and never
// follow a redirect off its origin: credentials and anything named like one.
func SecretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// SecretQuery says whether a URL query parameter's value must be masked
// wherever a URL is shown: the contract's subscription-key (APIM),
// access_token (RFC 6750 §2.3) and code (an OAuth authorization code), sig
// (an Azure SAS signature), and any name SecretHeader would hide.
func SecretQuery(name string) bool {
	switch strings.ToLower(name) {
	case "code", "sig":
		return true
	}
	return SecretHeader(strings.ReplaceAll(name, "_", "-"))
}

// Mask is what a hidden query value is shown as.
const Mask = "****"

// MaskQuery replaces, anywhere in s (a URL, a log line, an error message),
// the value of every query parameter SecretQuery names with Mask:
// "https://x/?subscription-key=abc&a=1" becomes
// "https://x/?subscription-key=****&a=1".
func MaskQuery(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '?' && s[i] != '&' {
			continue
		}
		j := i + 1
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j == i+1 || j >= len(s) || s[j] != '=' || !SecretQuery(s[i+1:j]) {
			continue
		}
		k := j + 1
		for k < len(s) && !endsValue(s[k]) {
			k++
		}
		if k == j+1 || strings.HasPrefix(s[j+1:], Mask) {
			continue // empty, or masked already
		}
		b.WriteString(s[last : j+1])
		b.WriteString(Mask)
		last, i = k, k-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '%'
}

// endsValue: the characters that end a query value in a URL or around one in
// text (quotes, brackets, whitespace, controls).
func endsValue(c byte) bool {
	return c <= ' ' || strings.IndexByte("&#\"'<>\\`)]}|,;", c) >= 0 || c == 0x7f
}
