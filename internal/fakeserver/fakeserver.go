// Package fakeserver is what the simulated services (internal/fakearm,
// internal/fakegraph) share: an HTTPS server on 127.0.0.1 with a quiet
// error log, and its certificate for the clients that must trust it.
package fakeserver

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
)

// TLS is a started loopback HTTPS server.
type TLS struct {
	srv *httptest.Server
	// URL is its base URL, e.g. https://127.0.0.1:41234 (no trailing slash).
	URL string
}

// StartTLS serves h on loopback TLS. Clients that distrust the test
// certificate are not news: the server's error log is discarded.
func StartTLS(h http.Handler) *TLS {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return &TLS{srv: srv, URL: srv.URL}
}

// Close shuts the server down.
func (t *TLS) Close() { t.srv.Close() }

// Client returns an HTTP client that trusts the server's certificate.
func (t *TLS) Client() *http.Client { return t.srv.Client() }

// CertPool returns a pool holding the server's certificate.
func (t *TLS) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(t.srv.Certificate())
	return p
}

// WriteCAFile writes the server's certificate as PEM, for SSL_CERT_FILE.
func (t *TLS) WriteCAFile(path string) error {
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: t.srv.Certificate().Raw})
	return os.WriteFile(path, b, 0o644)
}

// Log records what a simulated service was asked and which bearer tokens
// came with it, so that tests can prove a token under test never reached
// it. The zero value is ready; it is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	lines   []string
	bearers map[string]bool
}

// Record notes one request as line (e.g. "GET /path?query") and the bearer
// token of its Authorization header, if any.
func (l *Log) Record(r *http.Request, line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		if l.bearers == nil {
			l.bearers = map[string]bool{}
		}
		l.bearers[strings.TrimSpace(tok)] = true
	}
}

// Requests returns every request line so far, in order.
func (l *Log) Requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// SawBearer says whether any request carried tok as its bearer token.
func (l *Log) SawBearer(tok string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bearers[tok]
}
