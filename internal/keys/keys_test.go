package keys

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
)

func newResolver(t *testing.T, srv *fakeentra.Server) *Resolver {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	return &Resolver{Authority: u, HTTP: srv.Client(), Cache: &Cache{Dir: t.TempDir()}}
}

func TestTenantByVersion(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	r := newResolver(t, srv)
	ctx := context.Background()
	for _, tc := range []struct {
		v          entra.Version
		jwks, iss  string
		tenantName string
	}{
		{entra.V2, "/discovery/v2.0/keys", entra.IssuerV2(fakeentra.TenantID), fakeentra.TenantID},
		{entra.V1, "/discovery/keys", entra.IssuerV1(fakeentra.TenantID), fakeentra.TenantID},
		{entra.V2, "/discovery/v2.0/keys", entra.IssuerV2(fakeentra.TenantID), fakeentra.TenantDomain},
	} {
		s, err := r.Tenant(ctx, tc.tenantName, tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(s.From, tc.tenantName+tc.jwks) || s.Issuer != tc.iss || s.Keys.Len() != 1 {
			t.Errorf("v%s: from %s issuer %s keys %d", tc.v, s.From, s.Issuer, s.Keys.Len())
		}
	}
}

func TestCacheWarmAndRefresh(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	r := newResolver(t, srv)
	ctx := context.Background()
	s, err := r.Tenant(ctx, fakeentra.TenantID, entra.V2)
	if err != nil || s.FromCache {
		t.Fatalf("cold: %v fromCache=%v", err, s.FromCache)
	}
	s, err = r.Tenant(ctx, fakeentra.TenantID, entra.V2)
	if err != nil || !s.FromCache || srv.TotalHits() != 2 {
		t.Fatalf("warm: %v fromCache=%v hits=%d", err, s.FromCache, srv.TotalHits())
	}
	// Rollover: refresh fetches the key set, not the metadata, and sees the new key.
	newKey := srv.Tenant(fakeentra.TenantID).Rotate()
	s2, err := r.Refresh(ctx, s)
	if err != nil || !s2.Refreshed || srv.Hits(fakeentra.HitJWKS) != 2 || srv.Hits(fakeentra.HitMetadata) != 1 {
		t.Fatalf("refresh: %v refreshed=%v requests=%q", err, s2.Refreshed, srv.Requests())
	}
	if _, ok := s2.Keys.LookupKeyID(newKey.Kid); !ok {
		t.Error("refreshed set lacks the new key")
	}
	// A set that was just fetched is not fetched again.
	if s3, _ := r.Refresh(ctx, s2); s3 != s2 {
		t.Error("a fresh set was refreshed")
	}
	// Past the TTL the cache is not used.
	r.Cache.Now = func() time.Time { return time.Now().Add(2 * DefaultTTL) }
	if s, _ := r.Tenant(ctx, fakeentra.TenantID, entra.V2); s.FromCache {
		t.Error("stale cache entry used online")
	}
	// Offline, a stale entry is better than nothing.
	r.Offline = true
	r.Cache.Now = func() time.Time { return time.Now().Add(48 * DefaultTTL) }
	if s, err := r.Tenant(ctx, fakeentra.TenantID, entra.V2); err != nil || !s.FromCache {
		t.Errorf("offline with stale cache: %v", err)
	}
}

func TestOfflineNothingCached(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	r := newResolver(t, srv)
	r.Offline = true
	_, err := r.Tenant(context.Background(), fakeentra.TenantID, entra.V2)
	var ke *Error
	if !errors.As(err, &ke) || ke.Fix == "" || srv.TotalHits() != 0 {
		t.Errorf("err = %v, hits = %d", err, srv.TotalHits())
	}
}

func TestTenantErrors(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	r := newResolver(t, srv)
	ctx := context.Background()
	_, err := r.Tenant(ctx, "11111111-2222-4333-8444-555555555555", entra.V2)
	var ke *Error
	if !errors.As(err, &ke) || ke.Code != finding.TenantNotFound || ke.AADSTS != "AADSTS90002" || !strings.Contains(ke.Message, "not found") {
		t.Errorf("unknown tenant: %#v", err)
	}
	for _, bad := range []string{"../x", "a/b", "%2e%2e", "", "a b"} {
		if _, err := r.Tenant(ctx, bad, entra.V2); !errors.As(err, &ke) || ke.Code != finding.KeysUnavailable {
			t.Errorf("tenant %q: %v", bad, err)
		}
	}
	if srv.TotalHits() != 1 {
		t.Errorf("invalid tenants reached the server: %q", srv.Requests())
	}
}

// A stand-in without discovery: Entra's fixed key path is tried next.
func TestFallbackToKeyPath(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	keys := srv.Tenant(fakeentra.TenantID).KeySetJSON(entra.V2)
	mux := http.NewServeMux()
	mux.HandleFunc("/"+fakeentra.TenantID+"/discovery/v2.0/keys", func(w http.ResponseWriter, _ *http.Request) { w.Write(keys) })
	bare := httptest.NewServer(mux)
	defer bare.Close()
	u, _ := url.Parse(bare.URL + "/")
	r := &Resolver{Authority: u, HTTP: bare.Client()}
	s, err := r.Tenant(context.Background(), fakeentra.TenantID, entra.V2)
	if err != nil || s.Keys.Len() != 1 {
		t.Fatalf("%v", err)
	}
}

// Metadata copied from the real cloud points at login.microsoftonline.com;
// with another authority host the key set comes from that host too.
func TestJWKSURIRewrittenToAuthority(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	keys := srv.Tenant(fakeentra.TenantID).KeySetJSON(entra.V2)
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path)
		if strings.HasSuffix(r.URL.Path, "openid-configuration") {
			w.Write([]byte(`{"issuer":"https://login.microsoftonline.com/{tenantid}/v2.0","jwks_uri":"https://login.microsoftonline.com/common/discovery/v2.0/keys"}`))
			return
		}
		w.Write(keys)
	})
	other := httptest.NewTLSServer(mux)
	defer other.Close()
	u, _ := url.Parse(other.URL + "/sub/")
	r := &Resolver{Authority: u, HTTP: other.Client()}
	s, err := r.Tenant(context.Background(), fakeentra.TenantID, entra.V2)
	if err != nil {
		t.Fatal(err)
	}
	if s.Issuer != entra.IssuerV2(fakeentra.TenantID) {
		t.Errorf("issuer template not expanded: %s", s.Issuer)
	}
	if len(got) != 2 || got[1] != "/sub/common/discovery/v2.0/keys" {
		t.Errorf("requests %q", got)
	}
}

