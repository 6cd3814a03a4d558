package netx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a server that records the requests it gets.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	got  []*http.Request
	next func(w http.ResponseWriter, r *http.Request) // nil: answer 200
}

func newRecorder(t *testing.T, tlsOn bool) *recorder {
	rec := &recorder{}
	rec.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.got = append(rec.got, r.Clone(context.Background()))
		next := rec.next
		rec.mu.Unlock()
		if next != nil {
			next(w, r)
		}
	}))
	if tlsOn {
		rec.StartTLS()
	} else {
		rec.Start()
	}
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.got...)
}

func redirectTo(target string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) }
}

// credentialed is a request carrying every kind of credential the tool sends.
func credentialed(t *testing.T, u string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"Authorization": "Bearer eyJhbGciOi.secret.token", "Ocp-Apim-Subscription-Key": "sub-key-123",
		"Api-Key": "api-key-123", "X-Functions-Key": "fn-key-123", "Cookie": "session=abc",
		"X-Identity-Header": "id-header-123", "X-Correlation-Id": "keep-me",
	} {
		req.Header.Set(k, v)
	}
	return req
}

func secretsIn(h http.Header) []string {
	var out []string
	for name := range h {
		if SecretHeader(name) || name == "Referer" {
			out = append(out, name)
		}
	}
	return out
}

// https to plain http on the same host (another port) is refused, and the
// plain server never sees the request. Go's own policy would send
// Authorization along (same host name) and every other header too.
func TestRedirectHTTPSToHTTPRefused(t *testing.T) {
	plain := newRecorder(t, false)
	secure := newRecorder(t, true)
	secure.next = redirectTo(plain.URL + "/landing")
	pool := x509.NewCertPool()
	pool.AddCert(secure.Certificate())
	c := NewClient(5*time.Second, NewTransport(&tls.Config{RootCAs: pool}))
	_, err := c.Do(credentialed(t, secure.URL+"/start"))
	if err == nil || !strings.Contains(err.Error(), "https never redirects to plain http") {
		t.Fatalf("err = %v, want the https→http redirect refused", err)
	}
	if n := len(plain.requests()); n != 0 {
		t.Fatalf("the plain-http server got %d requests", n)
	}
}

// A redirect to another origin (host, or only the port) drops every
// credential and Referer; a redirect within the origin keeps them; once the
// chain has left the origin, coming back does not restore them.
func TestRedirectOffOriginDropsCredentials(t *testing.T) {
	other := newRecorder(t, false) // 127.0.0.1, another port
	origin := newRecorder(t, false)
	var hops int
	origin.next = func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/kept", http.StatusFound)
		case "/away":
			http.Redirect(w, r, other.URL+"/landing?x=1", http.StatusFound)
		case "/boomerang":
			hops++
			http.Redirect(w, r, other.URL+"/back", http.StatusFound)
		}
	}
	other.next = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/back" {
			http.Redirect(w, r, origin.URL+"/home", http.StatusFound)
		}
	}
	c := NewClient(5*time.Second, nil)

	if _, err := c.Do(credentialed(t, origin.URL+"/same?subscription-key=q-key-123")); err != nil {
		t.Fatal(err)
	}
	kept := origin.requests()[1]
	if kept.Header.Get("Authorization") == "" || kept.Header.Get("Ocp-Apim-Subscription-Key") == "" {
		t.Errorf("a redirect within the origin dropped the credentials: %v", kept.Header)
	}
	if kept.Header.Get("Referer") != "" {
		t.Errorf("Referer sent: %q", kept.Header.Get("Referer"))
	}

	if _, err := c.Do(credentialed(t, origin.URL+"/away?subscription-key=q-key-123")); err != nil {
		t.Fatal(err)
	}
	landed := other.requests()[0]
	if s := secretsIn(landed.Header); len(s) > 0 {
		t.Errorf("credentials followed a redirect to another port: %v", s)
	}
	if landed.Header.Get("X-Correlation-Id") != "keep-me" {
		t.Error("an ordinary header was dropped")
	}

	if _, err := c.Do(credentialed(t, origin.URL+"/boomerang")); err != nil {
		t.Fatal(err)
	}
	reqs := origin.requests()
	home := reqs[len(reqs)-1]
	if home.URL.Path != "/home" || len(secretsIn(home.Header)) > 0 {
		t.Errorf("back at the origin after leaving it: %s with %v", home.URL.Path, secretsIn(home.Header))
	}
}

