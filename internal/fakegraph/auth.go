package fakegraph

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

// caller is who a verified token names and what it may read.
type caller struct {
	scopes []string // delegated
	roles  []string // app-only
	oid    string
}

// Permissions that let a caller read what entratoken reads. Delegated
// access is also bounded by the user's own rights: a member user may read
// registrations and grants (evidence-sources.md §3.1).
var (
	readApps   = []string{"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}
	readGrants = []string{"Directory.Read.All", "Directory.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.AccessAsUser.All"}
)

func (c *caller) may(perms []string) bool {
	have := c.roles
	if c.scopes != nil {
		have = c.scopes
	}
	for _, p := range perms {
		if slices.Contains(have, p) {
			return true
		}
	}
	return false
}

// authenticate checks the bearer token as Graph does: signed by the
// tenant's published keys (never a key the token names), for Graph's
// audience, issued by the tenant, not expired. Otherwise 401
// InvalidAuthenticationToken.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *caller {
	deny := func(msg string) *caller {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
		return nil
	}
	scheme, raw, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	raw = strings.TrimSpace(raw)
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return deny("Access token is empty.")
	}
	t := s.opts.Entra.Tenant(s.opts.TenantID)
	set, err := jwk.Parse(t.KeySetJSON(entra.V1))
	if err != nil {
		return deny("Access token validation failure.")
	}
	payload, err := jws.Verify([]byte(raw), jws.WithKeySet(set, jws.WithInferAlgorithmFromKey(true), jws.WithRequireKid(true)))
	if err != nil {
		return deny("Access token validation failure.")
	}
	var c struct {
		Aud, Iss, Tid, Oid, Scp string
		Roles                   []string
		Exp                     int64
	}
	if json.Unmarshal(payload, &c) != nil {
		return deny("Access token validation failure.")
	}
	switch {
	case c.Aud != fakeentra.GraphAudience && c.Aud != fakeentra.GraphAudience+"/" && c.Aud != fakeentra.GraphAppID:
		return deny("Access token validation failure. Invalid audience.")
	case c.Iss != entra.IssuerV1(t.ID) && c.Iss != entra.IssuerV2(t.ID):
		return deny("Access token validation failure. Invalid issuer.")
	case c.Exp == 0 || time.Now().Unix() > c.Exp:
		return deny("Lifetime validation failed, the token is expired.")
	}
	cl := &caller{roles: c.Roles, oid: c.Oid}
	if c.Scp != "" {
		cl.scopes = strings.Fields(c.Scp)
	}
	return cl
}
