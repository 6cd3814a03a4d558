// Package netx holds the network rules every entratoken command follows
// (spec/cli.md, "Network rules"): credentials travel only over https or to an
// address that is loopback, checked on the address dialled (NewTransport);
// redirects are held to the same rule and drop credentials when they leave the
// origin (CheckRedirect); every read is bounded in size and every request in
// time (NewClient, Fetch). Every client the tool builds comes from NewClient.
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

// CheckURL parses raw and requires https, or http to a loopback host (by
// name here; NewTransport checks the address dialled). A URL with a control
// or bidirectional-override character is refused: no server needs one, and
// every echo of it would carry it to a terminal.
func CheckURL(raw string) (*url.URL, error) {
	if i := strings.IndexFunc(raw, unprintable); i >= 0 {
		return nil, fmt.Errorf("%q has a control character (%U): not a URL", raw, []rune(raw[i:])[0])
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Host == "" || u.Hostname() == "" {
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

// unprintable: C0 and C1 controls, DEL, and the bidirectional overrides and
// isolates (U+202A-U+202E, U+2066-U+2069) that reorder what a terminal shows.
func unprintable(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}
