package acquire

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The spec allows an http:// authority on loopback, for test tenants, but
// azidentity refuses any authority that is not https, and MSAL checks that
// the discovery document's issuer has the authority's scheme and host. So
// for a loopback http authority only, azidentity is given the https form,
// and this transport sends that host's requests over http and shows MSAL the
// discovery documents with the host's http URLs written as https. Nothing
// changes for any other host.
type loopbackHTTP struct {
	base http.RoundTripper
	host string // host:port of the authority
}

// httpsForm returns the https form of a loopback http authority.
func httpsForm(u *url.URL) *url.URL {
	c := *u
	c.Scheme = "https"
	return &c
}

func (t *loopbackHTTP) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" || !strings.EqualFold(r.URL.Host, t.host) {
		return t.base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.URL.Scheme = "http"
	resp, err := t.base.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = bytes.ReplaceAll(body, []byte("http://"+t.host), []byte("https://"+t.host))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}
