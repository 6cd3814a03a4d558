package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/redact"
)

// Globals are the global flags (spec/cli.md, "Global flags").
type Globals struct {
	Output    string
	Authority string
	Tenant    string
	Timeout   time.Duration
	CacheDir  string
	Offline   bool
	NoColor   bool
	Verbose   bool
}

// Factory hands commands their capabilities. Tests and the demo replace
// fields; commands never reach for globals themselves.
type Factory struct {
	IO      *iostreams.IOStreams
	Globals Globals
	Getenv  func(string) string
	// RootCAs, when set, replaces the system roots (the demo trusts its own
	// simulated tenant this way; tests use SSL_CERT_FILE like users do).
	RootCAs *x509.CertPool

	authority *url.URL
	ran       bool // a command's RunE started: errors after this are not usage errors
	// Secrets holds the values never to print; everything printed passes
	// through it (run registers the environment's secrets before parsing).
	Secrets redact.Redactor
	client  *http.Client
	cache   *keys.Cache // one per invocation, so its warning is said once
}

// addSecret registers a value that must never appear in output: a client
// secret, a certificate password, an acquired token, a key.
func (f *Factory) addSecret(s string) { f.Secrets.Add(s) }

// redact hides in s every registered secret, anything token-shaped and the
// secret query values of any URL.
func (f *Factory) redact(s string) string { return f.Secrets.String(s) }

// printRedacted writes what write writes to w, through redact.
func (f *Factory) printRedacted(w io.Writer, write func(io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	_, err := io.WriteString(w, f.redact(b.String()))
	return err
}

func newFactory() *Factory {
	return &Factory{IO: iostreams.System(), Getenv: os.Getenv}
}

// validate checks the global flags once, before any command runs.
func (f *Factory) validate() error {
	g := &f.Globals
	if g.Output != "text" && g.Output != "json" {
		return flagErrorf("--output must be text or json, not %q", g.Output)
	}
	if g.Timeout <= 0 {
		return flagErrorf("--timeout must be positive, not %s", g.Timeout)
	}
	iostreams.SetReadWait(g.Timeout)
	if g.Authority == "" {
		g.Authority = f.Getenv("AZURE_AUTHORITY_HOST")
	}
	if g.Authority == "" {
		g.Authority = netx.DefaultAuthority
	}
	u, err := netx.ParseAuthority(g.Authority)
	if err != nil {
		return flagErrorf("--authority-host / AZURE_AUTHORITY_HOST: %v", err)
	}
	f.authority = u
	if g.Tenant == "" {
		g.Tenant = f.Getenv("AZURE_TENANT_ID")
	}
	if g.CacheDir == "" {
		g.CacheDir = f.Getenv("ENTRATOKEN_CACHE_DIR")
	}
	if g.CacheDir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			g.CacheDir = filepath.Join(d, "entratoken")
		}
	}
	if g.NoColor {
		f.IO.Color, f.IO.ErrColor = false, false
	}
	return nil
}

// HTTPClient returns the invocation's client, bounded by --timeout, with the
// network rules of netx: its redirect policy and its dialled-address check.
// Every request of the invocation (keys, azidentity, call, and the ARM and
// Graph clients to come) goes through it; one transport serves them all, so
// connections are reused and closeIdle can release them.
func (f *Factory) HTTPClient() *http.Client {
	if f.client == nil {
		t := netx.NewTransport(&tls.Config{RootCAs: f.RootCAs, MinVersion: tls.VersionTLS12})
		f.client = netx.NewClient(f.Globals.Timeout, t)
	}
	return f.client
}

// closeIdle releases the invocation's idle connections (and their
// goroutines); run calls it when a command is done.
func (f *Factory) closeIdle() {
	if f.client != nil {
		f.client.CloseIdleConnections()
	}
}

// Resolver returns the key resolver the global flags describe.
func (f *Factory) Resolver() *keys.Resolver {
	r := &keys.Resolver{Authority: f.authority, HTTP: f.HTTPClient(), Offline: f.Globals.Offline}
	if f.Globals.CacheDir != "" && f.cache == nil {
		f.cache = &keys.Cache{Dir: f.Globals.CacheDir, Warnf: func(format string, args ...any) {
			fmt.Fprintln(f.IO.ErrOut, f.redact("entratoken: warning: "+fmt.Sprintf(format, args...)))
		}}
	}
	r.Cache = f.cache
	if f.Globals.Verbose {
		r.Logf = f.logf
	}
	return r
}

// logf writes a -v line on stderr. Callers pass URLs and counts, never
// secrets or tokens.
func (f *Factory) logf(format string, args ...any) {
	fmt.Fprintln(f.IO.ErrOut, f.redact(fmt.Sprintf("entratoken: "+format, args...)))
}
