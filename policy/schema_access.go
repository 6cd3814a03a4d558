package policy

// Authentication, authorization and rate-limiting policies.
//
// Sources, for every entry: the policy's page in Microsoft's reference,
// MicrosoftDocs/azure-docs articles/api-management/<page>.md (the ms.date of
// the version read is given), cross-checked against the policy schemas
// Microsoft ships with its VS Code extension (microsoft/vscode-apimanagement
// resources/policySchemas, 2025-02) and the section contexts of Microsoft's
// policy toolkit (Azure/azure-api-management-policy-toolkit). The rules used
// where they disagree (see also schema_table.go):
//   - an attribute is known if the page or the extension's schema names it;
//   - it is required only if the page says Yes and the schema agrees;
//   - a policy may stand in a section the page or the toolkit allows.

func accessPolicies() []*elemDef {
	claim := func() *elemDef {
		// validate-jwt's page lists only match and separator in its claim
		// table (name is in the statement); validate-azure-ad-token's says
		// name is required; the schema makes none required.
		return el("claim", a("name match=all|any separator"), kids(leaf("value", "")))
	}
	key := func() *elemDef { return leaf("key", "id certificate-id n e") }
	return []*elemDef{
		// validate-jwt-policy (2024-03-18). One of header-name,
		// query-parameter-name, token-value is needed (not enforced: the
		// header defaults in practice). openid-config@host,
		// issuer-signing-tokens and zumo-master-key come from the schema only.
		pol("validate-jwt", inbound, "validate-jwt-policy",
			a("header-name query-parameter-name token-value failed-validation-httpcode failed-validation-error-message require-expiration-time? require-scheme require-signed-tokens? clock-skew output-token-variable-name"),
			kids(
				leaf("openid-config", "url! host"),
				el("issuer-signing-keys", kids(key(), leaf("zumo-master-key", "id"))),
				list("issuer-signing-tokens", "token"),
				el("decryption-keys", kids(key())),
				list("audiences", "audience"),
				list("issuers", "issuer"),
				el("required-claims", kids(claim())),
			)),
		// validate-azure-ad-token-policy (2022-12-08; the schema adds
		// authentication-endpoint, require-scheme, the allow-* flags and
		// decryption-keys). The page marks client-application-ids as
		// required; real policies omit it (testdata/policies/shape3-full.xml)
		// and the schema does not require it: not enforced.
		pol("validate-azure-ad-token", inbound, "validate-azure-ad-token-policy",
			a("tenant-id! header-name query-parameter-name token-value failed-validation-httpcode failed-validation-error-message output-token-variable-name authentication-endpoint require-scheme allow-protected-forwarded-tokens? allow-proof-of-possession-tokens?"),
			kids(
				list("client-application-ids", "application-id"),
				list("backend-application-ids", "application-id"),
				list("audiences", "audience"),
				el("required-claims", kids(claim())),
				el("decryption-keys", kids(leaf("key", "id certificate-id"))),
			)),
		// check-header-policy (2022-12-08): the page marks
		// failed-check-error-message and ignore-case required, the schema
		// does not: only name and failed-check-httpcode are enforced.
		pol("check-header", inbound, "check-header-policy",
			a("name! failed-check-httpcode! failed-check-error-message ignore-case?"),
			kids(leaf("value", ""))),
		// ip-filter-policy (2022-12-08): action is "Yes" on the page,
		// optional with default allow in the schema.
		pol("ip-filter", inbound, "ip-filter-policy", a("action=allow|forbid"),
			kids(leaf("address", ""), leaf("address-range", "from! to!"))),
		// rate-limit-policy (2024-07-23): calls and renewal-period are "Yes"
		// on the page, optional in the schema. Scopes: product, API, operation.
		pol("rate-limit", inbound, "rate-limit-policy", a(rateLimitAttrs),
			kids(
				el("api", a(rateLimitAttrs+" name id"), kids(leaf("operation", rateLimitAttrs+" name id"))),
				leaf("operation", rateLimitAttrs+" name id"),
			)),
		// rate-limit-by-key-policy (2024-05-23; increment-after-response and
		// flexible-retry-window from the schema).
		pol("rate-limit-by-key", inbound, "rate-limit-by-key-policy",
			a("calls! renewal-period! counter-key! increment-condition increment-count increment-after-response? flexible-retry-window? retry-after-header-name retry-after-variable-name remaining-calls-header-name remaining-calls-variable-name total-calls-header-name")),
		// quota-policy (2024-07-23): renewal-period "Yes" on the page,
		// optional in the schema. Scope: product only (not checked here).
		pol("quota", inbound, "quota-policy", a("calls bandwidth renewal-period"),
			kids(el("api", a("name id calls bandwidth renewal-period"),
				kids(leaf("operation", "name id calls bandwidth renewal-period"))))),
		// quota-by-key-policy (2024-03-18; increment-count from the schema).
		pol("quota-by-key", inbound, "quota-by-key-policy",
			a("calls bandwidth renewal-period counter-key! increment-condition increment-count first-period-start")),
		// limit-concurrency-policy (2024-07-23): holds nested policies.
		pol("limit-concurrency", allSection, "limit-concurrency-policy", a("key! max-count!"), holdsPols),
		// cors-policy (2024-07-23).
		pol("cors", inbound, "cors-policy", a("allow-credentials? terminate-unmatched-request?"),
			kids(
				list("allowed-origins", "origin"),
				el("allowed-methods", a("preflight-result-max-age"), kids(leaf("method", ""))),
				list("allowed-headers", "header"),
				list("expose-headers", "header"),
			)),
		// cross-domain-policy (2022-11-18): the content is an Adobe
		// cross-domain policy file, not judged. Scope: global.
		pol("cross-domain", inbound, "cross-domain-policy", anything),
		// jsonp-policy (2024-03-18).
		pol("jsonp", outbound, "jsonp-policy", a("callback-parameter-name!")),
		// authentication-basic-policy (2022-12-01).
		pol("authentication-basic", inbound, "authentication-basic-policy", a("username! password!")),
		// authentication-certificate-policy (2022-12-01).
		pol("authentication-certificate", inbound, "authentication-certificate-policy", a("thumbprint certificate-id body password")),
		// authentication-managed-identity-policy (2024-07-23): inbound on
		// the page, outbound too in the toolkit; resource is "Yes" on the
		// page but optional in the schema.
		pol("authentication-managed-identity", inOut, "authentication-managed-identity-policy",
			a("resource client-id output-token-variable-name ignore-error?")),
		// get-authorization-context-policy (2024-07-23): inbound on the
		// page; the toolkit allows backend and outbound too.
		pol("get-authorization-context", inbound|backend|outbound, "get-authorization-context-policy",
			a("provider-id! authorization-id! context-variable-name! identity-type=managed|jwt identity ignore-error?")),
		// validate-client-certificate-policy (2025-01-30).
		pol("validate-client-certificate", inbound, "validate-client-certificate-policy",
			a("validate-revocation? validate-trust? validate-not-before? validate-not-after? ignore-error?"),
			kids(el("identities", kids(leaf("identity", "thumbprint serial-number common-name subject dns-name issuer-subject issuer-thumbprint issuer-certificate-id"))))),
		// Not in the reference, emitted by Microsoft's tools (the VS Code
		// extension's schemas): known by name only.
		pol("authentication-token", allSection, "", undocumented),
		pol("authentication-token-store", allSection, "", undocumented),
	}
}

// rateLimitAttrs are the attributes rate-limit shares with its <api> and
// <operation> children (the schema gives all of them to each).
const rateLimitAttrs = "calls renewal-period retry-after-header-name retry-after-variable-name remaining-calls-header-name remaining-calls-variable-name total-calls-header-name"
