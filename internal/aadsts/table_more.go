package aadsts

import "github.com/entratoken/entratoken/internal/finding"

// sideService: nothing to change on the caller's side; Entra or a service
// behind it failed for a while.
const sideService = "Microsoft (a passing failure of the sign-in service)"

// addSignIn adds the codes of users, sign-ins and tenants that people hit
// through az, azd and interactive clients, and the remaining client and
// registration codes. Every entry follows Microsoft's error reference
// (see table); a finding is named only where one fits, otherwise acquire
// reports TOKEN_REQUEST_FAILED.
func addSignIn(add func(code int, name, findingCode, side, cause, fix string)) {
	// Users who are not in the tenant asked.
	add(50020, "UserUnauthorized", "", sideAdmin,
		"the signed-in account comes from another identity provider or tenant and does not exist in the tenant asked, so it cannot use the application there",
		"sign in to the tenant the account belongs to (az login --tenant T, or --tenant), or have an admin invite the account as a guest (B2B) in this tenant")
	add(50034, "UserAccountNotFound", "", sideUser,
		"the user account does not exist in the directory: a mistyped user name, or the application chose the wrong tenant",
		"check the user name and the tenant (--tenant); if the user should sign in here, an admin adds them to the tenant or invites them as a guest")
	add(51004, "UserAccountNotInDirectory", "", sideUser,
		"the user account does not exist in the directory; the application likely chose the wrong tenant",
		"sign in to the user's own tenant, or have an admin invite the user as a guest")
	add(16000, "InteractionRequired (account not in tenant)", finding.InteractionRequired, sideUser,
		"the account does not exist in the tenant asked and cannot use the application there; common with a personal Microsoft account that has no directory",
		"sign in with an account of the tenant (az login --tenant T), or have an admin add the account as an external user")
	add(90072, "PassThroughUserMfaError", finding.InteractionRequired, sideAdmin,
		"the external account does not exist in the tenant signed in to, so it cannot satisfy that tenant's MFA requirements",
		"have an admin add the account as an external user of the tenant, or sign in with an account of that tenant")
	add(500212, "NotAllowedByOutboundPolicyTenant", "", sideAdmin,
		"the user's home tenant has a cross-tenant outbound access policy that does not allow access to the resource tenant",
		"an admin of the user's home tenant allows the resource tenant in External Identities > Cross-tenant access settings")
	add(500213, "NotAllowedByInboundPolicyTenant", "", sideAdmin,
		"the resource tenant's cross-tenant access policy does not allow this user in",
		"an admin of the resource tenant allows the user's tenant in External Identities > Cross-tenant access settings")
	add(500021, "TenantRestrictionsAccessDenied", "", sideAdmin,
		"tenant restrictions are configured on the network (the Restrict-Access-To-Tenant header) and the tenant asked is not among the allowed ones",
		"use an allowed tenant, or have the network's admin add this tenant to the tenant restrictions list")

	// Accounts and passwords.
	add(50053, "IdsLocked", finding.InteractionRequired, sideUser,
		"the account is locked after too many sign-ins with a wrong user ID or password, or the sign-in came from an IP address with malicious activity",
		"wait and sign in again with the right password; an admin finds which of the two it was in Sign-in logs (error code 50053, Failure reason)")
	add(50055, "InvalidPasswordExpiredPassword", finding.InteractionRequired, sideUser,
		"the user's password has expired",
		"reset the password (self-service, or an admin resets it), then sign in again")
	add(50057, "UserDisabled", "", sideAdmin,
		"the user account is disabled",
		"an admin re-enables the account (Users > the user > Account enabled), or use another account")
	add(50133, "SsoArtifactRevoked", finding.InteractionRequired, sideUser,
		"the session is not valid any more: the password expired or was changed recently",
		"sign in again: az login / azd auth login")
	add(50089, "FlowTokenExpired", finding.InteractionRequired, sideUser,
		"the sign-in flow took too long and its flow token expired (expected: codes, refresh tokens and sessions expire or are revoked)",
		"start the sign-in again")

	// MFA, devices and conditional access.
	add(50072, "UserStrongAuthEnrollmentRequiredInterrupt", finding.InteractionRequired, sideUser,
		"the user must register a second authentication factor (interactive)",
		"sign in interactively once and complete the MFA registration, then retry")
	add(50074, "UserStrongAuthClientAuthNRequiredInterrupt", finding.InteractionRequired, sideUser,
		"strong authentication is required and the user did not pass the MFA challenge",
		"sign in again interactively and complete MFA: az login / azd auth login")
	add(50078, "UserStrongAuthExpired", finding.InteractionRequired, sideUser,
		"the multifactor authentication presented has expired under the tenant's policies",
		"sign in again and complete MFA: az login --scope <resource>/.default, or azd auth login")
	add(50097, "DeviceAuthenticationRequired", finding.InteractionRequired, sideUser,
		"device authentication is required (a conditional access policy asks for a known device)",
		"sign in from a registered or joined device, or ask an admin which policy applies (sign-in logs, by correlation ID)")
	add(50131, "ConditionalAccessFailed", finding.InteractionRequired, sideAdmin,
		"a conditional access check failed: device state, suspicious activity, or an access or security policy decision",
		"look up the sign-in by correlation ID in Sign-in logs > Conditional Access to see the policy and condition; an admin adjusts it or you meet it")
	add(53000, "DeviceNotCompliant", finding.InteractionRequired, sideUser,
		"conditional access requires a compliant device and this one is not",
		"enrol the device with the organisation's MDM (Intune) and make it compliant, or use a compliant device")
	add(53001, "DeviceNotDomainJoined", finding.InteractionRequired, sideUser,
		"conditional access requires a domain-joined device and this one is not",
		"use a domain-joined (or hybrid joined) device")
	add(53004, "ProofUpBlockedDueToRisk", finding.InteractionRequired, sideUser,
		"the user must complete MFA registration before accessing this, and registration is blocked for now because of risk",
		"register for MFA from a trusted location or device; an admin can remediate the user's risk in Identity Protection")
	add(530032, "BlockedByConditionalAccessOnSecurityPolicy", finding.InteractionRequired, sideAdmin,
		"a tenant-level security policy blocks this request",
		"check the tenant's security policies against the request (sign-in logs, by correlation ID); an admin adjusts them")
	add(530035, "BlockedBySecurityDefaults", finding.InteractionRequired, sideAdmin,
		"security defaults blocked the request: legacy authentication, or a request they judge unsafe",
		"use modern authentication (an interactive sign-in with MFA, or an app-only flow for automation); an admin reviews security defaults")
	add(70043, "BadTokenDueToSignInFrequency", finding.InteractionRequired, sideUser,
		"the refresh token expired or is invalid because of conditional access sign-in frequency",
		"sign in again: az login / azd auth login")
	add(70000, "InvalidGrant", finding.InteractionRequired, sideUser,
		"the refresh token (or other grant) is not valid",
		"sign in again: az login / azd auth login")
	add(700020, "InteractionRequired", finding.InteractionRequired, sideUser,
		"the access grant requires interaction",
		"sign in again interactively, then retry")

	// Consent.
	add(65004, "UserDeclinedConsent", finding.ConsentRequired, sideUser,
		"the user declined to consent to the application's access",
		"sign in again and accept the consent prompt, or have an admin grant consent for the tenant (Enterprise applications > the app > Permissions)")
	add(65005, "MisconfiguredApplication", finding.ConsentRequired, sideAppReg,
		"the client asked for access to a resource it does not list in its required permissions, or the resource is not discoverable (for SAML apps: a wrong identifier)",
		"add the API to the client's App registrations > API permissions, grant admin consent, and ask for that resource's scopes")
	add(65002, "ConsentNeedsPreauthorization (first-party)", finding.ConsentRequired, sideClient,
		"a Microsoft-owned client (az, azd, Visual Studio, ...) asked for an API that has not pre-authorized it; often someone reuses a Microsoft app ID for their own API",
		"register your own client application and use it (client credentials, or its own sign-in) instead of a Microsoft app ID")
	add(90094, "AdminConsentRequired", finding.ConsentRequired, sideAdmin,
		"administrator consent is required for the permissions asked",
		"an admin grants consent: Enterprise applications > the client > Permissions > Grant admin consent")
	add(90008, "TokenForItselfRequiresGraphPermission", finding.ConsentRequired, sideAppReg,
		"the application asked for a token for itself and nobody consented to its minimum permission (sign in and read user profile)",
		"add Microsoft Graph User.Read to the app's API permissions and grant consent")

	// The client application and its credential.
	add(70001, "UnauthorizedClient", finding.ClientNotFound, sideAdmin,
		"the application is disabled, or not found in the directory",
		"check the client ID and the tenant; an admin re-enables the app in Enterprise applications > the app > Properties")
	add(700011, "UnauthorizedClientAppNotFoundInOrgIdTenant", finding.ClientNotFound, sideClient,
		"no application with this identifier exists in the tenant asked",
		"use the Application (client) ID from App registrations > Overview and the tenant it is registered in (or consented to)")
	add(70002, "InvalidClient", finding.InvalidClientSecret, sideClient,
		"the client credentials do not validate: the client_secret does not match the expected value for this client",
		"use the secret's Value from App registrations > Certificates & secrets (not its Secret ID), or create a new secret")
	add(700025, "InvalidClientPublicClientWithCredential", finding.TokenRequestFailed, sideAppReg,
		"the client is registered as a public client, so it may send neither client_secret nor client_assertion",
		"for a daemon or API, turn off App registrations > the app > Authentication > Allow public client flows; for a public client, send no credential")
	add(700030, "InvalidCertificateSubjectName", finding.ClientAssertionInvalid, sideAppReg,
		"the certificate's subject name is not authorized for this app (subject name and issuer authentication)",
		"use the certificate registered for the app, or add its subject name to the app's trusted subjects")
	add(50012, "AuthenticationFailed", finding.ClientAssertionInvalid, sideAppReg,
		"the client's authentication failed: the signing certificate's subject or thumbprint is not authorized, its chain or the certificate is not valid, or the client assertion's signature is invalid",
		"sign the assertion with a certificate uploaded to App registrations > Certificates & secrets (compare thumbprints) and check it has not expired")
	add(50027, "InvalidJwtToken", finding.ClientAssertionInvalid, sideClient,
		"a JWT given to Entra (client assertion, federated token) is invalid: missing claims, unexpected issuer or audience, outside its validity, badly formed, or its signature fails",
		"inspect the JWT you sent: entratoken inspect @assertion.jwt --no-verify; check iss, aud, exp and nbf")
	add(50048, "SubjectMismatchesIssuer", finding.ClientAssertionInvalid, sideClient,
		"the client assertion's sub does not equal its iss; both must be the client ID",
		"set both iss and sub of the client assertion to the application's client ID")
	add(900384, "JwtSignatureValidationFailed", finding.ClientAssertionInvalid, sideClient,
		"a JWT given to Entra failed signature validation; the returned message has the details",
		"sign with the key Entra knows for this app (the uploaded certificate, or the federated issuer's published keys); read the returned message")
	add(700229, "ForbiddenTokenType", finding.FederatedMismatch, sideCI,
		"an Entra-issued token used as a federated credential must be app-only; a delegated (user) token was given",
		"use an app-only token (from a client credentials or managed identity flow) as the federated assertion")
	add(7000114, "OnBehalfOfNotAllowed", "", sideAppReg,
		"the application is not allowed to make application on-behalf-of calls",
		"use a supported flow: the user's token with the on-behalf-of flow, or client credentials for the app's own access")
	add(50146, "MissingCustomSigningKey", "", sideAppReg,
		"the app must be configured with an app-specific signing key (claims mapping in use) and it has none, or the key has expired or is not yet valid",
		"configure a custom signing key for the app, or set acceptMappedClaims in its manifest for an audience in the tenant's verified domains or its GUID")
	add(50011, "InvalidReplyTo", "", sideAppReg,
		"the redirect (reply) URI sent is missing, or does not match one configured for the app (scheme, host, path, case and trailing slash count)",
		"add the exact redirect URI under App registrations > the app > Authentication (the platform that matches: web, SPA, mobile and desktop)")
	add(700054, "ResponseTypeIdTokenNotEnabled", "", sideAppReg,
		"the app asked for an ID token from the authorize endpoint but ID token implicit grant is not enabled",
		"turn on ID tokens under App registrations > the app > Authentication > Implicit grant and hybrid flows, or use the authorization code flow")
	add(70003, "UnsupportedGrantType", finding.TokenRequestFailed, sideClient,
		"the grant type sent is not supported",
		"use a supported grant type (client_credentials, authorization_code, refresh_token, urn:ietf:params:oauth:grant-type:jwt-bearer)")
	add(54005, "AuthorizationCodeAlreadyRedeemed", finding.InteractionRequired, sideClient,
		"the OAuth2 authorization code was already redeemed",
		"start a new sign-in for a new code, or use the refresh token already obtained")

	// Tenants, endpoints and scopes.
	add(50194, "MultiTenantEndpointNotAllowed", finding.TenantNotFound, sideClient,
		"the application is not multi-tenant, and /common is not supported for single-tenant apps created after a cut-off date",
		"use the tenant-specific endpoint: pass --tenant (or AZURE_TENANT_ID), or make the app multi-tenant")
	add(90124, "V1ResourceV2GlobalEndpointNotSupported", finding.TenantNotFound, sideClient,
		"the resource is not supported over /common or /consumers",
		"use /organizations or the tenant-specific endpoint: pass --tenant")
	add(90019, "MissingTenantRealm", finding.TenantNotFound, sideClient,
		"Entra could not determine the tenant from the request",
		"pass --tenant (or AZURE_TENANT_ID)")
	add(900382, "CrossCloudConfidentialClientNotSupported", finding.TenantNotFound, sideClient,
		"a confidential client (secret, certificate) is not supported in a cross-cloud request",
		"ask the cloud the tenant lives in with --authority-host (e.g. https://login.microsoftonline.us/), with an app registered there")
	add(28002, "InvalidScope (authorization code)", finding.InvalidScope, sideClient,
		"the scope given is not valid when requesting an access token",
		"request a scope the API exposes, e.g. api://<api>/<scope> or <resource>/.default")
	add(700023, "InvalidResourcelessScope", finding.InvalidScope, sideClient,
		"the scope has no resource part (e.g. a bare Orders.Read), so it is not valid for an access token",
		"name the resource in the scope: api://<api>/Orders.Read, or --resource api://<api> for app-only flows")
	add(50196, "LoopDetected", "", sideClient,
		"the client made too many of the same request in too short a time: it does not cache tokens, or retries an error in a loop",
		"cache tokens until shortly before they expire (entratoken acquire prints the expiry) and do not retry a refusal without a change")

	// Passing failures.
	add(50000, "TokenIssuanceError", finding.TokenRequestFailed, sideService,
		"Entra's sign-in service had a problem issuing the token",
		"retry after a short wait; if it persists, open a support request with the trace and correlation IDs")
	add(90033, "MsodsServiceUnavailable", finding.TokenRequestFailed, sideService,
		"the directory service behind Entra was not available",
		"retry after a short wait")
}
