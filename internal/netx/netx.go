// Package netx holds the network rules every entratoken command follows:
// https everywhere except loopback (spec/cli.md, --authority-host), redirects
// held to the same rule, every read bounded in size and every request bounded
// in time.
package netx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAuthority is Entra's global authority host.
const DefaultAuthority = "https://login.microsoftonline.com/"

// IsLoopbackHost reports whether host (no port) is localhost or a loopback IP
// (127.0.0.0/8, ::1).
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// CheckURL parses raw and requires https, or http to a loopback host.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL (expected https://host/...)", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("%q uses http: only https is allowed, except for loopback hosts (127.0.0.1, ::1, localhost)", raw)
		}
	default:
		return nil, fmt.Errorf("%q: scheme %q is not allowed, use https", raw, u.Scheme)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q: credentials in URLs are not allowed", u.Redacted())
	}
	return u, nil
}

// ParseAuthority validates an authority host URL and returns it with its path
// ending in "/", so that tenant paths can be appended.
func ParseAuthority(raw string) (*url.URL, error) {
	u, err := CheckURL(raw)
	if err != nil {
		return nil, fmt.Errorf("authority host: %w", err)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("authority host %q: must not have a query or fragment", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// IsMicrosoftAuthority reports whether u is one of Entra's public or sovereign
// authority hosts. Instance discovery and host substitution depend on it.
func IsMicrosoftAuthority(u *url.URL) bool {
	switch strings.ToLower(u.Hostname()) {
	case "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net",
		"login.microsoftonline.us", "login.partner.microsoftonline.cn", "login.chinacloudapi.cn":
		return true
	}
	return false
}

// MaxRedirects bounds redirect chains; Entra's endpoints do not redirect.
const MaxRedirects = 3

// NewClient returns an HTTP client whose every request ends within timeout,
// that follows at most MaxRedirects redirects and only to URLs CheckURL
// accepts. base may be nil for Go's default transport (which honours
// SSL_CERT_FILE and the proxy environment variables).
func NewClient(timeout time.Duration, base http.RoundTripper) *http.Client {
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{
		Transport: base,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("more than %d redirects", MaxRedirects)
			}
			if _, err := CheckURL(req.URL.String()); err != nil {
				return fmt.Errorf("redirect refused: %w", err)
			}
			return nil
		},
	}
}

// FetchError describes a failed GET: transport failure, timeout, non-200
// status or an oversized body. Body holds at most the first 4 KiB of an error
// answer (enough for Entra's error JSON).
type FetchError struct {
	URL     string
	Status  int
	Body    []byte
	Timeout bool
	Err     error
}

func (e *FetchError) Error() string {
	switch {
	case e.Timeout:
		return fmt.Sprintf("GET %s: no answer in time (%v)", e.URL, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("GET %s: %v", e.URL, e.Err)
	default:
		return fmt.Sprintf("GET %s: HTTP %d", e.URL, e.Status)
	}
}

func (e *FetchError) Unwrap() error { return e.Err }

// Fetch GETs u and returns its body, refusing bodies larger than limit bytes.
// logf, when not nil, is told about the request (URLs only, never bodies).
func Fetch(ctx context.Context, c *http.Client, u string, limit int64, logf func(string, ...any)) ([]byte, error) {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &FetchError{URL: u, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "entratoken")
	resp, err := c.Do(req)
	if err != nil {
		if logf != nil {
			logf("GET %s: failed after %s", u, time.Since(start).Round(time.Millisecond))
		}
		return nil, &FetchError{URL: u, Err: StripURLError(err), Timeout: IsTimeout(ctx, err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		if logf != nil {
			logf("GET %s: HTTP %d after %s", u, resp.StatusCode, time.Since(start).Round(time.Millisecond))
		}
		return nil, &FetchError{URL: u, Status: resp.StatusCode, Body: body}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &FetchError{URL: u, Status: resp.StatusCode, Err: StripURLError(err), Timeout: IsTimeout(ctx, err)}
	}
	if int64(len(body)) > limit {
		return nil, &FetchError{URL: u, Status: resp.StatusCode,
			Err: fmt.Errorf("answer is larger than %d KiB and was refused (Entra's are a few KiB)", limit>>10)}
	}
	if logf != nil {
		logf("GET %s: HTTP 200, %d bytes in %s", u, len(body), time.Since(start).Round(time.Millisecond))
	}
	return body, nil
}

// IsTimeout says whether err (or ctx) means the wait ran out.
func IsTimeout(ctx context.Context, err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout())
}

// StripURLError drops *url.Error's "Get \"...\":" prefix, for errors that
// name the URL themselves.
func StripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// SecretHeader says whether a header's value must never be shown: credentials
// and anything named like one.
func SecretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"authorization", "key", "secret", "token", "password", "cookie", "signature"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
