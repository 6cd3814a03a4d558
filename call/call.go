// Package call sends one HTTP request the way an API client does, with
// Authorization: Bearer and Ocp-Apim-Subscription-Key (or the
// subscription-key query parameter; shared/reference/entra-apim.md §3.4),
// measures it with net/http/httptrace, and reads a bounded answer. The client
// comes from internal/netx, whose redirect policy keeps both credentials on
// the origin they were sent to.
package call

import (
	"bytes"
	"context"
	"crypto/tls"
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
	SubscriptionQuery  = netx.SubscriptionQuery
)

// DefaultContentType is what a body is sent as when no -H Content-Type says
// otherwise.
const DefaultContentType = "application/json"

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
	BodyFile        string // the file Body was read from, if any (for Curl)
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

// Method is the HTTP method r is sent with: r.Method, else POST with a body
// and GET without.
func (r Request) method() string {
	switch {
	case r.Method != "":
		return r.Method
	case r.Body != nil:
		return http.MethodPost
	}
	return http.MethodGet
}

// ValidMethod says whether m is an HTTP method: a token (RFC 9110 §9.1,
// §5.6.2), one or more tchars, nothing a shell or a request line could
// misread.
func ValidMethod(m string) bool { return isToken(m) }

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// ValidHeader says what is wrong with a header the user gave, if anything:
// its name must be a token (RFC 9110 §5.1) and its value must hold no
// control character (a CR or LF would start another header, and an ESC
// would reach the terminal in every echo of it).
func ValidHeader(name, value string) error {
	if !isToken(name) {
		return fmt.Errorf("header name %q is not a token (letters, digits and !#$%%&'*+-.^_`|~)", name)
	}
	for _, r := range value {
		if r < 0x20 && r != '\t' || r >= 0x7f && r <= 0x9f {
			return fmt.Errorf("the value of header %s has a control character (%U)", name, r)
		}
	}
	return nil
}

// sent is one header as it goes on the wire, and what it holds.
type sent struct {
	Header
	placeholder string // the shell variable Curl shows instead of a secret value ("" when not secret)
	scheme      string // what precedes the secret in the value ("Bearer ")
}

// wire lists the headers r is sent with, in order: the single description
// of the request that Build sends and Curl prints.
func (r Request) wire() []sent {
	var out []sent
	user := map[string]bool{}
	for _, h := range r.Headers {
		name := strings.ToLower(h.Name)
		if name == "authorization" && r.Token != "" || name == strings.ToLower(SubscriptionHeader) && r.SubscriptionKey != "" && !r.KeyInQuery {
			continue // the token and the key given as such win, as they always have
		}
		s := sent{Header: h}
		if netx.SecretHeader(h.Name) {
			s.placeholder = shellVar(h.Name)
		}
		out = append(out, s)
		user[name] = true
	}
	if !user["user-agent"] {
		out = append([]sent{{Header: Header{"User-Agent", "entratoken"}}}, out...)
	}
	if r.Token != "" {
		out = append(out, sent{Header: Header{"Authorization", "Bearer " + r.Token}, placeholder: "TOKEN", scheme: "Bearer "})
	}
	if r.SubscriptionKey != "" && !r.KeyInQuery {
		out = append(out, sent{Header: Header{SubscriptionHeader, r.SubscriptionKey}, placeholder: "APIM_SUBSCRIPTION_KEY"})
	}
	if r.Body != nil && !user["content-type"] {
		out = append(out, sent{Header: Header{"Content-Type", DefaultContentType}})
	}
	return out
}

// target is the URL r is sent to: r.URL as Go serialises it, without a
// fragment (never sent), and with the key appended as ?subscription-key=
// when KeyInQuery. withKey gives the key's value ("" for the URL up to it).
func (r Request) target(withKey bool) (string, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return "", err
	}
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = escapeQuery(u.RawQuery)
	s := u.String()
	if r.SubscriptionKey != "" && r.KeyInQuery {
		sep := "?"
		if u.RawQuery != "" || u.ForceQuery {
			sep = "&"
		}
		if u.ForceQuery && u.RawQuery == "" {
			sep = ""
		}
		s += sep + SubscriptionQuery + "="
		if withKey {
			s += url.QueryEscape(r.SubscriptionKey)
		}
	}
	return s, nil
}

// escapeQuery percent-encodes what may not stand in a URL's query (RFC 3986
// §3.4): a space, a double quote, a backtick, <>\^{|} and non-ASCII bytes.
// Go keeps a parsed query as it was typed and would put a space straight
// into the request line, which servers refuse.
func escapeQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"`<>\\^{|}", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Build makes the http.Request for r.
func Build(ctx context.Context, r Request) (*http.Request, error) {
	u, err := r.target(true)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method(), u, body)
	if err != nil {
		return nil, err
	}
	for _, h := range r.wire() {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value // Go sends Host from req.Host, never from the header map
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	return req, nil
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
