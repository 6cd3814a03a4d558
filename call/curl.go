package call

import (
	"strings"

	"github.com/entratoken/entratoken/internal/netx"
)

// Curl renders r as the equivalent curl command. Secrets (the token, the
// subscription key, and headers that look secret) are replaced by
// placeholders unless show is set.
func Curl(r Request, show bool) string {
	var b strings.Builder
	b.WriteString("curl -sS -i")
	method := r.Method
	if method == "" && r.Body != nil {
		method = "POST"
	}
	if method != "" && method != "GET" {
		b.WriteString(" -X " + method)
	}
	u := r.URL
	if r.SubscriptionKey != "" && r.KeyInQuery {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + SubscriptionQuery + "=" + secret(r.SubscriptionKey, "$APIM_SUBSCRIPTION_KEY", show)
	}
	if r.SubscriptionKey != "" && r.KeyInQuery && !show {
		b.WriteString(" " + dquote(u))
	} else {
		b.WriteString(" " + quote(u))
	}
	q := quote
	if !show {
		q = dquote // placeholders like $TOKEN must expand
	}
	if r.Token != "" {
		b.WriteString(" -H " + q("Authorization: Bearer "+secret(r.Token, "$TOKEN", show)))
	}
	if r.SubscriptionKey != "" && !r.KeyInQuery {
		b.WriteString(" -H " + q(SubscriptionHeader+": "+secret(r.SubscriptionKey, "$APIM_SUBSCRIPTION_KEY", show)))
	}
	for _, h := range r.Headers {
		if netx.SecretHeader(h.Name) {
			b.WriteString(" -H " + q(h.Name+": "+secret(h.Value, "$"+strings.ToUpper(strings.ReplaceAll(h.Name, "-", "_")), show)))
		} else {
			b.WriteString(" -H " + quote(h.Name+": "+h.Value))
		}
	}
	if r.Body != nil {
		b.WriteString(" --data-binary " + quote(string(r.Body)))
	}
	return b.String()
}

func secret(v, placeholder string, show bool) string {
	if show {
		return v
	}
	return placeholder
}

// quote single-quotes s for a POSIX shell.
func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == '=' || r == '?' || r == '&' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// dquote double-quotes s, leaving $VARIABLES to the shell.
func dquote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`")
	return `"` + r.Replace(s) + `"`
}
