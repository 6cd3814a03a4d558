package entrasource

import "time"

// The Graph objects entratoken reads, trimmed to the members its checks use
// (shared/reference/evidence-sources.md §3.3). Secrets are never kept:
// Graph answers secretText null on reads, and PasswordCredential has no
// field for it.

// Application is an app registration.
type Application struct {
	ID                  string               `json:"id"`
	AppID               string               `json:"appId"`
	DisplayName         string               `json:"displayName"`
	IdentifierURIs      []string             `json:"identifierUris"`
	SignInAudience      string               `json:"signInAudience,omitempty"`
	API                 *APISettings         `json:"api,omitempty"`
	AppRoles            []AppRole            `json:"appRoles"`
	PasswordCredentials []PasswordCredential `json:"passwordCredentials,omitempty"`
	KeyCredentials      []KeyCredential      `json:"keyCredentials,omitempty"`
}

// APISettings is an application's "Expose an API".
type APISettings struct {
	// RequestedAccessTokenVersion is 1, 2 or null (= 1).
	RequestedAccessTokenVersion *int                       `json:"requestedAccessTokenVersion"`
	OAuth2PermissionScopes      []PermissionScope          `json:"oauth2PermissionScopes"`
	PreAuthorizedApplications   []PreAuthorizedApplication `json:"preAuthorizedApplications"`
}

// AppRole is an app role of an API.
type AppRole struct {
	ID                 string   `json:"id"`
	Value              string   `json:"value"`
	DisplayName        string   `json:"displayName,omitempty"`
	AllowedMemberTypes []string `json:"allowedMemberTypes"`
	IsEnabled          bool     `json:"isEnabled"`
}

// PermissionScope is a delegated scope an API exposes.
type PermissionScope struct {
	ID        string `json:"id"`
	Value     string `json:"value"`
	Type      string `json:"type,omitempty"`
	IsEnabled bool   `json:"isEnabled"`
}

// PreAuthorizedApplication is a client that needs no consent for the
// delegated scopes listed.
type PreAuthorizedApplication struct {
	AppID                  string   `json:"appId"`
	DelegatedPermissionIDs []string `json:"delegatedPermissionIds"`
}

// PasswordCredential is a client secret: its end date, never its value.
type PasswordCredential struct {
	KeyID       string     `json:"keyId"`
	DisplayName string     `json:"displayName,omitempty"`
	Hint        string     `json:"hint,omitempty"`
	EndDateTime *time.Time `json:"endDateTime"`
}

// KeyCredential is a certificate (or public key) of an application.
type KeyCredential struct {
	KeyID       string     `json:"keyId"`
	DisplayName string     `json:"displayName,omitempty"`
	Type        string     `json:"type,omitempty"`
	Usage       string     `json:"usage,omitempty"`
	EndDateTime *time.Time `json:"endDateTime"`
}

// ServicePrincipal is an application's (or managed identity's) instance
// in the tenant: "Enterprise applications".
type ServicePrincipal struct {
	ID                        string            `json:"id"`
	AppID                     string            `json:"appId"`
	DisplayName               string            `json:"displayName"`
	ServicePrincipalType      string            `json:"servicePrincipalType,omitempty"` // Application, ManagedIdentity, ...
	AppRoleAssignmentRequired bool              `json:"appRoleAssignmentRequired"`
	AccountEnabled            *bool             `json:"accountEnabled,omitempty"`
	ServicePrincipalNames     []string          `json:"servicePrincipalNames"`
	AppRoles                  []AppRole         `json:"appRoles"`
	OAuth2PermissionScopes    []PermissionScope `json:"oauth2PermissionScopes"`
}

// AppRoleAssignment grants an app role of a resource to a principal.
type AppRoleAssignment struct {
	ID                   string     `json:"id"`
	AppRoleID            string     `json:"appRoleId"`
	PrincipalID          string     `json:"principalId"`
	PrincipalType        string     `json:"principalType,omitempty"`
	PrincipalDisplayName string     `json:"principalDisplayName,omitempty"`
	ResourceID           string     `json:"resourceId"`
	ResourceDisplayName  string     `json:"resourceDisplayName,omitempty"`
	CreatedDateTime      *time.Time `json:"createdDateTime"`
}

// PermissionGrant is a delegated consent (oauth2PermissionGrant).
type PermissionGrant struct {
	ID          string `json:"id"`
	ClientID    string `json:"clientId"` // the client's service principal object ID
	ConsentType string `json:"consentType"`
	PrincipalID string `json:"principalId,omitempty"`
	ResourceID  string `json:"resourceId"`
	Scope       string `json:"scope"`
}

// FederatedCredential is a federated identity credential of an
// application: a token of Issuer with Subject and one of Audiences may be
// exchanged for the application's.
type FederatedCredential struct {
	Name        string   `json:"name"`
	Issuer      string   `json:"issuer"`
	Subject     string   `json:"subject"`
	Audiences   []string `json:"audiences"`
	Description string   `json:"description,omitempty"`
}
