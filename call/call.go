// Package call sends one HTTP request the way an API client does, with
// Authorization: Bearer and Ocp-Apim-Subscription-Key (or the
// subscription-key query parameter; shared/reference/entra-apim.md §3.4),
// measures it with net/http/httptrace, and reads a bounded answer. Neither
// credential ever follows a redirect to another host.
package call

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/netx"
)

// SubscriptionHeader and SubscriptionQuery are APIM's default names.
const (
	SubscriptionHeader = "Ocp-Apim-Subscription-Key"
	SubscriptionQuery  = "subscription-key"
)

// MaxBody bounds how much of an answer is read.
const MaxBody = 1 << 20

// Header is one request header, in the order given.
type Header struct{ Name, Value string }

// Request is what to send.
type Request struct {
	Method          string
	URL             string
	Headers         []Header
	Body            []byte
	Token           string // sent as Authorization: Bearer
	SubscriptionKey string
	KeyInQuery      bool // send the key as ?subscription-key= instead of the header
	// Logf, when set, is told each step of the exchange (no headers, no body).
	Logf func(format string, args ...any)
}

// Timing is where the time went (httptrace), in milliseconds in JSON.
type Timing struct {
	DNS       time.Duration `json:"-"`
	Connect   time.Duration `json:"-"`
	TLS       time.Duration `json:"-"`
	FirstByte time.Duration `json:"-"`
	Total     time.Duration `json:"-"`
}

// Response is what came back.
type Response struct {
	Status    int
	Proto     string
	Headers   http.Header
	Body      []byte
	Truncated bool // the body was longer than MaxBody
	Timing    Timing
}

// TransportError is a failure below HTTP: DNS, connection, TLS, timeout.
type TransportError struct {
	URL     string
	Timeout bool
	Err     error
}

func (e *TransportError) Error() string {
	if e.Timeout {
		return fmt.Sprintf("%s: no answer in time (--timeout): %v", e.URL, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.URL, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Build makes the http.Request for r.
func Build(ctx context.Context, r Request) (*http.Request, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	if r.SubscriptionKey != "" && r.KeyInQuery {
		q := u.Query()
		q.Set(SubscriptionQuery, r.SubscriptionKey)
		u.RawQuery = q.Encode()
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
		if r.Body != nil {
			method = http.MethodPost
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "entratoken")
	for _, h := range r.Headers {
		req.Header.Add(h.Name, h.Value)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.SubscriptionKey != "" && !r.KeyInQuery {
		req.Header.Set(SubscriptionHeader, r.SubscriptionKey)
	}
	if r.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Client returns a client for calls: base's transport and timeout, at most
// 5 redirects, and the credentials dropped whenever a redirect leaves the
// original host (Go drops Authorization itself; the subscription key is a
// custom header it would forward).
func Client(base *http.Client) *http.Client {
	c := *base
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
			req.Header.Del("Authorization")
			req.Header.Del(SubscriptionHeader)
			q := req.URL.Query()
			if q.Has(SubscriptionQuery) {
				q.Del(SubscriptionQuery)
				req.URL.RawQuery = q.Encode()
			}
		}
		return nil
	}
	return &c
}

// Do sends r once. A non-nil error is a *TransportError: no HTTP answer.
func Do(ctx context.Context, c *http.Client, r Request) (*Response, error) {
	req, err := Build(ctx, r)
	if err != nil {
		return nil, &TransportError{URL: r.URL, Err: err}
	}
	var t Timing
	var dnsStart, connStart, tlsStart time.Time
	start := time.Now()
	logf := func(format string, args ...any) {
		if r.Logf != nil {
			r.Logf(format, args...)
		}
	}
	trace := &httptrace.ClientTrace{
		DNSStart: func(i httptrace.DNSStartInfo) { dnsStart = time.Now(); logf("resolving %s", i.Host) },
		DNSDone: func(i httptrace.DNSDoneInfo) {
			t.DNS = time.Since(dnsStart)
			logf("resolved in %s: %v %v", t.DNS.Round(time.Microsecond), i.Addrs, errOrEmpty(i.Err))
		},
		ConnectStart: func(_, addr string) { connStart = time.Now(); logf("connecting to %s", addr) },
		ConnectDone: func(_, addr string, err error) {
			t.Connect = time.Since(connStart)
			logf("connected to %s in %s %v", addr, t.Connect.Round(time.Microsecond), errOrEmpty(err))
		},
		GotConn: func(i httptrace.GotConnInfo) {
			if i.Reused {
				logf("reusing a connection to %s", i.Conn.RemoteAddr())
			}
		},
		TLSHandshakeStart: func() { tlsStart = time.Now() },
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			t.TLS = time.Since(tlsStart)
			logf("TLS %s with %s in %s %v", tls.VersionName(cs.Version), cs.ServerName, t.TLS.Round(time.Microsecond), errOrEmpty(err))
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			logf("request sent after %s", time.Since(start).Round(time.Microsecond))
		},
		GotFirstResponseByte: func() {
			t.FirstByte = time.Since(start)
			logf("first byte after %s", t.FirstByte.Round(time.Microsecond))
		},
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := c.Do(req)
	if err != nil {
		return nil, &TransportError{URL: r.URL, Err: netx.StripURLError(err), Timeout: netx.IsTimeout(ctx, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, &TransportError{URL: r.URL, Err: err, Timeout: netx.IsTimeout(ctx, err)}
	}
	t.Total = time.Since(start)
	out := &Response{Status: resp.StatusCode, Proto: resp.Proto, Headers: resp.Header, Body: body, Timing: t}
	if len(body) > MaxBody {
		out.Body, out.Truncated = body[:MaxBody], true
	}
	return out, nil
}

func errOrEmpty(err error) string {
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return ""
}
