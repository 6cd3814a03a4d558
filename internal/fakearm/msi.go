package fakearm

import (
	"net/http"
	"strings"
)

// identityID is a user-assigned identity's resource id.
func identityID(id Identity) string {
	return "/subscriptions/" + id.SubscriptionID + "/resourceGroups/" + id.ResourceGroup +
		"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + id.Name
}

// managedIdentity serves a user-assigned identity's federated identity
// credentials (msi ManagedIdentity.json, 2023-01-31 and 2024-11-30):
//
//	GET .../userAssignedIdentities/{name}/federatedIdentityCredentials[/{fic}]
func (s *Server) managedIdentity(q *req) {
	s.mu.Lock()
	loc := s.location()
	s.mu.Unlock()
	if !checkVersion(q.w, q.r, msiVersions, "userAssignedIdentities", loc) {
		return
	}
	sub, rg := q.segs[1], q.segs[3]
	s.mu.Lock()
	known := s.knownSubscription(sub)
	s.mu.Unlock()
	if !known {
		s.scopeExists(q, sub, "")
		return
	}
	rest := q.segs[6:]
	if len(rest) < 2 || !eq(rest[0], "userAssignedIdentities") || (len(rest) > 2 && !eq(rest[2], "federatedIdentityCredentials")) || len(rest) > 4 {
		writeError(q.w, http.StatusNotFound, "InvalidResourceType", "The resource type '"+strings.Join(rest, "/")+"' could not be found in the namespace 'Microsoft.ManagedIdentity'.")
		return
	}
	if !s.authorize(q) || !readOnly(q) {
		return
	}
	if q.r.Method == http.MethodPost {
		writeError(q.w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method 'POST'.")
		return
	}
	s.mu.Lock()
	okRG := s.knownGroup(sub, rg)
	s.mu.Unlock()
	if !okRG {
		s.scopeExists(q, sub, rg)
		return
	}
	if !s.fault(q) {
		return
	}
	var id *Identity
	for i := range s.identities {
		c := &s.identities[i]
		if eq(c.SubscriptionID, sub) && eq(c.ResourceGroup, rg) && eq(c.Name, rest[1]) {
			id = c
		}
	}
	if id == nil {
		writeError(q.w, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/"+rest[1]+
			"' under resource group '"+rg+"' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
		return
	}
	base := identityID(*id)
	switch len(rest) {
	case 2:
		writeJSON(q.w, http.StatusOK, obj{"id": base, "name": id.Name, "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
			"location": "westeurope", "tags": obj{}, "properties": obj{"tenantId": s.opts.TenantID, "principalId": id.PrincipalID, "clientId": id.ClientID}})
	case 3:
		var items []any
		for _, f := range id.Federated {
			items = append(items, ficJSON(base, f))
		}
		s.list(q, items, "$skiptoken")
	case 4:
		for _, f := range id.Federated {
			if eq(f.Name, rest[3]) {
				writeJSON(q.w, http.StatusOK, ficJSON(base, f))
				return
			}
		}
		writeError(q.w, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/"+id.Name+
			"/federatedIdentityCredentials/"+rest[3]+"' under resource group '"+rg+"' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
	}
}

// ficJSON is one credential (FederatedIdentityCredentialList.json).
func ficJSON(base string, f FederatedCredential) obj {
	aud := f.Audiences
	if aud == nil {
		aud = []string{"api://AzureADTokenExchange"}
	}
	return obj{"id": base + "/federatedIdentityCredentials/" + f.Name, "name": f.Name,
		"type":       "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
		"properties": obj{"issuer": f.Issuer, "subject": f.Subject, "audiences": aud}}
}
