package acquire

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
)

func secretRequest(srv *fakeentra.Server, secret string) Request {
	u, _ := url.Parse(srv.URL)
	return Request{Method: ClientSecret, Tenant: fakeentra.TenantID, ClientID: fakeentra.ClientID,
		ClientSecret: secret, Scopes: []string{fakeentra.APIAppIDURI + "/.default"}, Authority: u, HTTP: srv.Client()}
}

func TestClientSecret(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	res, err := Acquire(context.Background(), secretRequest(srv, fakeentra.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := token.Decode(res.Token)
	if err != nil || tok.String("aud") != fakeentra.APIClientID || strings.Join(tok.Strings("roles"), ",") != "Orders.Read" {
		t.Errorf("token %v %v", tok.Claims, err)
	}
	if time.Until(res.ExpiresOn) < time.Hour {
		t.Errorf("expires on %v", res.ExpiresOn)
	}
}

// A wrong secret answers at once: one request, no retries, well under 2 s.
func TestWrongSecretFailsFast(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	start := time.Now()
	_, err := Acquire(context.Background(), secretRequest(srv, "wrong"))
	var e *Error
	if !errors.As(err, &e) || e.AADSTS != "AADSTS7000215" || e.Finding != finding.InvalidClientSecret || e.CorrelationID == "" || e.Status != 401 {
		t.Fatalf("%#v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if n := srv.Hits(fakeentra.HitToken); n != 1 {
		t.Errorf("%d token requests: a refusal must not be retried", n)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Error("the secret appears in the error")
	}
}

// An authority that refuses connections, and one that never answers, both
// end within the bound: no azcore back-off.
func TestBoundedWaits(t *testing.T) {
	dead, _ := url.Parse("https://127.0.0.1:1/")
	req := Request{Method: ClientSecret, Tenant: fakeentra.TenantID, ClientID: "c", ClientSecret: "s",
		Scopes: []string{"api://x/.default"}, Authority: dead, HTTP: netx.NewClient(5*time.Second, nil)}
	start := time.Now()
	if _, err := Acquire(context.Background(), req); err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refused connection took %v", d)
	}

	srv := fakeentra.New()
	defer srv.Close()
	srv.SetTokenDelay(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start = time.Now()
	hang := secretRequest(srv, fakeentra.ClientSecret)
	// As in the command, the HTTP client has its own bound as well.
	hang.HTTP = &http.Client{Transport: srv.Client().Transport, Timeout: 2 * time.Second}
	_, err := Acquire(ctx, hang)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "no answer in time") {
		t.Errorf("hanging endpoint: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("hanging endpoint took %v", d)
	}
}

// An http authority on loopback works, as the spec allows for test tenants.
func TestPlainLoopbackAuthority(t *testing.T) {
	srv := fakeentra.NewPlain()
	defer srv.Close()
	u, err := netx.ParseAuthority(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	req := secretRequest(srv, fakeentra.ClientSecret)
	req.Authority, req.HTTP = u, netx.NewClient(5*time.Second, nil)
	if _, err := Acquire(context.Background(), req); err != nil {
		t.Fatalf("secret over http loopback: %v", err)
	}
	req.Method, req.ClientSecret = ClientCertificate, ""
	req.CertificatePath = writeTemp(t, srv.ClientCertificatePEM())
	if _, err := Acquire(context.Background(), req); err != nil {
		t.Fatalf("certificate over http loopback: %v", err)
	}
}

// recorder remembers every host a request went to.
type recorder struct {
	mu    sync.Mutex
	hosts []string
	base  http.RoundTripper
}

func (r *recorder) RoundTrip(q *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.hosts = append(r.hosts, q.URL.Hostname())
	r.mu.Unlock()
	return r.base.RoundTrip(q)
}

// IMDS requests go to ENTRATOKEN_IMDS_ENDPOINT; nothing reaches 169.254.169.254.
func TestIMDSRedirect(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	rec := &recorder{base: http.DefaultTransport}
	mi, _ := url.Parse(srv.MIURL)
	t.Setenv("IDENTITY_ENDPOINT", "")
	t.Setenv("IDENTITY_HEADER", "")
	t.Setenv("MSI_ENDPOINT", "")
	res, err := Acquire(context.Background(), Request{Method: ManagedIdentity, Scopes: []string{fakeentra.APIAppIDURI + "/.default"},
		MIClientID: fakeentra.UAMIClientID, IMDSEndpoint: mi, HTTP: &http.Client{Transport: rec, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := token.Decode(res.Token)
	if tok.String("azp") != fakeentra.UAMIClientID || srv.Hits(fakeentra.HitIMDS) != 1 {
		t.Errorf("azp %s, IMDS hits %d", tok.String("azp"), srv.Hits(fakeentra.HitIMDS))
	}
	for _, h := range rec.hosts {
		if h == IMDSHost {
			t.Errorf("a request reached the transport aimed at %s", h)
		}
	}
}

func TestScopeRules(t *testing.T) {
	for _, tt := range []struct{ scope, resource string }{
		{"api://contoso-orders/Orders.Read", "api://contoso-orders"},
		{"api://contoso-orders/.default", "api://contoso-orders"},
		{"https://graph.microsoft.com/User.Read", "https://graph.microsoft.com"},
		{"6e8c4b2a-1f3d-4a5b-9c7e-2d4f6a8b0c1e/.default", "6e8c4b2a-1f3d-4a5b-9c7e-2d4f6a8b0c1e"},
		{"User.Read", ""},
		{"api://x", ""},
	} {
		if got := Resource(tt.scope); got != tt.resource {
			t.Errorf("Resource(%q) = %q, want %q", tt.scope, got, tt.resource)
		}
	}
	if ScopeFor("https://management.azure.com/") != "https://management.azure.com/.default" {
		t.Error("ScopeFor must not double the slash")
	}
	if got := ScopeFor("api://x/.default"); got != "api://x/.default" {
		t.Errorf("ScopeFor(api://x/.default) = %q: a /.default resource is used as it is", got)
	}
	e := CheckAppOnlyScopes(ClientSecret, []string{"api://x/Read"})
	if e == nil || e.Finding != finding.ScopeNotDefault || e.Expected != "api://x/.default" || !e.Usage {
		t.Errorf("%+v", e)
	}
	if e := CheckAppOnlyScopes(ManagedIdentity, []string{"User.Read"}); e == nil || !strings.Contains(e.Fix, "--resource") {
		t.Errorf("bare scope: %+v", e)
	}
	if e := CheckAppOnlyScopes(ClientSecret, []string{"api://x/.default"}); e != nil {
		t.Errorf("valid scope refused: %v", e)
	}
}

func TestLoadCertificate(t *testing.T) {
	const dir = "../testdata/certs/"
	for _, tt := range []struct{ file, password, wantErr string }{
		{"daemon.pem", "", ""},
		{"daemon.pem", "ignored-for-pem", ""},
		{"daemon.pfx", "pfx-password", ""},
		{"daemon.pfx", "wrong", "password"},
		{"daemon-aes.pfx", "pfx-password", "encrypted with AES"},
		{"cert.pem", "", "needs both the certificate and its unencrypted private key"},
		{"missing.pem", "", "no such file"},
	} {
		_, key, err := LoadCertificate(dir+tt.file, tt.password)
		if tt.wantErr == "" {
			if err != nil || key == nil {
				t.Errorf("%s: %v", tt.file, err)
			}
			continue
		}
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Error()+" "+ie.Fix, tt.wantErr) {
			t.Errorf("%s: %v (fix %q), want %q", tt.file, err, ie.Fix, tt.wantErr)
		}
	}
}

func writeTemp(t *testing.T, b []byte) string {
	t.Helper()
	p := t.TempDir() + "/f"
	if err := writeFile(p, b); err != nil {
		t.Fatal(err)
	}
	return p
}
