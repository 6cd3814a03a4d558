// Package keys finds the keys that may verify a token: the tenant's own key
// set, located through its OpenID Connect discovery document (OpenID Connect
// Discovery 1.0 §4; Entra: shared/reference/entra-apim.md §4.3), or a key set
// or discovery document the user names explicitly.
//
// Keys never come from the token: its iss, jku, x5u, jwk and x5c are not
// consulted here. Every document is size-bounded (MaxDocument), every request
// time-bounded by the HTTP client, and documents are cached on disk; an
// unknown kid forces one refresh of a cached key set (key rollover).
package keys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/netx"
)

// MaxDocument bounds discovery documents and key sets. Entra's are a few KiB.
const MaxDocument = 1 << 20

// Resolver locates key sets. The zero value is not usable: set Authority and
// HTTP.
type Resolver struct {
	Authority *url.URL
	HTTP      *http.Client
	Cache     *Cache // nil: no disk cache
	Offline   bool   // never touch the network
	Logf      func(format string, args ...any)
}

// Set is a key set and where it came from.
type Set struct {
	Keys      jwk.Set
	From      string   // the key set's URL or file
	Metadata  string   // the discovery document's URL, when one was used
	Issuer    string   // the discovery document's issuer ({tenantid} expanded)
	Skipped   []string // keys of the set that can never verify a signature, and why
	FromCache bool
	Refreshed bool // an unknown kid made us fetch the key set again
}

