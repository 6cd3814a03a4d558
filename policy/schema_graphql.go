package policy

// GraphQL resolver policies: the roots of a resolver's policy document,
// never statements in a section. Sources and rules: see schema_access.go.

func graphqlPolicies() []*elemDef {
	// Cosmos DB elements that take a Liquid template.
	tmpl := func(name, spec string) *elemDef { return leaf(name, "template "+spec) }
	partitionKey := func() *elemDef { return tmpl("partition-key", "data-type") }
	return []*elemDef{
		// http-data-source-policy (2024-05-02). json-to-xml in
		// <http-response>: schema; authentication-basic and
		// authentication-managed-identity in <http-request>: the schema's
		// graphql-data-source takes them, accepted here too.
		pol("http-data-source", 0, "http-data-source-policy", resolverOnly,
			kids(
				el("http-request", kids(leaf("set-url", "")),
					uses("get-authorization-context set-backend-service set-method include-fragment set-header set-body authentication-certificate authentication-basic authentication-managed-identity")),
				el("backend", uses("forward-request")),
				el("http-response", uses("set-body xml-to-json json-to-xml find-and-replace publish-event include-fragment")),
			)),
		// publish-event-policy (2024-07-23): only in a resolver's response.
		pol("publish-event", 0, "publish-event-policy", resolverOnly,
			kids(el("targets", kids(leaf("graphql-subscription", "id!"))))),
		// sql-data-source-policy (2023-06-07; connection-string@scope,
		// @client-id and get-authorization-context: schema).
		pol("sql-data-source", 0, "sql-data-source-policy", resolverOnly,
			kids(
				el("connection-info",
					kids(leaf("connection-string", "use-managed-identity? scope client-id")),
					uses("include-fragment authentication-certificate get-authorization-context")),
				el("request", a("single-result?"),
					kids(leaf("sql-statement", ""), el("parameters", kids(leaf("parameter", "name! sql-type")))),
					uses("include-fragment set-body")),
				el("response", uses("include-fragment set-body publish-event")),
			), uses("include-fragment")),
		// cosmosdb-data-source-policy (2024-03-18; connection-string@client-id,
		// write-request@enable-content-response-on-write and include-fragment:
		// schema).
		pol("cosmosdb-data-source", 0, "cosmosdb-data-source-policy", resolverOnly,
			kids(
				el("connection-info", kids(
					leaf("connection-string", "use-managed-identity? client-id"),
					leaf("database-name", ""), leaf("container-name", ""))),
				el("query-request", a("enable-low-precision-order-by?"), kids(
					leaf("sql-statement", ""),
					el("parameters", kids(leaf("parameter", "name! type"))),
					partitionKey(),
					el("paging", kids(tmpl("max-item-count", ""), tmpl("continuation-token", ""))))),
				el("read-request", kids(tmpl("id", ""), partitionKey())),
				el("delete-request", a("consistency-level pre-trigger post-trigger"),
					kids(tmpl("etag", "type"), tmpl("id", ""), partitionKey())),
				el("write-request", a("type consistency-level indexing-directive pre-trigger post-trigger enable-content-response-on-write"),
					kids(tmpl("id", ""), partitionKey(), tmpl("etag", "type")), uses("set-body include-fragment")),
				el("response", uses("set-body publish-event include-fragment")),
			)),
		// In the VS Code extension's schemas only: known by name only.
		pol("graphql-data-source", 0, "", resolverOnly, undocumented),
		// set-graphql-resolver-policy (2022-12-02): the retired preview form,
		// a backend statement wrapping an http-data-source.
		pol("set-graphql-resolver", backend, "set-graphql-resolver-policy", a("parent-type! field!"),
			uses("http-data-source")),
	}
}
