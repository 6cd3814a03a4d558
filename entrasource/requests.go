package entrasource

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// The $select of each object (evidence-sources.md §3.2).
const (
	selectAPIApp    = "id,appId,displayName,identifierUris,api,appRoles,signInAudience"
	selectClientApp = "id,appId,displayName,appRoles,passwordCredentials,keyCredentials"
	selectSP        = "id,appId,displayName,servicePrincipalType,appRoleAssignmentRequired,appRoles,oauth2PermissionScopes,servicePrincipalNames,accountEnabled"
)

func sel(fields string) string { return "$select=" + qesc(fields) }

// qesc escapes a query value with %20 for spaces, as Graph's own clients do.
func qesc(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// byAppID reads one object by its alternate key appId.
func byAppID[T any](ctx context.Context, c *Client, what, coll, appID, fields string) (*T, json.RawMessage, error) {
	var v T
	raw, err := c.get(ctx, what, "/"+coll+"(appId="+url.PathEscape(quote(appID))+")?"+sel(fields), &v)
	if err != nil {
		return nil, nil, err
	}
	return &v, raw, nil
}

// ApplicationByAppID reads the application with the client ID appID.
func (c *Client) ApplicationByAppID(ctx context.Context, appID string) (*Application, json.RawMessage, error) {
	return byAppID[Application](ctx, c, "the application "+appID, "applications", appID, selectAPIApp)
}

// ApplicationsByIdentifierURI finds the applications with the identifier
// URI uri (none, or one: Entra keeps them unique in a tenant).
func (c *Client) ApplicationsByIdentifierURI(ctx context.Context, uri string) ([]Application, []json.RawMessage, error) {
	q := "$filter=" + qesc("identifierUris/any(x:x eq "+quote(uri)+")") + "&" + sel(selectAPIApp)
	return list[Application](ctx, c, "the application with identifier URI "+uri, "/applications?"+q)
}

// ClientCredentials reads the end dates of an application's secrets and
// certificates (keyCredentials only when selected, as Graph does).
func (c *Client) ClientCredentials(ctx context.Context, appID string) (*Application, json.RawMessage, error) {
	return byAppID[Application](ctx, c, "the secrets and certificates of application "+appID, "applications", appID, selectClientApp)
}

// ServicePrincipalByAppID reads the service principal of client ID appID.
func (c *Client) ServicePrincipalByAppID(ctx context.Context, appID string) (*ServicePrincipal, json.RawMessage, error) {
	return byAppID[ServicePrincipal](ctx, c, "the service principal of "+appID, "servicePrincipals", appID, selectSP)
}

// ServicePrincipalsByName finds the service principals with name (an
// identifier URI) among their servicePrincipalNames: a multi-tenant API
// has no application object in the caller's tenant.
func (c *Client) ServicePrincipalsByName(ctx context.Context, name string) ([]ServicePrincipal, []json.RawMessage, error) {
	q := "$filter=" + qesc("servicePrincipalNames/any(x:x eq "+quote(name)+")") + "&" + sel(selectSP)
	return list[ServicePrincipal](ctx, c, "the service principal named "+name, "/servicePrincipals?"+q)
}

// AppRoleAssignments lists the app roles granted to the service principal
// with object ID spID (on every resource).
func (c *Client) AppRoleAssignments(ctx context.Context, spID string) ([]AppRoleAssignment, []json.RawMessage, error) {
	return list[AppRoleAssignment](ctx, c, "the app role assignments of service principal "+spID, "/servicePrincipals/"+objectID(spID)+"/appRoleAssignments")
}

// AppRoleAssignedTo lists who holds app roles of the resource service
// principal spID.
func (c *Client) AppRoleAssignedTo(ctx context.Context, spID string) ([]AppRoleAssignment, []json.RawMessage, error) {
	return list[AppRoleAssignment](ctx, c, "the app role assignments on service principal "+spID, "/servicePrincipals/"+objectID(spID)+"/appRoleAssignedTo")
}

// PermissionGrants lists the delegated grants of the client service
// principal clientSPID (needs Directory.Read.All for an app-only caller).
func (c *Client) PermissionGrants(ctx context.Context, clientSPID string) ([]PermissionGrant, []json.RawMessage, error) {
	q := "$filter=" + qesc("clientId eq "+quote(clientSPID))
	return list[PermissionGrant](ctx, c, "the delegated permission grants of service principal "+clientSPID, "/oauth2PermissionGrants?"+q)
}

// FederatedCredentials lists the federated identity credentials of the
// application with object ID appObjectID (not its client ID).
func (c *Client) FederatedCredentials(ctx context.Context, appObjectID string) ([]FederatedCredential, error) {
	fics, _, err := list[FederatedCredential](ctx, c, "the federated identity credentials of application "+appObjectID,
		"/applications/"+objectID(appObjectID)+"/federatedIdentityCredentials")
	return fics, err
}

// objectID is a directory object ID as a path segment. Object IDs are
// GUIDs; anything else (a "..", a slash, from a hostile or broken answer)
// becomes a segment Graph answers 404 to, never another path.
func objectID(id string) string {
	if len(id) > 0 && len(id) <= 64 && strings.Trim(strings.ToLower(id), "0123456789abcdef-") == "" {
		return id
	}
	return "invalid-object-id"
}
