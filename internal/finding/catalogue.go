package finding

import (
	"sort"
	"sync"
)

// Doc explains a finding code: when it is reported, and the usual fix.
type Doc struct {
	Code string `json:"code"`
	When string `json:"when"`
	Fix  string `json:"fix"`
	Side string `json:"side"`
}

// Describe returns the documentation of a finding code.
func Describe(code string) (Doc, bool) {
	d, ok := catalogue()[code]
	d.Code = code
	return d, ok
}

// Catalogue returns every documented code, sorted.
func Catalogue() []Doc {
	out := make([]Doc, 0, len(catalogue()))
	for c := range catalogue() {
		d, _ := Describe(c)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

const (
	client = "client"
	appReg = "Entra app registration"
	apim   = "APIM policy"
	admin  = "tenant admin"
)

// catalogue is built on first use: most runs never need it, and building it
// at start-up cost every invocation about 0.1 ms.
var catalogue = sync.OnceValue(func() map[string]Doc {
	return map[string]Doc{
		TokenMissing:           {When: "no token in the request or input", Fix: "send Authorization: Bearer <token>; check that the variable holding the token is set", Side: client},
		TokenMalformed:         {When: "not a compact JWS: wrong segment count, base64url or JSON", Fix: "copy the whole token (three dot-separated parts starting with eyJ); do not edit it", Side: client},
		TokenEncrypted:         {When: "a JWE (5 segments): an encrypted token only its recipient can read", Fix: "send the access token for your API, which Entra signs but does not encrypt", Side: client},
		SchemeMissing:          {When: "the Authorization header lacks the Bearer scheme the policy requires", Fix: "send Authorization: Bearer <token>", Side: client},
		Unsigned:               {When: "alg is none or the signature is empty", Fix: "refuse it: anyone could have written it; get a token from Entra", Side: client},
		AlgNotAllowed:          {When: "an algorithm Entra never uses for access tokens (HS256, ...)", Fix: "refuse it; Entra signs access tokens with RS256", Side: client},
		SigningKeyNotFound:     {When: "the kid is not among the tenant's keys: another tenant, a retired key, a forgery, or an app with custom signing keys", Fix: "check the token's tenant; for custom signing keys use the metadata with ?appid=<app-id>", Side: client},
		SignatureInvalid:       {When: "the key was found and the signature does not verify", Fix: "the token was altered or forged; get a new one and do not edit it", Side: client},
		GraphToken:             {When: "a token for Microsoft Graph (nonce header or Graph audience): the wrong resource was requested", Fix: "request a token for your own API: api://<your-api>/.default (app-only) or api://<your-api>/<scope> (delegated)", Side: client},
		Expired:                {When: "exp is in the past (with the validator's clock skew)", Fix: "acquire a new token; renew before expiry (tokens live 60-90 minutes)", Side: client},
		NotYetValid:            {When: "nbf is in the future", Fix: "check the clocks of the client and the validator", Side: client},
		ExpirationMissing:      {When: "no usable exp claim", Fix: "use a token issued by Entra; validators require an expiry by default", Side: client},
		AudienceMismatch:       {When: "aud is not an accepted audience (often the same app in its other form: App ID URI vs client ID)", Fix: "request the scope of the API the policy protects, or list both forms of the API in <audiences>", Side: client + " or " + apim},
		IssuerVersionMismatch:  {When: "same tenant, other token version: v1 https://sts.windows.net/{tid}/ vs v2 https://login.microsoftonline.com/{tid}/v2.0", Fix: "set accessTokenAcceptedVersion on the API's app registration (not the client's), or accept both issuers in the policy", Side: appReg + " or " + apim},
		IssuerMismatch:         {When: "the issuer is not accepted for any other reason", Fix: "add the token's issuer to <issuers>, or get a token from the tenant the API trusts", Side: apim},
		TenantMismatch:         {When: "tid is another tenant", Fix: "get the token from the API's tenant, or allow the tenant in the policy (multi-tenant APIs)", Side: client},
		RoleMissing:            {When: "a required app role is not in roles (no roles at all: nothing assigned, or admin consent missing)", Fix: "assign the app role to the client's service principal and grant admin consent; a role defined on the client's own registration does not count", Side: admin},
		ScopeMissing:           {When: "a required delegated scope is not in scp", Fix: "request the scope (api://<api>/<scope>) and consent to it", Side: client},
		TokenTypeMismatch:      {When: "an app-only token where a user token is required, or the reverse", Fix: "use the flow the API expects: client credentials for roles, a user sign-in for scp", Side: client},
		ClaimMismatch:          {When: "another required claim fails", Fix: "compare the claim with the policy's <required-claims>", Side: client + " or " + apim},
		ClientAppNotAllowed:    {When: "appid/azp is not in client-application-ids", Fix: "add the client's application ID to the policy, or call with an allowed client", Side: apim},
		SubscriptionKeyMiss:    {When: "the API requires Ocp-Apim-Subscription-Key and none was sent", Fix: "send the key in Ocp-Apim-Subscription-Key (or the subscription-key query parameter)", Side: client},
		SubscriptionKeyInvalid: {When: "APIM refused the subscription key sent: not a key of an active subscription for this API", Fix: "copy the key again from the portal (Subscriptions); check the subscription's scope and state", Side: client},
		HeaderCheckFailed:      {When: "a check-header of the policy failed: the header is missing or has a value it does not accept", Fix: "send the header with a value the policy's check-header accepts", Side: client},
		BackendRejected:        {When: "APIM let the request through and the backend refused it (its own WWW-Authenticate)", Fix: "the backend validates the token itself: compare its expected audience and issuer with the token (entratoken inspect)", Side: client},
		ForbiddenByPolicy:      {When: "a choose/otherwise branch returns 403 for this token", Fix: "see the branch's condition; the token does not satisfy it", Side: apim},
		ScopeNotDefault:        {When: "an app-only flow asked for a scope without /.default (AADSTS1002012)", Fix: "request <resource>/.default", Side: client},
		InvalidScope:           {When: "AADSTS70011 (or 28000, 700022): the scope is not valid", Fix: "request a scope the API exposes; one resource per token", Side: client},
		ResourceNotFound:       {When: "AADSTS500011: the App ID URI is wrong or not in this tenant", Fix: "copy the Application ID URI from the API's Expose an API page; append /.default", Side: client},
		ClientNotFound:         {When: "AADSTS700016: no such client ID in this tenant", Fix: "use the Application (client) ID and Directory (tenant) ID from the app's Overview page", Side: client},
		InvalidClientSecret:    {When: "AADSTS7000215: the client secret is wrong", Fix: "use the secret's Value, not its Secret ID", Side: client},
		ClientSecretExpired:    {When: "AADSTS7000222: the client secret expired", Fix: "create a new secret and update the caller", Side: appReg},
		ConsentRequired:        {When: "AADSTS65001: nobody consented to the client calling the API", Fix: "grant admin consent, or authorize the client in the API's Expose an API", Side: admin},
		TenantNotFound:         {When: "AADSTS90002: no such tenant in this cloud", Fix: "check the tenant; sovereign clouds need --authority-host", Side: client},
		ManagedIdentityUnavail: {When: "no managed identity endpoint answered", Fix: "run where the identity is (App Service, Functions, VM) and check it is enabled and assigned", Side: client},
		CLINotLoggedIn:         {When: "azd / az has no signed-in account", Fix: "azd auth login / az login", Side: client},
		CLINotInstalled:        {When: "azd / az is not on PATH", Fix: "install it or choose another --method", Side: client},
		CredentialMissing:      {When: "the method needs a credential or setting that was not given", Fix: "the message names what is missing", Side: client},
		ClientAssertionInvalid: {When: "a certificate or federated assertion was refused (AADSTS700027, 700024, 50013)", Fix: "upload the certificate used, or sync the clock", Side: appReg},
		FederatedMismatch:      {When: "no federated credential matches the token's issuer/subject/audience (AADSTS70021, 700211, 700213)", Fix: "make the federated credential match the token's iss, sub and aud exactly", Side: appReg},
		RoleAssignmentRequired: {When: "the API requires assignment and the caller has no role (AADSTS501051, 50105)", Fix: "assign an app role to the caller, or turn Assignment required off", Side: admin},
		InteractionRequired:    {When: "a user must sign in again or satisfy MFA / conditional access", Fix: "sign in interactively (az login / azd auth login)", Side: "user"},
		IDToken:                {When: "the token is an ID token (the client's proof of sign-in: aud is the client itself, no scp, no roles), not an access token", Fix: "send the access token: acquireTokenSilent/acquire for the API's scope (api://<api>/<scope>), not the id_token from sign-in", Side: client},
		TokenRequestFailed:     {When: "the token request failed for a reason not in the table", Fix: "see Entra's message; entratoken explain <AADSTS code>", Side: client},
		UntrustedKeyReference:  {When: "the token header names its own key (jku, x5u, jwk, x5c); it is ignored", Fix: "treat the token as suspect: Entra never sets these on access tokens", Side: client},
		KeysUnavailable:        {When: "the tenant's metadata or key set could not be had", Fix: "check --authority-host and the network, or pass --jwks FILE", Side: client},
		PolicyNoAudience:       {When: "lint: the policy accepts any audience of the tenant", Fix: "add <audiences> with your API's client ID and App ID URI", Side: apim},
		PolicyIssuerConflict:   {When: "lint: the policy's issuers and its openid-config disagree on token version", Fix: "use the metadata of the version your API issues, or list both issuers", Side: apim},
		PolicyUnsatisfiable:    {When: "lint: no token can pass", Fix: "remove the contradiction the finding names", Side: apim},
		PolicyUnsupported:      {When: "an element or expression that cannot be evaluated offline", Fix: "check it by hand or with the APIM trace; entratoken did not pass it silently", Side: apim},
		PolicyInvalid:          {When: "an element or attribute APIM would refuse when the policy is saved (a typo, a misplaced element, a missing required attribute)", Fix: "use the name the finding suggests; APIM's policy reference lists every element and attribute", Side: apim},
		GatewayRefused:         {When: "the gateway refused with a message that names no specific check (a custom failed-validation-error-message, APIM's generic text, or a message entratoken does not know); the message is shown as it came", Fix: "diagnose with the API's policy (--policy, --apiops, --apim) or read the gateway's trace for the check that failed", Side: client + " or " + apim},
		TokenTruncated:         {When: "the signature is shorter than the signing key's size: the token was cut off when copied", Fix: "copy the whole token again (a terminal or log may have cut it); it is not a forgery", Side: client},
		PredictionDisagrees:    {When: "the gateway answered differently from the prediction under the given policy: the policy that ran is not the one given (another scope, revision, a stale file)", Fix: "believe the gateway: diagnose with the effective policy (--apiops DIR or --apim) or read the gateway's trace", Side: apim},
		RequestRewritten:       {When: "a statement before the validation changes or removes what it validates (set-header on Authorization, authentication-managed-identity, ...)", Fix: "move the validation before the statement that rewrites the request", Side: apim},
		APINotFound:            {When: "the URL matches no API of the service: the gateway answers 404", Fix: "check the URL's path against the APIs' paths the finding lists (version segment, ;rev=N)", Side: client},
		OperationNotFound:      {When: "the URL matches an API but none of its operations (method and URL template): the gateway answers 404", Fix: "check the method and path against the operations the finding lists", Side: client},
		EvidenceForbidden:      {When: "the credential may not read a piece of evidence (an ARM action or a Graph permission)", Fix: "ask for the role or permission the finding names, or diagnose from saved evidence (--apiops DIR)", Side: admin},
		EvidenceUnavailable:    {When: "a piece of evidence could not be had (network, throttling, not found)", Fix: "retry, or give the evidence as files", Side: client},
		AppRoleNotDefined:      {When: "the role the policy requires is not among the API registration's app roles", Fix: "define the app role on the API's registration (App roles), or fix the role name in the policy", Side: appReg},
		AppRoleDisabled:        {When: "the role is defined on the API's registration but disabled", Fix: "enable the app role (App roles > the role > Enable)", Side: appReg},
		AppRoleNotAssigned:     {When: "the role exists and the client's service principal has no assignment of it", Fix: "assign the role to the client (API permissions > Grant admin consent, or az rest POST .../appRoleAssignedTo)", Side: admin},
		AssignmentNewer:        {When: "the role assignment was made after the token was issued (managed identity tokens are cached up to 24 h)", Fix: "get a new token; a managed identity gets one when its cached token expires", Side: client},
		TokenVersionSetting:    {When: "the API registration's requestedAccessTokenVersion issues tokens of the other version than the policy expects", Fix: "set api.requestedAccessTokenVersion (Manifest: accessTokenAcceptedVersion) to the version the policy expects, or accept both issuers", Side: appReg},
		IdentifierURIUnknown:   {When: "the aud or requested resource is not among the API registration's identifier URIs or client ID", Fix: "request the API's Application ID URI as shown on Expose an API, or add the URI there", Side: appReg},
		CredentialExpiring:     {When: "a client secret or certificate of the client expires within 30 days, or has expired", Fix: "add a new secret or certificate (Certificates & secrets), roll the caller over, then remove the old one", Side: appReg},
		TraceUnavailable:       {When: "the gateway's trace could not be had: no Apim-Trace-Id, tracing not supported here, or no right to a debug credential or to listTrace", Fix: "tracing needs Contributor-level actions on the service (listDebugCredentials, listTrace) and a gateway that supports it", Side: admin},
		TraceCredentialExpired: {When: "the gateway said the debug credential expired, also after one retry with a new one", Fix: "check the clocks; ask for a new debug credential", Side: client},
		GatewayHostUnknown:     {When: "the request's host is not a gateway host name of the service whose policies were read (--apim): a proxy in front of it, or another service", Fix: "check --apim, or use --apim auto to find the service by the URL's host", Side: client},
		TraceWrongAPI:          {When: "the gateway routed the request to another API than the one matched", Fix: "the URL belongs to the API the gateway names: diagnose against that one", Side: client},
	}
})
