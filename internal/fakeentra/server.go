// Package fakeentra is a simulated Microsoft Entra ID tenant for tests and the
// demo: an HTTPS server on loopback that serves v1 and v2 OpenID Connect
// discovery documents with Entra's real issuer forms, key sets shaped like
// Entra's (kid, x5t, x5c, no alg), Entra's error JSON for unknown tenants,
// several tenants, key rollover on demand and request counters; and a mint
// for real signed tokens of every shape Entra issues.
//
// It never listens beyond 127.0.0.1.
package fakeentra

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/entratoken/entratoken/internal/entra"
)

// Well-known identities of the simulated directory.
const (
	TenantID       = "3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e" // contoso.onmicrosoft.com
	TenantDomain   = "contoso.onmicrosoft.com"
	OtherTenantID  = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" // fabrikam.onmicrosoft.com
	OtherDomain    = "fabrikam.onmicrosoft.com"
	APIClientID    = "6e8c4b2a-1f3d-4a5b-9c7e-2d4f6a8b0c1e" // the "orders" API's app registration
	APIAppIDURI    = "api://contoso-orders"
	ClientID       = "b1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f" // "orders-daemon", a confidential client
	ClientObjectID = "c0ffee00-1111-4222-8333-444455556666" // its service principal
	UserObjectID   = "a11ce000-aaaa-4bbb-8ccc-dddddddddddd"
)

// Request kinds counted by Hits.
const (
	HitMetadata   = "metadata"
	HitJWKS       = "jwks"
	HitToken      = "token"
	HitAppService = "appservice"
	HitIMDS       = "imds"
	HitCLI        = "cli"
	HitFederated  = "federated" // token requests presenting a federated token (workload identity)
)

// Server is the simulated tenant.
type Server struct {
	srv *httptest.Server
	// URL is the authority host, e.g. https://127.0.0.1:41234/.
	URL string
	// MIURL is the managed-identity host (plain HTTP, as on App Service and
	// IMDS): App Service's IDENTITY_ENDPOINT is MIURL+"msi/token", and
	// ENTRATOKEN_IMDS_ENDPOINT is MIURL.
	MIURL string
	mi    *httptest.Server

	mu       sync.Mutex
	tenants  map[string]*Tenant // by lower-case ID and domain
	nextKey  int
	hits     map[string]int
	requests []string

	dir        *directory
	tokenDelay time.Duration // a hostile token endpoint: answer this late
	clientKey  *SigningKey   // the orders daemon's certificate key
	extKey     *SigningKey   // the external (GitHub-like) issuer's key
}

// Tenant is one directory in the simulated cloud.
type Tenant struct {
	ID, Domain string
	srv        *Server
	keys       []*SigningKey // published, in order
	active     *SigningKey
}

// New starts a server on loopback with the contoso and fabrikam tenants,
// over TLS. Close it when done.
func New() *Server { return start(true) }

// NewPlain is New over plain http, as a test tenant on loopback may be.
func NewPlain() *Server { return start(false) }

func start(tls bool) *Server {
	s := &Server{tenants: map[string]*Tenant{}, hits: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // clients that distrust the cert are not news
	if tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL + "/"
	s.AddTenant(TenantID, TenantDomain)
	s.AddTenant(OtherTenantID, OtherDomain)
	s.mu.Lock()
	s.seedDirectory()
	s.seedMicrosoft()
	s.extKey = poolKey(s.nextKey)
	s.nextKey++
	s.mu.Unlock()
	s.mi = httptest.NewServer(http.HandlerFunc(s.serveIdentity))
	s.MIURL = s.mi.URL + "/"
	return s
}

// Close shuts the servers down.
func (s *Server) Close() {
	s.srv.Close()
	s.mi.Close()
}

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CertPool returns a pool holding the server's certificate.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.srv.Certificate())
	return p
}

// SetTokenDelay makes the token endpoint answer d late (or never, for a
// client that gives up first), to test that every wait is bounded.
func (s *Server) SetTokenDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenDelay = d
}

// WriteCAFile writes the server's certificate as PEM, for SSL_CERT_FILE.
func (s *Server) WriteCAFile(path string) error {
	if s.srv.TLS == nil {
		return fmt.Errorf("the server is plain http")
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
	return os.WriteFile(path, b, 0o644)
}

// AddTenant adds a tenant with one signing key of its own.
func (s *Server) AddTenant(id, domain string) *Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &Tenant{ID: id, Domain: domain, srv: s}
	k := poolKey(s.nextKey)
	s.nextKey++
	t.keys, t.active = []*SigningKey{k}, k
	s.tenants[strings.ToLower(id)] = t
	if domain != "" {
		s.tenants[strings.ToLower(domain)] = t
	}
	return t
}

// Tenant returns a tenant by ID or domain, or nil.
func (s *Server) Tenant(idOrDomain string) *Tenant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tenants[strings.ToLower(idOrDomain)]
}

// Rotate publishes a new key and signs with it from now on; the old keys
// stay published, as during Entra's rollover.
func (t *Tenant) Rotate() *SigningKey {
	s := t.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	k := poolKey(s.nextKey)
	s.nextKey++
	t.keys = append(t.keys, k)
	t.active = k
	return k
}

// Retire stops publishing every key but the active one.
func (t *Tenant) Retire() {
	t.srv.mu.Lock()
	defer t.srv.mu.Unlock()
	t.keys = []*SigningKey{t.active}
}

