// Package finding defines the unit every entratoken command reports: a
// Finding with a stable code (spec/cli.md, "Findings"), a severity, the
// evidence (expected vs actual) and the fix, on the side where it belongs.
//
// Codes are part of the contract: scripts match on them. Add codes freely;
// never rename one.
package finding

// Severity says how much a finding matters. Only SeverityError findings make a
// check fail.
type Severity string

// Severities, as they appear in JSON.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Finding is one thing a command found, with its evidence and fix. The JSON
// form is part of the contract.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Expected string   `json:"expected"`
	Actual   string   `json:"actual"`
	Fix      string   `json:"fix"`
	// Primary marks the one failure APIM itself would report.
	Primary bool `json:"primary"`
	// Side says where the fix belongs: client, app registration, APIM policy.
	Side string `json:"side,omitempty"`
	// Line is the policy line the finding is about, when there is one.
	Line int `json:"line,omitempty"`
	// Source says where the policy element the finding is about stands:
	// its scope, its file and the line of its start tag (spec/cli.md,
	// "Evidence"). Line above keeps the same number.
	Source *Source `json:"source,omitempty"`
	// Explains marks an info finding that explains a possible cause of the
	// outcome (a <base /> that pulls in a parent scope, an on-error section):
	// text output shows it, where other info findings are only counted.
	Explains bool `json:"-"`
}

// Source is where a policy element stands.
type Source struct {
	// Scope is global, workspace, product, api, operation, or fragment.
	Scope string `json:"scope"`
	// File is the file as given on the command line, relative to an APIOps
	// folder, or an ARM resource ID for a policy read live.
	File string `json:"file,omitempty"`
	Line int    `json:"line"`
}

// Sides where a fix belongs.
const (
	SideClient = "client"
	SideEntra  = "Entra app registration"
	SideAPIM   = "APIM policy"
)

// Finding codes from spec/cli.md. Their meaning never changes.
const (
	TokenMissing           = "TOKEN_MISSING"
	TokenMalformed         = "TOKEN_MALFORMED"
	TokenEncrypted         = "TOKEN_ENCRYPTED"
	SchemeMissing          = "SCHEME_MISSING"
	Unsigned               = "UNSIGNED"
	AlgNotAllowed          = "ALG_NOT_ALLOWED"
	SigningKeyNotFound     = "SIGNING_KEY_NOT_FOUND"
	SignatureInvalid       = "SIGNATURE_INVALID"
	GraphToken             = "GRAPH_TOKEN"
	Expired                = "EXPIRED"
	NotYetValid            = "NOT_YET_VALID"
	ExpirationMissing      = "EXPIRATION_MISSING"
	AudienceMismatch       = "AUDIENCE_MISMATCH"
	IssuerVersionMismatch  = "ISSUER_VERSION_MISMATCH"
	IssuerMismatch         = "ISSUER_MISMATCH"
	TenantMismatch         = "TENANT_MISMATCH"
	RoleMissing            = "ROLE_MISSING"
	ScopeMissing           = "SCOPE_MISSING"
	TokenTypeMismatch      = "TOKEN_TYPE_MISMATCH"
	ClaimMismatch          = "CLAIM_MISMATCH"
	ClientAppNotAllowed    = "CLIENT_APP_NOT_ALLOWED"
	SubscriptionKeyMiss    = "SUBSCRIPTION_KEY_MISSING"
	ForbiddenByPolicy      = "FORBIDDEN_BY_POLICY"
	ScopeNotDefault        = "SCOPE_NOT_DEFAULT"
	InvalidScope           = "INVALID_SCOPE"
	ResourceNotFound       = "RESOURCE_NOT_FOUND"
	ClientNotFound         = "CLIENT_NOT_FOUND"
	InvalidClientSecret    = "INVALID_CLIENT_SECRET"
	ClientSecretExpired    = "CLIENT_SECRET_EXPIRED"
	ConsentRequired        = "CONSENT_REQUIRED"
	TenantNotFound         = "TENANT_NOT_FOUND"
	ManagedIdentityUnavail = "MANAGED_IDENTITY_UNAVAILABLE"
	CLINotLoggedIn         = "CLI_NOT_LOGGED_IN"
	PolicyNoAudience       = "POLICY_NO_AUDIENCE"
	PolicyIssuerConflict   = "POLICY_ISSUER_VERSION_CONFLICT"
	PolicyUnsatisfiable    = "POLICY_UNSATISFIABLE"
	PolicyUnsupported      = "POLICY_UNSUPPORTED"

	// Codes added by entratoken beyond the first spec table.

	// UntrustedKeyReference: the token header names a key or a key URL
	// (jku, x5u, jwk, x5c). It is ignored: keys only ever come from the tenant.
	UntrustedKeyReference = "UNTRUSTED_KEY_REFERENCE"
	// KeysUnavailable: the tenant's metadata or key set could not be had.
	KeysUnavailable = "KEYS_UNAVAILABLE"
)

