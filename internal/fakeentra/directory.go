package fakeentra

import (
	"crypto/x509"
	"slices"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/entra"
)

// More identities of the simulated directory (see TenantID and friends).
const (
	ClientSecret        = "daemon-secret-value~0123456789abcdef" // the orders daemon's current secret
	ExpiredClientSecret = "daemon-old-secret~fedcba9876543210"   // its expired secret
	ClientSecretID      = "5a6b7c8d-0000-4000-8000-5ec7e71d0001" // the secret's ID, which people paste by mistake

	NoRoleClientID     = "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70" // "reporting", registered but with no app role on the API
	NoRoleClientSecret = "reporting-secret-value~00112233445566"

	InventoryClientID = "7f1e2d3c-4b5a-4968-8776-655443322110" // a second API: v1 tokens, Azure CLI not pre-authorized
	InventoryAppIDURI = "api://contoso-inventory"

	AzureCLIClientID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

	MIClientID     = "e1e2e3e4-0000-4000-8000-0000000000a1" // the web app's system-assigned managed identity
	MIObjectID     = "e1e2e3e4-0000-4000-8000-0000000000b1"
	UAMIClientID   = "f1f2f3f4-0000-4000-8000-0000000000a2" // a user-assigned identity, with Orders.Read
	UAMIObjectID   = "f1f2f3f4-0000-4000-8000-0000000000b2"
	UAMIResourceID = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/orders/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders-uami"

	IdentityHeader = "app-service-identity-header-value" // App Service's IDENTITY_HEADER

	FederatedIssuer   = "https://token.actions.githubusercontent.com"
	FederatedSubject  = "repo:contoso/orders:environment:prod"
	FederatedAudience = "api://AzureADTokenExchange"
)

// App is a client application registration with its service principal.
type App struct {
	ClientID, ObjectID, Name string
	Secrets                  []string // current secret values
	ExpiredSecrets           []string
	Certs                    []*x509.Certificate
	Federated                []Federated
	ResourceID               string // managed identities only
}

// Federated is a federated identity credential.
type Federated struct{ Issuer, Subject, Audience string }

// API is a resource application: what it exposes and how its tokens look.
type API struct {
	ClientID, AppIDURI, Name string
	Version                  entra.Version // accessTokenAcceptedVersion
	Roles                    []string      // app roles defined
	Scopes                   []string      // delegated scopes exposed
	AssignmentRequired       bool
	PreAuthorized            []string // client IDs that need no consent for delegated scopes
	DisabledRoles            []string // defined but disabled: never assigned into a token
	TokenAudience            string   // v1 only: aud whatever form was asked (Microsoft's resources); "" = as asked
}

// directory is the tenant's registrations. Guarded by Server.mu.
type directory struct {
	apps        map[string]*App // by client ID
	apis        []*API
	assignments map[string]map[string][]string // client ID -> API client ID -> roles
	assigned    map[string]time.Time           // client|API|role -> when (Graph's createdDateTime)
}

// seededAt is when the seed's assignments were made: long before any token.
var seededAt = time.Now().UTC().AddDate(0, 0, -30).Truncate(time.Second)