func TestStripCredentialsQuery(t *testing.T) {
	r := credentialed(t, "https://a.example/x?subscription-key=k1&Subscription-Key=k2&keep=1")
	r.Header.Set("Referer", "https://a.example/?subscription-key=k1")
	StripCredentials(r)
	if r.URL.RawQuery != "keep=1" {
		t.Errorf("query = %q", r.URL.RawQuery)
	}
	if s := secretsIn(r.Header); len(s) > 0 {
		t.Errorf("left: %v", s)
	}
}

// A redirect to a target that fails the network rule is refused outright.
func TestRedirectTargetHeldToTheRule(t *testing.T) {
	for _, target := range []string{"http://192.0.2.1/keys", "ftp://127.0.0.1/", "https://user:pw@127.0.0.1/"} {
		srv := newRecorder(t, false)
		srv.next = redirectTo(target)
		_, err := NewClient(5*time.Second, nil).Do(credentialed(t, srv.URL))
		if err == nil || !strings.Contains(err.Error(), "redirect refused") {
			t.Errorf("redirect to %s: %v", target, err)
		}
	}
}

// The plain-http rule is checked on the address dialled: a name that
// resolves to a loopback address is fine, one that resolves elsewhere gets
// nothing (not even a connection), whatever the name says.
func TestPlainHTTPDialledAddress(t *testing.T) {
	srv := newRecorder(t, false)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	good := &http.Client{Transport: newTransport(nil, fakeResolver("127.0.0.1")), Timeout: 5 * time.Second}
	resp, err := good.Do(credentialed(t, "http://api.test:"+port+"/"))
	if err != nil {
		t.Fatalf("a name resolving to 127.0.0.1: %v", err)
	}
	resp.Body.Close()

	for _, tc := range []struct{ resolver, url string }{
		{"192.0.2.10", "http://localhost.test:" + port + "/"},
		{"192.0.2.10", "http://api.test:" + port + "/"},
		{"127.0.0.1", "http://192.0.2.10:" + port + "/"},
		{"127.0.0.1", "http://169.254.169.254/metadata/identity/oauth2/token"}, // carries credentials: not the IMDS exception
	} {
		bad := &http.Client{Transport: newTransport(nil, fakeResolver(tc.resolver)), Timeout: 5 * time.Second}
		start := time.Now()
		_, err := bad.Do(credentialed(t, tc.url))
		if !errors.Is(err, ErrNotLoopback) {
			t.Errorf("%s resolving to %s: %v, want ErrNotLoopback", tc.url, tc.resolver, err)
		}
		if time.Since(start) > time.Second {
			t.Errorf("%s: refused only after %v (the check runs before connect)", tc.url, time.Since(start))
		}
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

// Only a credential-free request to the IMDS address goes to the IMDS
// transport; https never goes through the plain ones.
func TestTransportPick(t *testing.T) {
	g := newTransport(nil, nil)
	imds, _ := http.NewRequest(http.MethodGet, "http://169.254.169.254/metadata/identity/oauth2/token?resource=x", nil)
	imds.Header.Set("Metadata", "true")
	if g.pick(imds) != g.imds {
		t.Error("IMDS request not routed to the IMDS transport")
	}
	withKey := imds.Clone(context.Background())
	withKey.Header.Set("X-Identity-Header", "h")
	inQuery, _ := http.NewRequest(http.MethodGet, "http://169.254.169.254/?access_token=x", nil)
	for _, r := range []*http.Request{withKey, inQuery} {
		if g.pick(r) != g.plain {
			t.Errorf("%s with credentials not held to loopback", r.URL)
		}
	}
	secure := &http.Request{URL: &url.URL{Scheme: "https", Host: "127.0.0.1"}}
	if g.pick(secure) != g.secure {
		t.Error("https not routed to the TLS transport")
	}
}

func TestMaskQuery(t *testing.T) {
	for in, want := range map[string]string{
		"https://x/a?subscription-key=abc&b=1":            "https://x/a?subscription-key=****&b=1",
		"GET https://x/?access_token=eyJ.a.b: refused":    "GET https://x/?access_token=**** refused",
		`"url": "https://x/cb?state=s&code=0.AX&sig=zz"`:  `"url": "https://x/cb?state=s&code=****&sig=****"`,
		"https://x/?Subscription-Key=a&client_secret=b#f": "https://x/?Subscription-Key=****&client_secret=****#f",
		"https://x/?keep=1&subscription-key=":             "https://x/?keep=1&subscription-key=",
		"no url here & key=value":                         "no url here & key=value",
	} {
		if got := MaskQuery(in); got != want {
			t.Errorf("MaskQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
