// Package fakegraph is a simulated Microsoft Graph (v1.0) for tests and the
// demo: an HTTPS server on loopback that serves the Entra objects
// entratoken reads (applications, service principals, app role
// assignments, delegated grants, federated identity credentials, secrets'
// and certificates' end dates) in Graph's shapes
// (shared/reference/evidence-sources.md §3), seeded from internal/fakeentra's
// directory on every request, so that the roles in a minted token and the
// assignments Graph shows agree.
//
// Requests are checked as Graph checks them: a bearer token signed by the
// simulated tenant for Graph's audience, and the permission it carries
// (delegated scp or app roles: Application.Read.All, Directory.Read.All);
// without it, 403 Authorization_RequestDenied. Unknown objects are 404
// Request_ResourceNotFound; $select is honoured (keyCredentials only when
// selected), $filter only in the forms entratoken sends (400 otherwise);
// lists come one item a page with absolute @odata.nextLink. Throttling
// (429 with Retry-After) and replication delay can be injected.
//
// It never listens beyond 127.0.0.1.
package fakegraph

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/fakeserver"
)

// Grant is a delegated consent: the client may call the API with Scope
// (space-separated) for every user (AllPrincipals) or one.
type Grant struct {
	ClientID, APIClientID, Scope string
	PrincipalID                  string // "" = AllPrincipals (admin consent)
}

// DefaultGrants are the seed's delegated consents: "reporting" may read
// orders for every user (and nothing more).
var DefaultGrants = []Grant{{ClientID: fakeentra.NoRoleClientID, APIClientID: fakeentra.APIClientID, Scope: "Orders.Read"}}

// Options configure a simulated Graph.
type Options struct {
	// Entra is the simulated cloud whose directory is served and whose
	// tenant signs the tokens; required.
	Entra *fakeentra.Server
	// TenantID is the directory served; default fakeentra.TenantID.
	TenantID string
	// Grants are the delegated consents; nil = DefaultGrants.
	Grants []Grant
	// PageSize is how many items a page holds; default 1.
	PageSize int
}

// Server is the simulated Graph.
type Server struct {
	// TLS is the loopback server; its URL is the endpoint without /v1.0,
	// e.g. https://127.0.0.1:41234.
	*fakeserver.TLS
	// Log has every request and the bearer tokens seen (Requests, SawBearer).
	fakeserver.Log

	opts    Options
	started time.Time

	mu        sync.Mutex
	throttle  map[string]int // path suffix -> Retry-After seconds, once
	hideLists int            // replication: the next N assignment or grant lists are empty
}

// New starts a simulated Graph on loopback TLS. Close it when done.
func New(o Options) (*Server, error) {
	if o.Entra == nil {
		return nil, fmt.Errorf("fakegraph: Options.Entra is required")
	}
	if o.TenantID == "" {
		o.TenantID = fakeentra.TenantID
	}
	if o.Entra.Tenant(o.TenantID) == nil {
		return nil, fmt.Errorf("fakegraph: no tenant %s", o.TenantID)
	}
	if o.Grants == nil {
		o.Grants = DefaultGrants
	}
	if o.PageSize <= 0 {
		o.PageSize = 1
	}
	s := &Server{opts: o, started: time.Now().UTC().Truncate(time.Second), throttle: map[string]int{}}
	s.TLS = fakeserver.StartTLS(http.HandlerFunc(s.serve))
	return s, nil
}

// Throttle makes the next request whose path ends with suffix answer 429
// with Retry-After: seconds.
func (s *Server) Throttle(suffix string, seconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle[suffix] = seconds
}

// DelayReplication makes the next n lists of app role assignments or
// grants come back empty, as Graph's replicas do right after a change.
func (s *Server) DelayReplication(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideLists = n
}

// ID returns the stable object ID the fake gives kind+key (an application,
// a service principal, a role), shaped as a GUID.
func ID(kind, key string) string {
	h := sha256.Sum256([]byte(kind + "|" + strings.ToLower(key)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
