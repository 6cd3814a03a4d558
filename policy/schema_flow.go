package policy

// Control flow, routing and outgoing-request policies. Sources and rules:
// see schema_access.go.

func flowPolicies() []*elemDef {
	// The children of send-request and send-one-way-request: the page lists
	// set-url, set-method, set-header, set-body, authentication-certificate
	// (and proxy for send-one-way-request); the schema adds the managed
	// identity and token-store authentications and proxy to both.
	request := func() opt {
		return func(e *elemDef) {
			kids(leaf("set-url", ""))(e)
			uses("set-method set-header set-body authentication-certificate authentication-managed-identity authentication-token authentication-token-store proxy")(e)
		}
	}
	return []*elemDef{
		// choose-policy (2022-12-08): at least one <when condition>, an
		// optional <otherwise>, each holding policies of the section.
		pol("choose", allSection, "choose-policy",
			kids(el("when", a("condition!"), holdsPols), el("otherwise", holdsPols))),
		// retry-policy (2022-12-08): "may contain any other policies".
		pol("retry", allSection, "retry-policy",
			a("condition! count! interval! max-interval delta first-fast-retry?"), holdsPols),
		// wait-policy (2024-07-23): "may contain as child elements only
		// send-request, cache-lookup-value, and choose"; the schema adds
		// forward-request, cache-store-value and the managed identity and
		// token authentications. Inbound, outbound, backend on the page,
		// on-error in the toolkit.
		pol("wait", allSection, "wait-policy", a("for=all|any"), sectionKids,
			uses("send-request cache-lookup-value choose forward-request cache-store-value authentication-managed-identity authentication-token")),
		// include-fragment-policy (2024-07-23); policy-fragments (2026-02-10):
		// "a policy fragment can't nest another policy fragment".
		pol("include-fragment", allSection, "include-fragment-policy", a("fragment-id!"), notInFrag),
		// forward-request-policy (2022-11-15; timeout-ms, continue-timeout,
		// http-version: schema).
		pol("forward-request", backend, "forward-request-policy",
			a("timeout timeout-ms continue-timeout follow-redirects? buffer-request-body? buffer-response? fail-on-error-status-code? http-version")),
		// set-backend-service-policy (2022-12-02): inbound, backend on the
		// page; the toolkit allows every section. sf-replica-type is in the
		// page's example, the dapr-* attributes on
		// set-backend-service-dapr-policy (2024-03-18).
		pol("set-backend-service", allSection, "set-backend-service-policy",
			a("base-url backend-id sf-resolve-condition sf-service-instance-name sf-partition-key sf-listener-name sf-replica-type=primary|secondary dapr-app-id dapr-method dapr-namespace")),
		// proxy-policy (2022-11-18); also a child of the send-request policies.
		pol("proxy", inbound, "proxy-policy", a("url! username password")),
		// send-request-policy (2022-11-18): response-variable-name is "Yes"
		// on the page, optional in the schema; timeout-ms, buffer-response,
		// fail-on-error-status-code: schema.
		pol("send-request", allSection, "send-request-policy",
			a("mode=new|copy response-variable-name timeout timeout-ms ignore-error? buffer-response? fail-on-error-status-code?"), request()),
		// send-one-way-request-policy (2023-08-02).
		pol("send-one-way-request", allSection, "send-one-way-request-policy", a("mode=new|copy timeout"), request()),
		// log-to-eventhub-policy (2024-07-23): the message is the text.
		pol("log-to-eventhub", allSection, "log-to-eventhub-policy", a("logger-id! partition-id partition-key"), text),
		// trace-policy (2022-11-21): inbound, outbound, backend on the page,
		// on-error in the toolkit.
		pol("trace", allSection, "trace-policy", a("source! severity=verbose|information|error"),
			kids(leaf("message", ""), leaf("metadata", "name! value!"))),
		// emit-metric-policy (2024-03-18; default-dimensions: schema).
		pol("emit-metric", allSection, "emit-metric-policy", a("name! namespace value default-dimensions?"),
			kids(leaf("dimension", "name! value"))),
		// Not in the reference, in the VS Code extension's schemas and (for
		// invoke-request) the policy toolkit: known by name only.
		pol("invoke-request", allSection, "", undocumented),
		pol("block", allSection, "", undocumented),
		pol("set-request-metric-dimension-value", allSection, "", undocumented),
	}
}