func TestDocumentLimits(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/huge", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"keys":[`))
		w.Write([]byte(strings.Repeat(" ", MaxDocument)))
		w.Write([]byte(`]}`))
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("<html>")) })
	mux.HandleFunc("/empty", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"keys":[]}`)) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/")
	r := &Resolver{Authority: u, HTTP: srv.Client(), Cache: &Cache{Dir: t.TempDir()}}
	for path, want := range map[string]string{"/huge": "larger than 1024 KiB", "/html": "did not answer with JSON", "/empty": "no keys"} {
		_, err := r.JWKS(context.Background(), srv.URL+path)
		var ke *Error
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %T %v, want *Error containing %q", path, err, err, want)
		}
	}
	// Nothing unusable was cached.
	entries, _ := os.ReadDir(r.Cache.Dir)
	if len(entries) != 0 {
		t.Errorf("cached %d entries", len(entries))
	}
}

func TestJWKSFile(t *testing.T) {
	srv := fakeentra.New()
	defer srv.Close()
	dir := t.TempDir()
	p := filepath.Join(dir, "k.json")
	os.WriteFile(p, srv.Tenant(fakeentra.TenantID).KeySetJSON(entra.V2), 0o600)
	r := &Resolver{}
	s, err := r.JWKS(context.Background(), p)
	if err != nil || s.From != p || s.Keys.Len() != 1 {
		t.Fatalf("%v", err)
	}
	_, err = r.JWKS(context.Background(), filepath.Join(dir, "missing.json"))
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Errorf("missing file: %T %v", err, err)
	}
}

func TestCacheIgnoresCorruptEntries(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	if err := c.Put("https://x/a", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if b, _, fresh, ok := c.Get("https://x/a"); !ok || !fresh || string(b) != `{"a":1}` {
		t.Errorf("get: %q %v %v", b, fresh, ok)
	}
	os.WriteFile(c.path("https://x/a"), []byte("garbage"), 0o600)
	if _, _, _, ok := c.Get("https://x/a"); ok {
		t.Error("corrupt entry used")
	}
	var nilCache *Cache
	if _, _, _, ok := nilCache.Get("x"); ok || nilCache.Put("x", nil) != nil {
		t.Error("nil cache must be a no-op")
	}
}
