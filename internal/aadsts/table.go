package aadsts

import (
	"sync"

	"github.com/entratoken/entratoken/internal/finding"
)

// Sides: who has to act.
const (
	sideClient = "client (the code or command asking for the token)"
	sideAppReg = "Entra app registration"
	sideAdmin  = "tenant admin"
	sideUser   = "user"
	sideCI     = "CI federation setup"
)

// table holds the AADSTS codes people hit most, each with Entra's name, the
// cause, the side that must act, the fix, and the finding it maps to where
// one fits. The meanings follow Microsoft's error reference, "Microsoft Entra
// authentication and authorization error codes"
// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes,
// revision of 2024-04-24); the current text of any code is at
// https://login.microsoftonline.com/error?code=N. A few codes Entra returns
// are not on that page (1002012, 28000, 9010010, 501051, 700024, 70021,
// 700211, 700213): their entries follow Entra's own error messages. The
// fixes are entratoken's. It is built on first use, not at every start-up.
var table = sync.OnceValue(buildTable)

// duplicates counts codes added twice while building the table (a test
// keeps it at zero: the second entry would silently win).
var duplicates int

func buildTable() map[int]Entry {
	t := map[int]Entry{}
	add := func(code int, name, findingCode, side, cause, fix string) {
		if _, dup := t[code]; dup {
			duplicates++
		}
		t[code] = Entry{Code: code, Name: name, Finding: findingCode, Side: side, Cause: cause, Fix: fix}
	}
	// Scopes and resources.
	add(1002012, "InvalidScope (client credentials without /.default)", finding.ScopeNotDefault, sideClient,
		"an app-only flow (client secret, certificate, managed identity, federated) asked for a named scope; app-only tokens carry the app roles granted to the client, so the only valid scope is the resource's /.default",
		"request <resource>/.default, e.g. api://contoso-orders/.default (entratoken acquire --resource api://contoso-orders)")
	add(70011, "InvalidScope", finding.InvalidScope, sideClient,
		"the scope is not valid: a typo, a scope the API does not expose, a missing /.default in a client-credentials request (older form of AADSTS1002012), or scopes of several resources",
		"for app-only flows request exactly <App ID URI>/.default; for delegated flows request a scope the API exposes (App registrations > the API > Expose an API)")
	add(28000, "InvalidMultipleResourcesScope", finding.InvalidScope, sideClient,
		"the scopes name more than one resource; one token is for one API",
		"request one token per API: scopes of a single resource only (OIDC scopes openid/profile/offline_access may accompany them)")
	add(700022, "InvalidMultipleResourcesScope", finding.InvalidScope, sideClient,
		"the scope parameter contains scopes of more than one resource",
		"request a token per resource, each with that resource's scopes only")
	add(500011, "InvalidResourceServicePrincipalNotFound", finding.ResourceNotFound, sideClient,
		"the resource (App ID URI or client ID in the scope) does not exist in this tenant: a typo, a missing /.default (\"api:/\" in the message is the tell), the wrong tenant, or an API from another tenant with no service principal here",
		"copy the API's Application ID URI exactly from App registrations > the API > Expose an API, append /.default, and ask the API's own tenant; a multi-tenant API needs admin consent in this tenant first")
	add(50001, "InvalidResource", finding.ResourceNotFound, sideClient,
		"the resource is disabled or does not exist (managed identity endpoints answer this for an unknown resource)",
		"check the resource: the API's Application ID URI (no /.default for managed identity resource=), or a Microsoft API's resource URI")
	add(9010010, "ResourceScopeMismatch", finding.InvalidScope, sideClient,
		"the request carries both a resource parameter and scopes of another resource (a v1 resource sent to the v2 endpoint)",
		"on the v2 endpoint send scopes only (<resource>/.default), no resource parameter")
	add(901002, "ResourceParameterNotSupported", finding.InvalidScope, sideClient,
		"the v2 endpoint does not take the v1 'resource' parameter",
		"send scope=<resource>/.default instead of resource=<resource>")
	add(90009, "TokenForItselfMissingIdenticalAppIdentifier", finding.InvalidScope, sideClient,
		"the application asked for a token for itself using its App ID URI; that is allowed only with the GUID form",
		"request <client-id-GUID>/.default instead of <App ID URI>/.default when the client and the API are the same app")

	// The client and its credential.
	add(700016, "UnauthorizedClient_DoesNotMatchRequest", finding.ClientNotFound, sideClient,
		"no application with this client ID exists in the tenant asked: a wrong client ID, the wrong tenant, or a multi-tenant app not yet consented in this tenant",
		"use the Application (client) ID from App registrations > Overview, and the Directory (tenant) ID shown beside it")
	add(7000215, "InvalidClientSecret", finding.InvalidClientSecret, sideClient,
		"the client secret is wrong; very often the secret's ID was copied instead of its value",
		"use the secret's Value (shown once, at creation) from App registrations > Certificates & secrets, not its Secret ID; if the value is lost, create a new secret")
	add(7000222, "InvalidClientSecretExpiredKeysProvided", finding.ClientSecretExpired, sideAppReg,
		"the client secret has expired",
		"create a new secret in App registrations > Certificates & secrets, update the caller's configuration, then delete the expired one")
	add(7000218, "InvalidClientCredentials (none sent)", finding.CredentialMissing, sideClient,
		"the request carried neither client_secret nor client_assertion",
		"set AZURE_CLIENT_SECRET (or --client-secret-file), or AZURE_CLIENT_CERTIFICATE_PATH (or --certificate)")
	add(700027, "InvalidClientAssertionSignature", finding.ClientAssertionInvalid, sideAppReg,
		"the client assertion's signature does not verify: the certificate used is not the one uploaded to the app registration (or was removed)",
		"upload this certificate's public part (.cer/.pem) in App registrations > Certificates & secrets, or sign with the certificate that is there (compare thumbprints)")
	add(700024, "ClientAssertionNotWithinValidTimeRange", finding.ClientAssertionInvalid, sideClient,
		"the client assertion is outside its validity: this machine's clock is off, or a federated token (GitHub OIDC tokens live 5 minutes) was used too late",
		"sync the clock (NTP); for workload identity fetch a fresh federated token right before the request")
	add(50013, "InvalidAssertion", finding.ClientAssertionInvalid, sideClient,
		"an assertion (on-behalf-of token or client assertion) is invalid: wrong issuer or audience, expired, or malformed",
		"check the assertion with entratoken inspect: its aud must be this API (for OBO) or the token endpoint (client assertion), and it must be unexpired")
	add(500133, "TokenNotWithinValidTimeRange", finding.ClientAssertionInvalid, sideClient,
		"the assertion (e.g. the user token in an on-behalf-of request) has expired",
		"pass a fresh token; check this machine's clock")
	add(7000112, "UnauthorizedClientApplicationDisabled", finding.ClientNotFound, sideAdmin,
		"the application is disabled in this tenant",
		"an admin re-enables it: Enterprise applications > the app > Properties > Enabled for users to sign in = Yes")

	// Roles, consent and assignment.
	add(65001, "DelegationDoesNotExist", finding.ConsentRequired, sideAdmin,
		"nobody consented to let this client call the API: typical when az or azd (first-party client 04b07795-…) asks for a token for your own API",
		"grant consent (an admin: Enterprise applications > the client > Permissions > Grant admin consent), or add the client ID to the API's Expose an API > Authorized client applications; for CI, use the app's own identity (client credentials) instead of az/azd")
	add(650056, "MisconfiguredApplication", finding.ConsentRequired, sideAppReg,
		"the client has not listed the permission it asks for, or an admin has not consented to it",
		"add the API permission in the client's App registrations > API permissions, then Grant admin consent")
	add(650057, "InvalidResourceNotInRequestedPermissions", finding.ConsentRequired, sideAppReg,
		"the client asked for a resource that is not among its requested permissions",
		"add the API (and the permission) to the client's App registrations > API permissions, then grant consent")
	add(650052, "ServicePrincipalMissing", finding.ResourceNotFound, sideAdmin,
		"the app needs access to a service the tenant has no service principal for (not subscribed or not consented)",
		"an admin provisions the API in this tenant (admin consent for a multi-tenant API creates its service principal)")
	add(501051, "ApplicationNotAssignedToRole", finding.RoleAssignmentRequired, sideAdmin,
		"the API requires assignment (Enterprise applications > the API > Properties > Assignment required = Yes) and the client has no app role on it",
		"assign an app role of the API to the client (App registrations > the client > API permissions > Add > My APIs > Application permissions, then Grant admin consent), or turn Assignment required off")
	add(50105, "EntitlementGrantsNotFound", finding.RoleAssignmentRequired, sideAdmin,
		"the signed-in user is not assigned to a role of the application, which requires assignment",
		"an admin assigns the user (or a group of theirs) in Enterprise applications > the app > Users and groups")

	// Tenants and clouds.
	add(90002, "InvalidTenantName", finding.TenantNotFound, sideClient,
		"the tenant does not exist in this cloud: a typo, or a sovereign-cloud tenant asked of the global cloud",
		"check the tenant ID or domain; for US Government or China use --authority-host https://login.microsoftonline.us/ or https://login.partner.microsoftonline.cn/")
	add(90038, "NationalCloudTenantRedirection", finding.TenantNotFound, sideClient,
		"the tenant lives in a national cloud, not the one asked",
		"use that cloud's authority with --authority-host")
	add(9001023, "GrantTypeNotSupportedOverCommon", finding.TenantNotFound, sideClient,
		"client credentials were requested from /common or /consumers",
		"pass the tenant ID or domain with --tenant (or AZURE_TENANT_ID)")
	add(50059, "MissingTenantRealmAndNoUserInformationProvided", finding.TenantNotFound, sideClient,
		"no tenant could be determined from the request",
		"pass --tenant (or AZURE_TENANT_ID)")

	// Users, MFA, conditional access.
	add(50076, "UserStrongAuthClientAuthNRequired", finding.InteractionRequired, sideUser,
		"multi-factor authentication is required (a conditional access policy or a change of location)",
		"sign in again interactively: az login / azd auth login, then retry")
	add(50079, "UserStrongAuthEnrollmentRequired", finding.InteractionRequired, sideUser,
		"the user must register for multi-factor authentication",
		"sign in interactively once and complete MFA registration")
	add(50058, "UserInformationNotProvided", finding.InteractionRequired, sideUser,
		"a silent sign-in found no session",
		"sign in again: az login / azd auth login")
	add(53003, "BlockedByConditionalAccess", finding.InteractionRequired, sideAdmin,
		"a conditional access policy blocked the request",
		"check the sign-in log entry (by correlation ID) for the policy that applied; an admin adjusts it or you meet its conditions (device, location)")
	add(50126, "InvalidUserNameOrPassword", finding.InteractionRequired, sideUser,
		"the user name or password is wrong (resource-owner password flow)",
		"check the credentials; prefer an interactive or app-only flow")
	add(50173, "FreshTokenNeeded", finding.InteractionRequired, sideUser,
		"the stored grant was revoked (password change or admin revocation)",
		"sign in again: az login / azd auth login")
	add(70008, "ExpiredOrRevokedGrant", finding.InteractionRequired, sideUser,
		"the refresh token or authorization code has expired or was revoked",
		"sign in again: az login / azd auth login")
	add(700082, "ExpiredOrRevokedGrantInactiveToken", finding.InteractionRequired, sideUser,
		"the refresh token expired after inactivity",
		"sign in again: az login / azd auth login")

	// Workload identity federation (GitHub Actions, AKS, Azure Pipelines).
	add(70021, "NoMatchingFederatedIdentityRecordFound", finding.FederatedMismatch, sideCI,
		"no federated credential of the app (or managed identity) matches the presented token's issuer, subject and audience",
		"compare the federated token's iss/sub/aud (entratoken inspect @$AZURE_FEDERATED_TOKEN_FILE --no-verify) with App registrations > Certificates & secrets > Federated credentials: they must match exactly, case and trailing slash included")
	add(700211, "NoMatchingFederatedIdentityRecordFoundForIssuer", finding.FederatedMismatch, sideCI,
		"no federated credential has the presented token's issuer",
		"set the federated credential's issuer to the token's iss exactly (GitHub: https://token.actions.githubusercontent.com)")
	add(700213, "NoMatchingFederatedIdentityRecordFoundForSubject", finding.FederatedMismatch, sideCI,
		"a federated credential has the issuer but not the presented subject (branch vs environment vs pull_request, or a changed repo)",
		"add a federated credential whose subject equals the token's sub exactly (e.g. repo:org/repo:environment:prod), or change the workflow to match")

	// Requests.
	add(90014, "MissingRequiredField", finding.TokenRequestFailed, sideClient,
		"a required field is missing from the request",
		"the message names the field; with entratoken this is a bug: please report it")
	add(900144, "MissingRequiredParameter", finding.TokenRequestFailed, sideClient,
		"the request body lacks a required parameter",
		"the message names the parameter; with entratoken this is a bug: please report it")
	addSignIn(add)
	return t
}
