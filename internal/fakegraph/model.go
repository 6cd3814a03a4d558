package fakegraph

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

// object is one Graph object as JSON members.
type object = map[string]any

// view is the directory in Graph's shapes, built for one request.
type view struct {
	apps, sps   []object
	assignments []object
	grants      []object
	fics        map[string][]object // application object ID -> its credentials
}

// microsoftTenant owns Microsoft's first-party applications: only their
// service principals live in the tenant.
const microsoftTenant = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

// RoleID is the ID of an API's app role; ScopeID of a delegated scope.
func RoleID(apiClientID, role string) string   { return ID("role", apiClientID+"|"+role) }
func ScopeID(apiClientID, scope string) string { return ID("scope", apiClientID+"|"+scope) }

// AppObjectID is the object ID of the application with client ID appID;
// SPObjectID that of its service principal (for a client, the oid of its
// tokens).
func AppObjectID(appID string) string { return ID("application", appID) }
func SPObjectID(d fakeentra.Directory, appID string) string {
	for _, a := range d.Apps {
		if strings.EqualFold(a.ClientID, appID) && a.ObjectID != "" {
			return a.ObjectID
		}
	}
	return ID("servicePrincipal", appID)
}

func firstParty(appID string) bool {
	return appID == fakeentra.AzureCLIClientID || appID == fakeentra.ARMAppID || appID == fakeentra.GraphAppID
}

func (s *Server) build() *view {
	d := s.opts.Entra.Directory()
	v := &view{fics: map[string][]object{}}
	for _, api := range d.APIs {
		roles := make([]object, 0, len(api.Roles))
		for _, r := range api.Roles {
			roles = append(roles, object{"id": RoleID(api.ClientID, r), "value": r, "displayName": r, "description": "Allows " + r,
				"allowedMemberTypes": []string{"Application"}, "isEnabled": !slices.Contains(api.DisabledRoles, r), "origin": "Application"})
		}
		scopes := make([]object, 0, len(api.Scopes))
		ids := make([]string, 0, len(api.Scopes))
		for _, sc := range api.Scopes {
			scopes = append(scopes, object{"id": ScopeID(api.ClientID, sc), "value": sc, "type": "User", "isEnabled": true,
				"adminConsentDisplayName": sc, "userConsentDisplayName": sc})
			ids = append(ids, ScopeID(api.ClientID, sc))
		}
		pre := make([]object, 0, len(api.PreAuthorized))
		for _, c := range api.PreAuthorized {
			pre = append(pre, object{"appId": c, "delegatedPermissionIds": ids})
		}
		var version any // null: v1 tokens
		if api.Version == entra.V2 {
			version = 2
		}
		names := []string{api.ClientID}
		var uris []string
		if api.AppIDURI != "" {
			names, uris = append(names, api.AppIDURI), []string{api.AppIDURI}
		}
		owner := s.opts.TenantID
		if firstParty(api.ClientID) {
			owner = microsoftTenant
		} else {
			v.apps = append(v.apps, object{"id": AppObjectID(api.ClientID), "appId": api.ClientID, "displayName": api.Name,
				"identifierUris": uris, "signInAudience": "AzureADMyOrg", "appRoles": roles,
				"api":                 object{"requestedAccessTokenVersion": version, "oauth2PermissionScopes": scopes, "preAuthorizedApplications": pre, "knownClientApplications": []string{}},
				"passwordCredentials": []object{}, "keyCredentials": []object{}})
		}
		v.sps = append(v.sps, object{"id": SPObjectID(d, api.ClientID), "appId": api.ClientID, "displayName": api.Name,
			"servicePrincipalType": "Application", "appRoleAssignmentRequired": api.AssignmentRequired, "accountEnabled": true,
			"servicePrincipalNames": names, "appRoles": roles, "oauth2PermissionScopes": scopes, "appOwnerOrganizationId": owner})
	}
	for _, a := range d.Apps {
		mi := a.ClientID == fakeentra.MIClientID || a.ResourceID != ""
		typ, owner := "Application", s.opts.TenantID
		switch {
		case mi:
			typ = "ManagedIdentity"
		case firstParty(a.ClientID):
			owner = microsoftTenant
		}
		names := []string{a.ClientID}
		if a.ResourceID != "" {
			names = append(names, a.ResourceID)
		}
		v.sps = append(v.sps, object{"id": SPObjectID(d, a.ClientID), "appId": a.ClientID, "displayName": a.Name,
			"servicePrincipalType": typ, "appRoleAssignmentRequired": false, "accountEnabled": true,
			"servicePrincipalNames": names, "appRoles": []object{}, "oauth2PermissionScopes": []object{}, "appOwnerOrganizationId": owner})
		if mi || firstParty(a.ClientID) {
			continue // no application object in this tenant
		}
		id := AppObjectID(a.ClientID)
		v.apps = append(v.apps, object{"id": id, "appId": a.ClientID, "displayName": a.Name, "identifierUris": []string{},
			"signInAudience": "AzureADMyOrg", "appRoles": []object{}, "api": object{"requestedAccessTokenVersion": nil,
				"oauth2PermissionScopes": []object{}, "preAuthorizedApplications": []object{}, "knownClientApplications": []string{}},
			"passwordCredentials": s.passwords(a), "keyCredentials": keys(a)})
		for i, f := range a.Federated {
			v.fics[id] = append(v.fics[id], object{"id": ID("fic", a.ClientID+fmt.Sprint(i)), "name": fmt.Sprintf("%s-%d", a.Name, i+1),
				"issuer": f.Issuer, "subject": f.Subject, "audiences": []string{f.Audience}, "description": "deployments from " + f.Subject})
		}
	}
	for _, as := range d.Assignments {
		var client, api object
		for _, sp := range v.sps {
			switch sp["appId"] {
			case as.ClientID:
				client = sp
			case as.APIClientID:
				api = sp
			}
		}
		if client == nil || api == nil {
			continue
		}
		v.assignments = append(v.assignments, object{"id": ID("assignment", as.ClientID+as.APIClientID+as.Role),
			"appRoleId": RoleID(as.APIClientID, as.Role), "principalId": client["id"], "principalType": "ServicePrincipal",
			"principalDisplayName": client["displayName"], "resourceId": api["id"], "resourceDisplayName": api["displayName"],
			"createdDateTime": as.Created.Format(time.RFC3339), "deletedDateTime": nil})
	}
	for _, g := range s.opts.Grants {
		ct, principal := "AllPrincipals", any(nil)
		if g.PrincipalID != "" {
			ct, principal = "Principal", g.PrincipalID
		}
		v.grants = append(v.grants, object{"id": ID("grant", g.ClientID+g.APIClientID+g.PrincipalID), "clientId": SPObjectID(d, g.ClientID),
			"consentType": ct, "principalId": principal, "resourceId": SPObjectID(d, g.APIClientID), "scope": g.Scope})
	}
	return v
}