// Error is returned when keys cannot be had; commands exit 3 on it.
type Error struct {
	Code    string // a finding code: TENANT_NOT_FOUND or KEYS_UNAVAILABLE
	AADSTS  string // Entra's error code when it sent one, e.g. AADSTS90002
	Message string
	Fix     string
	Err     error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

func (r *Resolver) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

// Tenant returns the key set of tenant for tokens of version v, from the
// tenant's discovery document at the authority host.
func (r *Resolver) Tenant(ctx context.Context, tenant string, v entra.Version) (*Set, error) {
	if !entra.ValidTenant(tenant) {
		return nil, &Error{Code: finding.KeysUnavailable,
			Message: fmt.Sprintf("tenant %q is not a tenant ID or domain; keys cannot be looked up", tenant),
			Fix:     "pass keys with --jwks FILE|URL or --openid-config URL, or check the token's tid claim"}
	}
	meta := r.Authority.JoinPath(entra.MetadataPath(tenant, v)).String()
	s, err := r.openIDConfig(ctx, meta)
	var fe *netx.FetchError
	if errors.As(err, &fe) && fe.Status == http.StatusNotFound {
		// Not every stand-in for Entra serves discovery; Entra's own key
		// paths are fixed, so try them before giving up.
		jwks := r.Authority.JoinPath(entra.JWKSPath(tenant, v)).String()
		r.logf("no discovery document at %s; trying %s", meta, jwks)
		if s2, err2 := r.jwks(ctx, jwks); err2 == nil {
			return s2, nil
		}
	}
	if err != nil {
		return nil, r.explain(err, tenant)
	}
	s.Issuer = entra.ExpandIssuer(s.Issuer, tenant)
	return s, nil
}

// OpenIDConfig returns the key set named by the discovery document at u.
func (r *Resolver) OpenIDConfig(ctx context.Context, u string) (*Set, error) {
	s, err := r.openIDConfig(ctx, u)
	if err != nil {
		return nil, r.explain(err, "")
	}
	return s, nil
}

func (r *Resolver) openIDConfig(ctx context.Context, u string) (*Set, error) {
	if _, err := netx.CheckURL(u); err != nil {
		return nil, &Error{Code: finding.KeysUnavailable, Message: "openid-config: " + err.Error(), Err: err}
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	fromCache, err := r.get(ctx, u, false, func(body []byte) error {
		if err := json.Unmarshal(body, &doc); err != nil || doc.JWKSURI == "" {
			return fmt.Errorf("%s is not an OpenID Connect discovery document (no jwks_uri)", u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	jwksURL, err := r.jwksURL(doc.JWKSURI)
	if err != nil {
		return nil, &Error{Code: finding.KeysUnavailable, Message: fmt.Sprintf("discovery document %s: jwks_uri: %v", u, err), Err: err}
	}
	s, err := r.jwks(ctx, jwksURL)
	if err != nil {
		return nil, err
	}
	s.Metadata, s.Issuer = u, doc.Issuer
	s.FromCache = s.FromCache && fromCache
	return s, nil
}

// jwksURL checks a discovery document's jwks_uri. When the authority host was
// replaced (a sovereign cloud, a test tenant) and the document still points at
// Microsoft's global host, the key set is fetched from the replacement too.
func (r *Resolver) jwksURL(raw string) (string, error) {
	u, err := netx.CheckURL(raw)
	if err != nil {
		return "", err
	}
	if netx.IsMicrosoftAuthority(u) && !netx.IsMicrosoftAuthority(r.Authority) {
		u.Scheme, u.Host = r.Authority.Scheme, r.Authority.Host
		u.Path = strings.TrimSuffix(r.Authority.Path, "/") + u.Path
		r.logf("jwks_uri %s rewritten to the authority host: %s", raw, u)
	}
	return u.String(), nil
}

// JWKS returns the key set in a file or at a URL (https, or http on loopback).
// The file or document may hold a set or a single key.
func (r *Resolver) JWKS(ctx context.Context, fileOrURL string) (*Set, error) {
	if !strings.Contains(fileOrURL, "://") {
		return r.jwksFile(fileOrURL)
	}
	s, err := r.jwks(ctx, fileOrURL)
	if err != nil {
		return nil, r.explain(err, "")
	}
	return s, nil
}

func (r *Resolver) jwks(ctx context.Context, fileOrURL string) (*Set, error) {
	if _, err := netx.CheckURL(fileOrURL); err != nil {
		return nil, &Error{Code: finding.KeysUnavailable, Message: "jwks: " + err.Error(), Err: err}
	}
	var set jwk.Set
	var skipped []string
	fromCache, err := r.get(ctx, fileOrURL, false, func(body []byte) (err error) {
		set, skipped, err = parseSet(body)
		if err != nil {
			return fmt.Errorf("key set at %s: %w", fileOrURL, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.noteSkipped(fileOrURL, skipped)
	return &Set{Keys: set, From: fileOrURL, FromCache: fromCache, Skipped: skipped}, nil
}

func (r *Resolver) jwksFile(path string) (*Set, error) {
	b, err := iostreams.ReadFile(path, MaxDocument)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	set, skipped, err := parseSet(b)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	r.noteSkipped(path, skipped)
	return &Set{Keys: set, From: path, Skipped: skipped}, nil
}

// FileError is returned when a --jwks file cannot be used: a usage error.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("--jwks %s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// Refresh fetches s's key set again, bypassing the cache. It is what an
// unknown kid calls for: the tenant may have rolled its keys since s was
// cached. It returns s unchanged when s did not come from a cache or the
// resolver is offline.
func (r *Resolver) Refresh(ctx context.Context, s *Set) (*Set, error) {
	if !s.FromCache || r.Offline || !strings.Contains(s.From, "://") {
		return s, nil
	}
	r.logf("kid not in cached key set; fetching %s again (key rollover?)", s.From)
	var set jwk.Set
	var skipped []string
	_, err := r.get(ctx, s.From, true, func(body []byte) (err error) {
		set, skipped, err = parseSet(body)
		if err != nil {
			return fmt.Errorf("key set at %s: %w", s.From, err)
		}
		return nil
	})
	if err != nil {
		return nil, r.explain(err, "")
	}
	r.noteSkipped(s.From, skipped)
	return &Set{Keys: set, From: s.From, Metadata: s.Metadata, Issuer: s.Issuer, Skipped: skipped, Refreshed: true}, nil
}

// get hands the document at u to use: from the cache when fresh (unless
// bypass), else from the network. Only a document use accepts is cached, so a
// bad answer is never served again from disk.
func (r *Resolver) get(ctx context.Context, u string, bypass bool, use func([]byte) error) (fromCache bool, err error) {
	unusable := func(err error) error {
		return &Error{Code: finding.KeysUnavailable, Message: err.Error(), Err: err}
	}
	body, age, fresh, ok := r.Cache.Get(u)
	switch {
	case ok && fresh && !bypass:
		r.logf("cache: %s (fetched %s ago)", u, age.Round(time.Second))
		if use(body) == nil {
			return true, nil
		}
	case r.Offline && ok:
		r.logf("offline: using cached %s (fetched %s ago, past its TTL)", u, age.Round(time.Second))
		if err := use(body); err != nil {
			return false, unusable(err)
		}
		return true, nil
	}
	if r.Offline {
		return false, &Error{Code: finding.KeysUnavailable,
			Message: fmt.Sprintf("--offline: %s is not cached", u),
			Fix:     "run once without --offline to cache the tenant's keys, or pass --jwks FILE"}
	}
	body, err = netx.Fetch(ctx, r.HTTP, u, MaxDocument, r.Logf)
	if err != nil {
		return false, err
	}
	if !json.Valid(body) {
		return false, unusable(fmt.Errorf("%s did not answer with JSON", u))
	}
	if err := use(body); err != nil {
		return false, unusable(err)
	}
	if err := r.Cache.Put(u, body); err != nil {
		r.logf("cache: cannot store %s: %v", u, err)
	}
	return false, nil
}

// explain turns a fetch failure into an Error with Entra's own words when it
// sent some (an unknown tenant answers 400 with AADSTS90002).
func (r *Resolver) explain(err error, tenant string) error {
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	var fe *netx.FetchError
	if !errors.As(err, &fe) {
		return &Error{Code: finding.KeysUnavailable, Message: err.Error(), Err: err}
	}
	var body struct {
		Description string `json:"error_description"`
		Codes       []int  `json:"error_codes"`
	}
	_ = json.Unmarshal(fe.Body, &body)
	for _, c := range body.Codes {
		if c == 90002 && tenant != "" {
			return &Error{Code: finding.TenantNotFound, AADSTS: "AADSTS90002", Err: err,
				Message: fmt.Sprintf("tenant %q was not found at %s: %s", tenant, r.Authority, firstLine(body.Description)),
				Fix:     "check the tenant ID or domain; a tenant of a sovereign cloud needs --authority-host (e.g. https://login.microsoftonline.us/)"}
		}
	}
	fix := "check --authority-host and the network; pass keys with --jwks FILE to work without the tenant's metadata"
	if fe.Timeout {
		fix = "the authority did not answer within --timeout; check the network or proxy, or raise --timeout"
	}
	msg := "cannot get the tenant's signing keys: " + fe.Error()
	if body.Description != "" {
		msg += ": " + firstLine(body.Description)
	}
	return &Error{Code: finding.KeysUnavailable, Message: msg, Fix: fix, Err: err}
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