func (s *Server) seedDirectory() {
	daemonKey := poolKey(s.nextKey)
	s.nextKey++
	s.clientKey = daemonKey
	daemonCert, _ := x509.ParseCertificate(daemonKey.CertDER)
	d := &directory{apps: map[string]*App{}, assignments: map[string]map[string][]string{}, assigned: map[string]time.Time{}}
	for _, a := range []*App{
		{ClientID: ClientID, ObjectID: ClientObjectID, Name: "orders-daemon", Secrets: []string{ClientSecret},
			ExpiredSecrets: []string{ExpiredClientSecret}, Certs: []*x509.Certificate{daemonCert},
			Federated: []Federated{{FederatedIssuer, FederatedSubject, FederatedAudience}}},
		{ClientID: NoRoleClientID, ObjectID: "d4e5f6a7-0000-4000-8000-0000000000c3", Name: "reporting", Secrets: []string{NoRoleClientSecret}},
		{ClientID: AzureCLIClientID, ObjectID: "04b07795-0000-4000-8000-0000000000c4", Name: "Microsoft Azure CLI"},
		{ClientID: MIClientID, ObjectID: MIObjectID, Name: "orders-web (system-assigned identity)"},
		{ClientID: UAMIClientID, ObjectID: UAMIObjectID, Name: "orders-uami", ResourceID: UAMIResourceID},
	} {
		d.apps[a.ClientID] = a
	}
	d.apis = []*API{
		{ClientID: APIClientID, AppIDURI: APIAppIDURI, Name: "orders API", Version: entra.V2,
			Roles: []string{"Orders.Read", "Orders.Write"}, Scopes: []string{"Orders.Read", "Orders.Write"},
			PreAuthorized: []string{AzureCLIClientID}},
		{ClientID: InventoryClientID, AppIDURI: InventoryAppIDURI, Name: "inventory API", Version: entra.V1,
			Roles: []string{"Inventory.Read"}, Scopes: []string{"Inventory.Read"}},
	}
	d.assign(ClientID, APIClientID, "Orders.Read")
	d.assign(MIClientID, APIClientID, "Orders.Read")
	d.assign(UAMIClientID, APIClientID, "Orders.Read")
	s.dir = d
}

func (d *directory) assign(client, api string, roles ...string) {
	if d.assignments[client] == nil {
		d.assignments[client] = map[string][]string{}
	}
	d.assignments[client][api] = append(d.assignments[client][api], roles...)
	for _, r := range roles {
		if _, ok := d.assigned[client+"|"+api+"|"+r]; !ok {
			d.assigned[client+"|"+api+"|"+r] = seededAt
		}
	}
}

// Assign gives client app roles on the API with the given client ID, now:
// tokens issued from now on carry them, and Graph shows the assignments
// created now.
func (s *Server) Assign(client, api string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir.assign(client, api, roles...)
	for _, r := range roles {
		s.dir.assigned[client+"|"+api+"|"+r] = time.Now().UTC().Truncate(time.Second)
	}
}

// DisableRole disables an app role of the API: Entra puts it in no token
// any more, and Graph shows it with isEnabled false.
func (s *Server) DisableRole(api, role string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.dir.apis {
		if a.ClientID == api && !slices.Contains(a.DisabledRoles, role) {
			a.DisabledRoles = append(a.DisabledRoles, role)
		}
	}
}

// SetAssignmentRequired turns the API's "Assignment required" on or off.
func (s *Server) SetAssignmentRequired(api string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.dir.apis {
		if a.ClientID == api {
			a.AssignmentRequired = on
		}
	}
}

// resource finds the API a resource identifier names: its App ID URI (with
// or without a trailing slash) or its client ID.
func (d *directory) resource(id string) *API {
	id = strings.TrimSuffix(id, "/")
	for _, a := range d.apis {
		if strings.EqualFold(id, a.AppIDURI) || strings.EqualFold(id, a.ClientID) {
			return a
		}
	}
	return nil
}

// managedIdentity finds an identity by client, object or resource ID; empty
// selects the system-assigned one.
func (d *directory) managedIdentity(clientID, objectID, resourceID string) *App {
	switch {
	case clientID == "" && objectID == "" && resourceID == "":
		return d.apps[MIClientID]
	}
	for _, a := range d.apps {
		if a.ClientID != MIClientID && a.ResourceID == "" {
			continue
		}
		if (clientID != "" && strings.EqualFold(a.ClientID, clientID)) ||
			(objectID != "" && strings.EqualFold(a.ObjectID, objectID)) ||
			(resourceID != "" && strings.EqualFold(a.ResourceID, resourceID)) {
			return a
		}
	}
	return nil
}

func (d *directory) roles(client string, api *API) []string {
	var out []string
	for _, r := range d.assignments[client][api.ClientID] {
		if !slices.Contains(api.DisabledRoles, r) {
			out = append(out, r)
		}
	}
	return out
}
