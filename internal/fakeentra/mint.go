package fakeentra

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/entratoken/entratoken/internal/entra"
)

// Spec describes a token to mint. The zero value is a v2.0 app-only token
// for the orders API, requested by the orders daemon, valid for 75 minutes.
type Spec struct {
	Version  entra.Version // default 2.0
	Audience string        // default: the API's client ID (v2) or App ID URI (v1)
	ClientID string        // appid (v1) / azp (v2); default ClientID
	Roles    []string
	Scopes   []string // non-nil makes a delegated (user) token with scp
	Graph    bool     // a Microsoft Graph token: Graph audience and a nonce header

	IssuedAt time.Time      // default now
	Lifetime time.Duration  // default 75m
	Claims   map[string]any // overrides; a nil value removes the claim
	Header   map[string]any // overrides; a nil value removes the parameter

	Key *SigningKey // default: the tenant's active key
	Alg string      // "" or RS256; "none" or HS256 mint forgeries
}

// Mint returns a compact JWS signed by the tenant, shaped as Entra shapes
// access tokens (shared/reference/entra-apim.md §4.2).
func (t *Tenant) Mint(sp Spec) (string, error) {
	if sp.Key == nil {
		sp.Key = t.ActiveKey()
	}
	return t.mint(sp)
}

// mintLocked is Mint for callers that hold the server's lock.
func (t *Tenant) mintLocked(sp Spec) (string, error) {
	if sp.Key == nil {
		sp.Key = t.active
	}
	return t.mint(sp)
}

func (t *Tenant) mint(sp Spec) (string, error) {
	v := sp.Version
	if v == "" {
		v = entra.V2
	}
	iat := sp.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	life := sp.Lifetime
	if life == 0 {
		life = 75 * time.Minute
	}
	client := sp.ClientID
	if client == "" {
		client = ClientID
	}
	aud := sp.Audience
	if aud == "" {
		aud = APIClientID
		if v == entra.V1 {
			aud = APIAppIDURI
		}
	}
	if sp.Graph {
		aud = entra.GraphAppID
	}
	oid := ClientObjectID
	if sp.Scopes != nil {
		oid = UserObjectID
	}
	c := map[string]any{
		"aud": aud,
		"iat": iat.Unix(),
		"nbf": iat.Add(-5 * time.Minute).Unix(),
		"exp": iat.Add(life).Unix(),
		"aio": "E2RgYGhk" + newID()[:12],
		"oid": oid,
		"rh":  "0.AQ0A" + newID()[:16] + ".",
		"sub": oid,
		"tid": t.ID,
		"uti": newID()[:22],
		"ver": string(v),
	}
	if v == entra.V1 {
		c["iss"] = entra.IssuerV1(t.ID)
		c["appid"] = client
		c["appidacr"] = "1"
		c["idp"] = entra.IssuerV1(t.ID)
	} else {
		c["iss"] = entra.IssuerV2(t.ID)
		c["azp"] = client
		c["azpacr"] = "1"
	}
	if len(sp.Roles) > 0 {
		c["roles"] = sp.Roles
	}
	if sp.Scopes != nil {
		c["scp"] = strings.Join(sp.Scopes, " ")
		c["name"] = "Adele Vance"
		c["amr"] = []string{"pwd", "mfa"}
		if v == entra.V1 {
			c["upn"], c["unique_name"] = "adele@"+t.Domain, "adele@"+t.Domain
			c["appidacr"] = "0"
		} else {
			c["preferred_username"] = "adele@" + t.Domain
			c["azpacr"] = "0"
		}
	}
	for k, val := range sp.Claims {
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("mint: claims: %w", err)
	}

	key := sp.Key
	hdr := jws.NewHeaders()
	set := func(k string, val any) {
		if err == nil {
			err = hdr.Set(k, val)
		}
	}
	set("typ", "JWT")
	set("kid", key.Kid)
	if v == entra.V1 || sp.Graph {
		set("x5t", key.Kid)
	}
	if sp.Graph {
		set("nonce", "Mq2cbqUKhOnBLgDQ"+newID()[:8])
	}
	for k, val := range sp.Header {
		if val == nil {
			err = hdr.Remove(k)
		} else {
			set(k, val)
		}
	}
	if err != nil {
		return "", fmt.Errorf("mint: header: %w", err)
	}
	var opt jws.SignOption
	switch sp.Alg {
	case "", "RS256":
		priv, err := jwk.Import(key.Private)
		if err != nil {
			return "", fmt.Errorf("mint: key: %w", err)
		}
		opt = jws.WithKey(jwa.RS256(), priv, jws.WithProtectedHeaders(hdr))
	case "none":
		opt = jws.WithInsecureNoSignature(jws.WithProtectedHeaders(hdr))
	case "HS256":
		// The classic forgery: HMAC "keyed" with the tenant's public key.
		pub, _ := json.Marshal(key.jwk(""))
		opt = jws.WithKey(jwa.HS256(), pub, jws.WithProtectedHeaders(hdr))
	default:
		return "", fmt.Errorf("mint: unsupported alg %q", sp.Alg)
	}
	out, err := jws.Sign(payload, opt)
	if err != nil {
		return "", fmt.Errorf("mint: sign: %w", err)
	}
	return string(out), nil
}

// newID returns a random GUID, as Entra uses for trace and correlation IDs.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// TB is the part of testing.TB that MustMint uses: fakeentra is linked into
// the demo, which must not import package testing.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// MustMint is Mint for tests: a failure ends the test.
func (t *Tenant) MustMint(tb TB, sp Spec) string {
	tb.Helper()
	tok, err := t.Mint(sp)
	if err != nil {
		tb.Fatalf("mint: %v", err)
	}
	return tok
}