// ActiveKey returns the key new tokens are signed with.
func (t *Tenant) ActiveKey() *SigningKey {
	t.srv.mu.Lock()
	defer t.srv.mu.Unlock()
	return t.active
}

// KeySetJSON returns the tenant's published key set as Entra serves it.
func (t *Tenant) KeySetJSON(v entra.Version) []byte {
	t.srv.mu.Lock()
	defer t.srv.mu.Unlock()
	return t.keySetLocked(v)
}

func (t *Tenant) keySetLocked(v entra.Version) []byte {
	keys := make([]map[string]any, 0, len(t.keys))
	for _, k := range t.keys {
		iss := ""
		if v == entra.V2 {
			iss = entra.IssuerV2(t.ID)
		}
		keys = append(keys, k.jwk(iss))
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// Hits returns how many requests of a kind (HitMetadata, HitJWKS, ...) the
// server has answered.
func (s *Server) Hits(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[kind]
}

// TotalHits returns how many requests the server has answered.
func (s *Server) TotalHits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Requests returns "METHOD /path" for every request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) count(r *http.Request, kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r.Method+" "+r.URL.Path)
	if kind != "" {
		s.hits[kind]++
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	tenant, rest := segs[0], strings.Join(segs[1:], "/")
	var kind string
	var v entra.Version
	switch rest {
	case "v2.0/.well-known/openid-configuration":
		kind, v = HitMetadata, entra.V2
	case ".well-known/openid-configuration":
		kind, v = HitMetadata, entra.V1
	case "discovery/v2.0/keys":
		kind, v = HitJWKS, entra.V2
	case "discovery/keys":
		kind, v = HitJWKS, entra.V1
	case "oauth2/v2.0/token":
		kind = HitToken
	case "_fake/cli-token":
		kind = HitCLI
	}
	s.count(r, kind)
	if strings.HasPrefix(tenant, "hostile-") {
		hostile(w, r, tenant)
		return
	}
	wantMethod := http.MethodGet
	if kind == HitToken || kind == HitCLI {
		wantMethod = http.MethodPost
	}
	if kind == "" || r.Method != wantMethod {
		http.NotFound(w, r)
		return
	}
	t := s.Tenant(tenant)
	if t == nil {
		writeError(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf(
			"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant))
		return
	}
	switch kind {
	case HitToken:
		s.mu.Lock()
		delay := s.tokenDelay
		s.mu.Unlock()
		// Read the body first, whatever its type: only then does the server
		// watch the connection, so a client that gives up ends the wait.
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		s.tokenEndpoint(w, r, t)
		return
	case HitCLI:
		s.cliToken(w, r, t)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if kind == HitJWKS {
		w.Write(t.KeySetJSON(v))
		return
	}
	json.NewEncoder(w).Encode(s.metadata(t, tenant, v))
}

// metadata is the discovery document Entra serves, trimmed to what validators
// read, with Entra's real issuer forms and key locations on this server.
func (s *Server) metadata(t *Tenant, asked string, v entra.Version) map[string]any {
	base := s.URL + asked
	if v == entra.V1 {
		return map[string]any{
			"issuer":                                entra.IssuerV1(t.ID),
			"jwks_uri":                              base + "/discovery/keys",
			"token_endpoint":                        base + "/oauth2/token",
			"authorization_endpoint":                base + "/oauth2/authorize",
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"tenant_region_scope":                   "EU",
		}
	}
	return map[string]any{
		"issuer":                                entra.IssuerV2(t.ID),
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"tenant_region_scope":                   "EU",
	}
}

// writeError writes Entra's error JSON (shared/reference/entra-apim.md §5.2).
func writeError(w http.ResponseWriter, status int, code string, aadsts int, description string) {
	now := time.Now().UTC()
	trace, corr := newID(), newID()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"error": code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			aadsts, description, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{aadsts},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", aadsts),
	})
}

// RegisterCert adds a certificate (DER) to a client's app registration, as
// uploading it in the portal does.
func (s *Server) RegisterCert(clientID string, der []byte) error {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.dir.apps[clientID]
	if app == nil {
		return fmt.Errorf("no app %s", clientID)
	}
	app.Certs = append(app.Certs, c)
	return nil
}

// ClientCertificatePEM returns the orders daemon's certificate and PKCS#8
// key as PEM, registered with its app, for client-certificate flows.
func (s *Server) ClientCertificatePEM() []byte {
	key, _ := x509.MarshalPKCS8PrivateKey(s.clientKey.Private)
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.clientKey.CertDER}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})...)
}

// Hostile tenants misbehave on purpose, for the tests of every bound:
//
//	hostile-huge     documents of 4 MiB
//	hostile-endless  a body that never ends
//	hostile-slow     one byte every 200 ms
//	hostile-silent   no answer until the client gives up
//	hostile-loop     a redirect to itself, forever
//	hostile-garbage  HTML instead of JSON
func hostile(w http.ResponseWriter, r *http.Request, tenant string) {
	switch tenant {
	case "hostile-huge":
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"issuer":"x","jwks_uri":"` + strings.Repeat("a", 4<<20) + `"}`))
	case "hostile-endless":
		chunk := []byte(strings.Repeat(" ", 64<<10))
		w.Write([]byte(`{"keys":[`))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	case "hostile-slow":
		for r.Context().Err() == nil {
			w.Write([]byte(" "))
			w.(http.Flusher).Flush()
			time.Sleep(200 * time.Millisecond)
		}
	case "hostile-silent":
		<-r.Context().Done()
	case "hostile-loop":
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	default:
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body>Sign in to continue</body></html>"))
	}
}