// passwords are the app's secrets: current ones end in a year, expired
// ones ended ten days before the fake started; never their values.
func (s *Server) passwords(a fakeentra.App) []object {
	out := []object{}
	add := func(secret string, end time.Time, i int) {
		out = append(out, object{"keyId": ID("secret", a.ClientID+fmt.Sprint(i)), "displayName": fmt.Sprintf("secret %d", i+1),
			"hint": secret[:3], "customKeyIdentifier": nil, "startDateTime": end.AddDate(-1, 0, 0).Format(time.RFC3339),
			"endDateTime": end.Format(time.RFC3339), "secretText": nil})
	}
	for i, sec := range a.Secrets {
		add(sec, s.started.AddDate(1, 0, 0), i)
	}
	for i, sec := range a.ExpiredSecrets {
		add(sec, s.started.AddDate(0, 0, -10), len(a.Secrets)+i)
	}
	return out
}

func keys(a fakeentra.App) []object {
	out := []object{}
	for i, c := range a.Certs {
		out = append(out, object{"keyId": ID("cert", a.ClientID+fmt.Sprint(i)), "displayName": "CN=" + c.Subject.CommonName,
			"type": "AsymmetricX509Cert", "usage": "Verify", "startDateTime": c.NotBefore.UTC().Format(time.RFC3339),
			"endDateTime": c.NotAfter.UTC().Format(time.RFC3339), "key": nil})
	}
	return out
}
