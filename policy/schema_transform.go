package policy

// Transformation and caching policies. Sources and rules: see
// schema_access.go.

func transformPolicies() []*elemDef {
	const cachingType = "caching-type=internal|external|prefer-external"
	return []*elemDef{
		// set-header-policy (2024-03-18).
		pol("set-header", allSection, "set-header-policy",
			a("name! exists-action=override|skip|append|delete"), kids(leaf("value", ""))),
		// set-query-parameter-policy (2024-07-23): inbound and backend on
		// the page; the toolkit allows every section.
		pol("set-query-parameter", allSection, "set-query-parameter-policy",
			a("name! exists-action=override|skip|append|delete"), kids(leaf("value", ""))),
		// set-body-policy (2023-01-13): inbound, outbound, backend on the
		// page; on-error works (MicrosoftDocs/azure-docs#59226) and the
		// toolkit allows it. The body is text, an expression or a Liquid
		// template that may be XML (the page's SOAP example): not judged.
		// template "none" and parse-date, html-decode-expression: schema.
		pol("set-body", allSection, "set-body-policy",
			a("template=liquid|none xsi-nil=blank|null parse-date? html-decode-expression?"), anything),
		// set-method-policy (2022-11-21): inbound, on-error on the page;
		// the toolkit allows every section.
		pol("set-method", allSection, "set-method-policy", text),
		// set-status-policy (2022-12-08): code and reason are "Yes" on the
		// page, optional in the schema, and the reference's own examples
		// write <set-status code="200" /> (get-authorization-context-policy).
		pol("set-status", allSection, "set-status-policy", a("code reason")),
		// set-variable-policy (2024-07-23).
		pol("set-variable", allSection, "set-variable-policy", a("name! value!")),
		// rewrite-uri-policy (2022-12-08).
		pol("rewrite-uri", inbound, "rewrite-uri-policy", a("template! copy-unmatched-params?")),
		// json-to-xml-policy (2024-03-18): inbound, outbound, on-error on the
		// page, backend in the toolkit; the attributes after
		// attribute-block-name come from the schema.
		pol("json-to-xml", allSection, "json-to-xml-policy",
			a("apply!=always|content-type-json consider-accept-header? parse-date? namespace-separator namespace-prefix attribute-block-name namespace-block-name invalid-character-replacement null-values trim-values? empty-values=preserve|as-null")),
		// xml-to-json-policy (2024-09-06): sections as json-to-xml;
		// preserve-whitespace-nodes, empty-values, trim-values: schema.
		pol("xml-to-json", allSection, "xml-to-json-policy",
			a("kind!=javascript-friendly|direct apply!=always|content-type-xml consider-accept-header? always-array-child-elements? preserve-whitespace-nodes? empty-values=preserve|as-null trim-values?")),
		// find-and-replace-policy (2024-03-18).
		pol("find-and-replace", allSection, "find-and-replace-policy", a("from! to!")),
		// redirect-content-urls-policy (2024-07-23).
		pol("redirect-content-urls", inOut, "redirect-content-urls-policy"),
		// xsl-transform-policy (2023-03-28): inbound, outbound on the page,
		// on-error in the toolkit. Holds <parameter> (the statement writes
		// parameter-name=, the example name=) and an XSLT stylesheet: not
		// judged.
		pol("xsl-transform", inOutErr, "xsl-transform-policy", anything),
		// return-response-policy (2022-12-08).
		pol("return-response", allSection, "return-response-policy",
			a("response-variable-name"), uses("set-status set-header set-body")),
		// mock-response-policy (2022-11-18; enabled and index: schema).
		pol("mock-response", inOutErr, "mock-response-policy", a("status-code content-type enabled? index")),
		// cache-lookup-policy (2024-07-23): both vary-by-developer
		// attributes are required on the page and in the schema.
		pol("cache-lookup", inbound, "cache-lookup-policy",
			a("vary-by-developer!? vary-by-developer-groups!? downstream-caching-type=none|private|public must-revalidate? allow-private-response-caching? "+cachingType),
			kids(leaf("vary-by-header", ""), leaf("vary-by-query-parameter", ""))),
		// cache-store-policy (2024-03-18; caching-mode: schema).
		pol("cache-store", outbound, "cache-store-policy", a("duration! cache-response? caching-mode")),
		// cache-lookup-value-policy (2024-07-23).
		pol("cache-lookup-value", allSection, "cache-lookup-value-policy", a("key! variable-name! default-value "+cachingType)),
		// cache-store-value-policy (2024-07-23).
		pol("cache-store-value", allSection, "cache-store-value-policy", a("key! value! duration! "+cachingType)),
		// cache-remove-value-policy (2024-07-23).
		pol("cache-remove-value", allSection, "cache-remove-value-policy", a("key! "+cachingType)),
		// cache-value: compiled by Microsoft's policy toolkit, which links a
		// cache-value-policy page that the reference index read here does
		// not list: known by name only.
		pol("cache-value", allSection, "", undocumented),
	}
}
