package fakeentra

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/entratoken/entratoken/internal/entra"
)

func get(t *testing.T, s *Server, path string) (int, []byte) {
	t.Helper()
	resp, err := s.Client().Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// The fake must look like Entra to an independent validator: keys without
// alg (so jwx needs WithInferAlgorithmFromKey, as with real Entra), issuers
// in Entra's forms, and tokens that verify.
func TestShapedLikeEntra(t *testing.T) {
	s := New()
	defer s.Close()
	_, body := get(t, s, "/"+TenantID+"/v2.0/.well-known/openid-configuration")
	var meta struct {
		Issuer, JWKSURI string `json:"-"`
	}
	var raw map[string]any
	json.Unmarshal(body, &raw)
	meta.Issuer, _ = raw["issuer"].(string)
	meta.JWKSURI, _ = raw["jwks_uri"].(string)
	if meta.Issuer != entra.IssuerV2(TenantID) || !strings.HasPrefix(meta.JWKSURI, s.URL) {
		t.Fatalf("metadata %s", body)
	}
	_, body = get(t, s, strings.TrimPrefix(meta.JWKSURI, strings.TrimSuffix(s.URL, "/")))
	set, err := jwk.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := set.Key(0)
	if _, ok := k.Algorithm(); ok {
		t.Error("keys carry alg; Entra's do not")
	}
	for _, f := range []string{"x5t", "x5c", "kid", "issuer"} {
		if !strings.Contains(string(body), `"`+f+`"`) {
			t.Errorf("key set lacks %s", f)
		}
	}
	tok, err := s.Tenant(TenantID).Mint(Spec{Roles: []string{"Orders.Read"}})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.ParseString(tok, jwt.WithKeySet(set, jws.WithInferAlgorithmFromKey(true)), jwt.WithIssuer(entra.IssuerV2(TenantID)), jwt.WithAudience(APIClientID))
	if err != nil {
		t.Fatalf("independent verification: %v", err)
	}
	if v, _ := parsed.Issuer(); v != entra.IssuerV2(TenantID) {
		t.Errorf("iss %s", v)
	}
}

func TestUnknownTenantAnswersLikeEntra(t *testing.T) {
	s := New()
	defer s.Close()
	code, body := get(t, s, "/nobody.onmicrosoft.com/v2.0/.well-known/openid-configuration")
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Codes       []int  `json:"error_codes"`
		TraceID     string `json:"trace_id"`
		Correlation string `json:"correlation_id"`
	}
	if err := json.Unmarshal(body, &e); err != nil || code != http.StatusBadRequest {
		t.Fatalf("%d %s", code, body)
	}
	if e.Error != "invalid_tenant" || len(e.Codes) != 1 || e.Codes[0] != 90002 || !strings.HasPrefix(e.Description, "AADSTS90002: ") || e.TraceID == "" || e.Correlation == "" {
		t.Errorf("%+v", e)
	}
}

func TestRotateAndCounters(t *testing.T) {
	s := New()
	defer s.Close()
	tn := s.Tenant(TenantDomain)
	old := tn.ActiveKey()
	nk := tn.Rotate()
	if nk.Kid == old.Kid || !strings.Contains(string(tn.KeySetJSON(entra.V2)), old.Kid) {
		t.Error("rotation must publish a new key and keep the old one")
	}
	tn.Retire()
	if strings.Contains(string(tn.KeySetJSON(entra.V1)), old.Kid) {
		t.Error("retired key still published")
	}
	get(t, s, "/"+TenantID+"/discovery/keys")
	get(t, s, "/"+TenantID+"/.well-known/openid-configuration")
	if s.Hits(HitJWKS) != 1 || s.Hits(HitMetadata) != 1 || s.TotalHits() != 2 {
		t.Errorf("hits %v", s.Requests())
	}
}
