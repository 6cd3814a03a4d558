package policy

// AI gateway policies: the llm-* policies and their azure-openai-* twins,
// which the VS Code extension's schemas define identically. Sources and
// rules: see schema_access.go.

func aiPolicies() []*elemDef {
	// llm-token-limit-policy (2024-10-09), azure-openai-token-limit-policy
	// (2025-02-18). estimate-prompt-tokens is "Yes" on both pages and in
	// the schema, yet the llm page's own "Token quota" example omits it:
	// not enforced. prompt-type and ignore-prompt: schema.
	const tokenLimit = "counter-key! tokens-per-minute token-quota token-quota-period=Hourly|Daily|Weekly|Monthly|Yearly|Indefinite estimate-prompt-tokens? prompt-type=auto|chat-completion|completion|embeddings retry-after-header-name retry-after-variable-name remaining-quota-tokens-header-name remaining-quota-tokens-variable-name remaining-tokens-header-name remaining-tokens-variable-name tokens-consumed-header-name tokens-consumed-variable-name ignore-prompt?"
	// llm-emit-token-metric-policy (2026-05-27), azure-openai-emit-token-
	// metric-policy (2024-07-09; lists value). name, value-type and
	// ignore-prompt: schema; value-type is left open because the 2026 page
	// adds token categories (cached, reasoning) the schema does not list.
	const tokenMetric = "namespace name value value-type ignore-prompt?"
	// llm-semantic-cache-lookup-policy (2024-12-13),
	// azure-openai-semantic-cache-lookup-policy (2024-05-08): the pages
	// say embeddings-backend-auth must be system-assigned, the schema also
	// allows header: left open. cache-id: schema.
	const cacheLookup = "score-threshold! embeddings-backend-id! embeddings-backend-auth ignore-system-messages? max-message-count cache-id"
	metric := func(name, page string) *elemDef {
		return pol(name, inbound, page, a(tokenMetric), kids(leaf("dimension", "name! value")))
	}
	lookup := func(name, page string) *elemDef {
		return pol(name, inbound, page, a(cacheLookup), kids(leaf("vary-by", "")))
	}
	return []*elemDef{
		pol("llm-token-limit", inbound, "llm-token-limit-policy", a(tokenLimit)),
		pol("azure-openai-token-limit", inbound, "azure-openai-token-limit-policy", a(tokenLimit)),
		metric("llm-emit-token-metric", "llm-emit-token-metric-policy"),
		metric("azure-openai-emit-token-metric", "azure-openai-emit-token-metric-policy"),
		lookup("llm-semantic-cache-lookup", "llm-semantic-cache-lookup-policy"),
		lookup("azure-openai-semantic-cache-lookup", "azure-openai-semantic-cache-lookup-policy"),
		// llm-semantic-cache-store-policy (2024-12-13),
		// azure-openai-semantic-cache-store-policy (2024-05-08).
		pol("llm-semantic-cache-store", outbound, "llm-semantic-cache-store-policy", a("duration!")),
		pol("azure-openai-semantic-cache-store", outbound, "azure-openai-semantic-cache-store-policy", a("duration!")),
		// llm-content-safety-policy (2025-02-06): category names are the
		// page's Hate, SelfHarm, Sexual, Violence, left open for categories
		// added since.
		pol("llm-content-safety", inbound, "llm-content-safety-policy", a("backend-id! shield-prompt?"),
			kids(
				el("categories", a("output-type=FourSeverityLevels|EightSeverityLevels"), kids(leaf("category", "name! threshold!"))),
				list("blocklists", "id"),
			)),
	}
}
