package netx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// IMDSHost is the instance metadata service's link-local address, the one
// plain-http address outside loopback a request may go to (and only one that
// carries no credential: azidentity's IMDS requests carry Metadata: true).
const IMDSHost = "169.254.169.254"

// ErrNotLoopback is what a plain-http connection to an address that is not
// loopback fails with (wrapped in the transport's *net.OpError).
var ErrNotLoopback = errors.New("is not a loopback address: plain http goes only to 127.0.0.0/8 or ::1 (use https)")

// NewClient returns an HTTP client whose every request ends within timeout,
// whose redirects follow CheckRedirect, and whose transport is base, or
// NewTransport(nil) when base is nil. A base that does not come from
// NewTransport (or wrap one) loses the dialled-address check; only tests
// pass one.
func NewClient(timeout time.Duration, base http.RoundTripper) *http.Client {
	if base == nil {
		base = NewTransport(nil)
	}
	return &http.Client{Transport: base, Timeout: timeout, CheckRedirect: CheckRedirect}
}

// NewTransport returns the transport of every client the tool builds: Go's
// default one (proxies from the environment, HTTP/2, its dial and TLS
// timeouts) with tlsConfig (nil: the system's roots, which SSL_CERT_FILE and
// SSL_CERT_DIR extend). Requests over plain http are dialled only to an
// address that is loopback, checked on the address actually dialled after
// name resolution (so "localhost", or any name, that resolves elsewhere gets
// nothing), and never through a proxy; the one exception is a request to
// IMDSHost that carries no credential (SecretHeader), dialled to exactly
// that address.
func NewTransport(tlsConfig *tls.Config) http.RoundTripper {
	return newTransport(tlsConfig, nil)
}

func newTransport(tlsConfig *tls.Config, resolver *net.Resolver) *guarded {
	secure := http.DefaultTransport.(*http.Transport).Clone()
	if tlsConfig != nil {
		secure.TLSClientConfig = tlsConfig.Clone()
	}
	plainOnly := func(allow func(netip.Addr) bool) *http.Transport {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil // a proxy would see the credentials in clear
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Resolver: resolver,
			Control: func(_, address string, _ syscall.RawConn) error { return checkDialled(address, allow) }}
		t.DialContext = d.DialContext
		return t
	}
	return &guarded{
		secure: secure,
		plain:  plainOnly(func(a netip.Addr) bool { return a.IsLoopback() }),
		imds:   plainOnly(func(a netip.Addr) bool { return a == netip.MustParseAddr(IMDSHost) }),
	}
}

// checkDialled is the dialer's Control hook: it runs after name resolution,
// before connect(2), with the very address about to be dialled.
func checkDialled(address string, allow func(netip.Addr) bool) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("plain http to %s refused: %w", address, ErrNotLoopback)
	}
	if !allow(ap.Addr().Unmap()) {
		return fmt.Errorf("plain http to %s refused: %s %w", address, ap.Addr(), ErrNotLoopback)
	}
	return nil
}

// guarded sends https through secure, and plain http through a transport
// whose dialer refuses what the network rule forbids.
type guarded struct{ secure, plain, imds *http.Transport }

func (g *guarded) RoundTrip(r *http.Request) (*http.Response, error) {
	return g.pick(r).RoundTrip(r)
}

func (g *guarded) pick(r *http.Request) *http.Transport {
	switch {
	case r.URL.Scheme != "http":
		return g.secure
	case r.URL.Hostname() == IMDSHost && !carriesCredentials(r):
		return g.imds
	}
	return g.plain
}

// CloseIdleConnections releases every pooled connection (http.Client's
// CloseIdleConnections calls it).
func (g *guarded) CloseIdleConnections() {
	g.secure.CloseIdleConnections()
	g.plain.CloseIdleConnections()
	g.imds.CloseIdleConnections()
}

func carriesCredentials(r *http.Request) bool {
	for name := range r.Header {
		if SecretHeader(name) {
			return true
		}
	}
	for name := range r.URL.Query() {
		if SecretQuery(name) {
			return true
		}
	}
	return false
}