// integrationPolicies: Dapr, Service Bus and the validation policies.
func integrationPolicies() []*elemDef {
	const action = "=ignore|prevent|detect"
	params := func(name, spec string) *elemDef {
		return el(name, a(spec), kids(leaf("parameter", "name action"+action)))
	}
	return []*elemDef{
		// publish-to-dapr-policy (2022-12-07): inbound on the page; the
		// toolkit adds outbound and on-error. The page writes
		// template="Liquid": values are compared without regard to case.
		pol("publish-to-dapr", inOutErr, "publish-to-dapr-policy",
			a("pubsub-name topic! ignore-error? response-variable-name timeout template=liquid content-type"), anything),
		// invoke-dapr-binding-policy (2024-07-23).
		pol("invoke-dapr-binding", inOutErr, "invoke-dapr-binding-policy",
			a("name! operation ignore-error? response-variable-name timeout template=liquid content-type"),
			kids(el("metadata", kids(leaf("item", "key!"))), el("data", anything))),
		// send-service-bus-message-policy (2025-08-26, preview).
		pol("send-service-bus-message", inOutErr, "send-service-bus-message-policy",
			a("queue-name topic-name namespace client-id"),
			kids(leaf("payload", ""), el("message-properties", kids(leaf("message-property", "name!"))))),
		// validate-content-policy (2022-12-05; case-insensitive-property-names:
		// schema). The schema requires content@action, the page's table
		// does not list it.
		pol("validate-content", inOutErr, "validate-content-policy",
			a("unspecified-content-type-action!"+action+" max-size! size-exceeded-action!"+action+" errors-variable-name"),
			kids(
				el("content-type-map", a("any-content-type-value missing-content-type-value"), kids(leaf("type", "from when to"))),
				leaf("content", "type validate-as!=json|xml|soap schema-id schema-ref action"+action+" allow-additional-properties? case-insensitive-property-names?"),
			)),
		// validate-headers-policy (2024-03-18).
		pol("validate-headers", outErr, "validate-headers-policy",
			a("specified-header-action!"+action+" unspecified-header-action!"+action+" errors-variable-name"),
			kids(leaf("header", "name action"+action))),
		// validate-parameters-policy (2022-12-05): the required actions are
		// the top level's; <headers>, <query>, <path> override them.
		pol("validate-parameters", inbound, "validate-parameters-policy",
			a("specified-parameter-action!"+action+" unspecified-parameter-action!"+action+" errors-variable-name"),
			kids(
				params("headers", "specified-parameter-action"+action+" unspecified-parameter-action"+action),
				params("query", "specified-parameter-action"+action+" unspecified-parameter-action"+action),
				params("path", "specified-parameter-action"+action),
			)),
		// validate-status-code-policy (2022-12-05).
		pol("validate-status-code", outErr, "validate-status-code-policy",
			a("unspecified-status-code-action!"+action+" errors-variable-name"),
			kids(leaf("status-code", "code! action!"+action))),
		// validate-odata-request-policy (2024-07-23).
		pol("validate-odata-request", inbound, "validate-odata-request-policy",
			a("error-variable-name default-odata-version min-odata-version max-odata-version max-size")),
		// validate-graphql-request-policy (2022-12-02): max-size is "Yes" on
		// the page, optional in the schema; max-total-depth and
		// max-complexity: schema. Rule actions: the page's allow, remove,
		// reject, ignore.
		pol("validate-graphql-request", inbound, "validate-graphql-request-policy",
			a("error-variable-name max-size max-depth max-total-depth max-complexity"),
			kids(el("authorize", kids(leaf("rule", "path! action=allow|remove|reject|ignore"))))),
	}
}