// Rank orders severities for sorting: errors first, then warnings, then
// everything else.
func Rank(s Severity) int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// HasErrors reports whether any finding has error severity.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Codes for token-request failures beyond the spec's table, each mapped from
// AADSTS codes in internal/aadsts.
const (
	ClientAssertionInvalid = "CLIENT_ASSERTION_INVALID"
	FederatedMismatch      = "FEDERATED_CREDENTIAL_MISMATCH"
	RoleAssignmentRequired = "ROLE_ASSIGNMENT_REQUIRED"
	InteractionRequired    = "INTERACTION_REQUIRED"
	TokenRequestFailed     = "TOKEN_REQUEST_FAILED"
	CLINotInstalled        = "CLI_NOT_INSTALLED"
	CredentialMissing      = "CREDENTIAL_MISSING"

	// HeaderCheckFailed: a check-header other than the subscription key failed.
	HeaderCheckFailed = "HEADER_CHECK_FAILED"
	// SubscriptionKeyInvalid: APIM said the subscription key sent is not valid.
	SubscriptionKeyInvalid = "SUBSCRIPTION_KEY_INVALID"
	// BackendRejected: the backend, not APIM, refused the request.
	BackendRejected = "BACKEND_REJECTED"
	// IDToken: the token is an ID token (proof of sign-in for the client),
	// not an access token for an API.
	IDToken = "ID_TOKEN"
	// GatewayRefused: the gateway refused with a message entratoken reads
	// as no more specific finding (a custom message, a generic one, a
	// message it does not know); the message is shown as it came.
	GatewayRefused = "GATEWAY_REFUSED"
)

// Codes of the Evidence section of spec/cli.md: the policy as the gateway
// runs it, the gateway's own answer and trace, the Entra registrations.
const (
	PolicyInvalid          = "POLICY_INVALID"
	TokenTruncated         = "TOKEN_TRUNCATED"
	PredictionDisagrees    = "PREDICTION_DISAGREES"
	RequestRewritten       = "REQUEST_REWRITTEN"
	APINotFound            = "API_NOT_FOUND"
	OperationNotFound      = "OPERATION_NOT_FOUND"
	EvidenceForbidden      = "EVIDENCE_FORBIDDEN"
	EvidenceUnavailable    = "EVIDENCE_UNAVAILABLE"
	AppRoleNotDefined      = "APP_ROLE_NOT_DEFINED"
	AppRoleDisabled        = "APP_ROLE_DISABLED"
	AppRoleNotAssigned     = "APP_ROLE_NOT_ASSIGNED"
	AssignmentNewer        = "ASSIGNMENT_NEWER_THAN_TOKEN"
	TokenVersionSetting    = "TOKEN_VERSION_SETTING"
	IdentifierURIUnknown   = "IDENTIFIER_URI_UNKNOWN"
	CredentialExpiring     = "CREDENTIAL_EXPIRING"
	TraceUnavailable       = "TRACE_UNAVAILABLE"
	TraceCredentialExpired = "TRACE_CREDENTIAL_EXPIRED"
	TraceWrongAPI          = "TRACE_WRONG_API"
	GatewayHostUnknown     = "GATEWAY_HOST_UNKNOWN"
)
