package netx

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// MaxRedirects bounds redirect chains. Entra's endpoints do not redirect; an
// API behind APIM may, once or twice.
const MaxRedirects = 5

// SubscriptionQuery is the query parameter APIM reads a subscription key
// from (shared/reference/entra-apim.md §3.4).
const SubscriptionQuery = "subscription-key"

// CheckRedirect is the one redirect policy of every client the tool builds
// (an http.Client's CheckRedirect; NewClient installs it). It follows at most
// MaxRedirects redirects, and only to a URL the network rule accepts
// (CheckURL); https never redirects to http. Once a redirect leaves the
// original request's scheme and host (port included), every later request
// of the chain goes without credentials (StripCredentials). Referer is never
// sent: it would carry the previous URL, query key and all.
//
// Go's own client keeps Authorization when only the port or the scheme
// changes, and forwards every other header (the subscription key included)
// to any host, which is why no client of the tool may replace this policy.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("more than %d redirects", MaxRedirects)
	}
	req.Header.Del("Referer")
	prev := via[len(via)-1].URL
	if prev.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect refused: %s redirected to %s, and https never redirects to plain http",
			MaskQuery(prev.String()), MaskQuery(req.URL.String()))
	}
	if _, err := CheckURL(req.URL.String()); err != nil {
		return fmt.Errorf("redirect refused: %w", err)
	}
	origin := via[0].URL
	for _, r := range append(via[1:], req) {
		if !SameOrigin(r.URL, origin) {
			StripCredentials(req)
			break
		}
	}
	return nil
}

// SameOrigin says whether a and b have the same scheme and host (with port).
func SameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// StripCredentials removes from r what must not reach another origin:
// Authorization, Proxy-Authorization, Cookie, the subscription key and every
// header SecretHeader names, Referer, and the subscription-key query
// parameter.
func StripCredentials(r *http.Request) {
	for name := range r.Header {
		if SecretHeader(name) || strings.EqualFold(name, "Referer") {
			r.Header.Del(name)
		}
	}
	if r.URL.RawQuery != "" {
		q := r.URL.Query()
		found := false
		for name := range q {
			if strings.EqualFold(name, SubscriptionQuery) {
				q.Del(name)
				found = true
			}
		}
		if found {
			r.URL.RawQuery = q.Encode()
		}
	}
}
