package fakeentra

import (
	"cmp"

	"github.com/entratoken/entratoken/internal/entra"
)

// Microsoft's own resources the tenant issues tokens for, as Entra does:
// Azure Resource Manager and Microsoft Graph, both with v1 access tokens.
const (
	ARMAppID    = "797f4846-ba00-4fd7-ba43-dac1f8f63013" // Windows Azure Service Management API
	ARMResource = "https://management.azure.com"
	// ARMAudience is the aud of ARM tokens, whichever form of the resource
	// was asked for.
	ARMAudience = "https://management.azure.com/"

	GraphAppID    = entra.GraphAppID
	GraphResource = "https://graph.microsoft.com"
	// GraphAudience is the aud of Graph tokens from the token endpoint.
	GraphAudience = "https://graph.microsoft.com"
)

// Principals that read evidence over ARM and Graph (issue 12): three
// confidential clients with a secret each. What they may do in ARM is the
// ARM fake's business (its role assignments name these object IDs); in
// Graph, the contributor holds Application.Read.All and Directory.Read.All.
const (
	EvidenceReaderClientID = "e7a1d000-0000-4000-8000-0000000000e1" // "evidence-reader": API Management Service Reader on the demo service
	EvidenceReaderObjectID = "e7a1d000-0000-4000-8000-0000000000f1"
	EvidenceReaderSecret   = "evidence-reader-secret~0a1b2c3d4e5f"

	EvidenceContributorClientID = "e7a1d000-0000-4000-8000-0000000000e2" // "evidence-contributor": API Management Service Contributor
	EvidenceContributorObjectID = "e7a1d000-0000-4000-8000-0000000000f2"
	EvidenceContributorSecret   = "evidence-contributor-secret~6a7b8c9d"

	EvidenceNoneClientID = "e7a1d000-0000-4000-8000-0000000000e3" // "evidence-none": no role anywhere
	EvidenceNoneObjectID = "e7a1d000-0000-4000-8000-0000000000f3"
	EvidenceNoneSecret   = "evidence-none-secret~1f2e3d4c5b6a"
)

// AzureCLIGraphScopes is the scp of a Microsoft Graph token the Azure CLI
// (and azd, which reuses its client ID) gets for a signed-in user: the
// delegated set seen in public captures of real tokens.
var AzureCLIGraphScopes = []string{
	"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "AuditLog.Read.All",
	"DelegatedPermissionGrant.ReadWrite.All", "Directory.AccessAsUser.All", "email",
	"Group.ReadWrite.All", "openid", "profile", "User.Read.All", "User.ReadWrite.All",
}

// GraphAppRoles are Graph application permissions the fake directory knows.
var GraphAppRoles = []string{"Application.Read.All", "Directory.Read.All", "User.Read.All", "AppRoleAssignment.ReadWrite.All"}

// seedMicrosoft adds ARM and Graph as resources and the evidence principals.
// Called with the directory built and the lock held.
func (s *Server) seedMicrosoft() {
	d := s.dir
	d.apis = append(d.apis,
		&API{ClientID: ARMAppID, AppIDURI: ARMResource, TokenAudience: ARMAudience, Name: "Windows Azure Service Management API",
			Version: entra.V1, Scopes: []string{"user_impersonation"}, PreAuthorized: []string{AzureCLIClientID}},
		&API{ClientID: GraphAppID, AppIDURI: GraphResource, TokenAudience: GraphAudience, Name: "Microsoft Graph",
			Version: entra.V1, Roles: GraphAppRoles, Scopes: AzureCLIGraphScopes, PreAuthorized: []string{AzureCLIClientID}},
	)
	for _, a := range []*App{
		{ClientID: EvidenceReaderClientID, ObjectID: EvidenceReaderObjectID, Name: "evidence-reader", Secrets: []string{EvidenceReaderSecret}},
		{ClientID: EvidenceContributorClientID, ObjectID: EvidenceContributorObjectID, Name: "evidence-contributor", Secrets: []string{EvidenceContributorSecret}},
		{ClientID: EvidenceNoneClientID, ObjectID: EvidenceNoneObjectID, Name: "evidence-none", Secrets: []string{EvidenceNoneSecret}},
	} {
		d.apps[a.ClientID] = a
	}
	d.assign(EvidenceContributorClientID, GraphAppID, "Application.Read.All", "Directory.Read.All")
}

// shape sets what the resource decides about a token: its audience (v2:
// the client ID; v1: the resource's fixed audience, else the resource as
// asked) and, for Graph, the nonce header real Graph tokens carry.
func (a *API) shape(sp *Spec, asked string) {
	sp.Version = a.Version
	if a.Version == entra.V1 {
		sp.Audience = cmp.Or(a.TokenAudience, asked)
	} else {
		sp.Audience = a.ClientID
	}
	if a.ClientID == GraphAppID {
		sp.Graph = true // nonce and x5t; Graph forces aud to its app ID, so set it back
		if sp.Claims == nil {
			sp.Claims = map[string]any{}
		}
		sp.Claims["aud"] = sp.Audience
	}
}
