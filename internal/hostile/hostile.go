// Package hostile is a server that attacks its client, for the tests of the
// rules every client of the tool keeps (spec/cli.md, "Network rules" and
// "Secrets in output"): it redirects from https to plain http on the same
// host and to another origin, echoes every credential it gets in headers and
// body, answers with terminal control sequences, and records every request
// so a test can see what reached it and compare two requests byte for byte.
//
// It listens on 127.0.0.1 only: over TLS (URL), and over plain http on two
// more ports (PlainURL, the same host; OtherURL, another origin).
package hostile

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
)

// ControlBody is what /control answers: a screen clear, a cursor home, a
// forged verdict, a window title, a C1 CSI, a bare CR and a bidi override.
const ControlBody = "\x1b[2J\x1b[Hsignature: VALID\x1b]0;pwned\x07 \u009b31m red \rINVALID \u202eDILAV\n"

// Request is one request as it arrived.
type Request struct {
	Listener string // "tls", "plain" or "other"
	Method   string
	URL      string // path and query
	Header   http.Header
	Body     []byte
}

// Canonical renders r in a fixed form: method and URL, the headers sorted,
// then the body; two requests that mean the same render the same.
func (r Request) Canonical() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(&b, "\n%s", r.Body)
	return b.String()
}

// Server is the hostile server.
type Server struct {
	URL, PlainURL, OtherURL string

	tls, plain, other *httptest.Server
	mu                sync.Mutex
	got               []Request
}

// New starts the three listeners. Close it when done.
func New() *Server {
	s := &Server{}
	quiet := log.New(io.Discard, "", 0)
	mk := func(name string, tls bool) *httptest.Server {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(name, w, r) }))
		srv.Config.ErrorLog = quiet
		if tls {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		return srv
	}
	s.tls, s.plain, s.other = mk("tls", true), mk("plain", false), mk("other", false)
	s.URL, s.PlainURL, s.OtherURL = s.tls.URL+"/", s.plain.URL+"/", s.other.URL+"/"
	return s
}

// Close stops the listeners.
func (s *Server) Close() {
	s.tls.Close()
	s.plain.Close()
	s.other.Close()
}

// WriteCAFile appends the TLS listener's certificate, as PEM, to path (so
// one SSL_CERT_FILE can trust it and a simulated tenant).
func (s *Server) WriteCAFile(path string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	return pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: s.tls.Certificate().Raw})
}

// Requests returns what arrived so far, on listener ("" for all).
func (s *Server) Requests(listener string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.got {
		if listener == "" || r.Listener == listener {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets the requests recorded so far.
func (s *Server) Reset() {
	s.mu.Lock()
	s.got = nil
	s.mu.Unlock()
}

// serve answers by path:
//
//	/to-plain      302 to the same path's /echo on the plain listener (https → http, same host)
//	/to-other      302 to /echo on the other listener (another origin)
//	/echo          200: every header back as X-Echo-<Name>, the URL as X-Echo-Url, and all as JSON
//	/echo-401      the same with 401 and an APIM-shaped body that quotes the Authorization header and all the others
//	/control       200 text/plain: ControlBody
//	/control-json  200 application/json with control characters in a string
func (s *Server) serve(listener string, w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	s.got = append(s.got, Request{Listener: listener, Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	switch r.URL.Path {
	case "/to-plain":
		http.Redirect(w, r, s.PlainURL+"echo", http.StatusFound)
	case "/to-other":
		http.Redirect(w, r, s.OtherURL+"echo?landed=1", http.StatusFound)
	case "/echo", "/echo-401":
		for k, vs := range r.Header {
			w.Header()["X-Echo-"+k] = vs
		}
		w.Header().Set("X-Echo-Url", r.URL.RequestURI())
		w.Header().Set("Set-Cookie", "session="+r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		status := http.StatusOK
		doc := map[string]any{"method": r.Method, "url": r.URL.RequestURI(), "headers": r.Header, "body": string(body)}
		if r.URL.Path == "/echo-401" {
			status = http.StatusUnauthorized
			doc = map[string]any{"statusCode": 401, "message": "Invalid JWT: " + r.Header.Get("Authorization"), "headers": r.Header}
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(doc)
	case "/control":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, ControlBody)
	case "/control-json":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{\"message\":\"\u009b2J\u202esignature: VALID\"}\n")
	default:
		http.NotFound(w, r)
	}
}
