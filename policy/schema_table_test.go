package policy

import (
	"strings"
	"testing"
)

// TestKnownPolicies: every policy of the reference index is in the table,
// each documented one names its page, and misspellings are not policies.
func TestKnownPolicies(t *testing.T) {
	// The policies the reference index (api-management-policies.md) lists,
	// with the pages added since: llm-*, send-service-bus-message.
	index := `rate-limit rate-limit-by-key quota quota-by-key limit-concurrency azure-openai-token-limit llm-token-limit
		check-header get-authorization-context ip-filter validate-azure-ad-token validate-jwt validate-client-certificate
		authentication-basic authentication-certificate authentication-managed-identity llm-content-safety
		validate-content validate-graphql-request validate-odata-request validate-parameters validate-headers validate-status-code
		forward-request set-backend-service proxy
		cache-lookup cache-store cache-lookup-value cache-store-value cache-remove-value
		azure-openai-semantic-cache-lookup azure-openai-semantic-cache-store llm-semantic-cache-lookup llm-semantic-cache-store
		set-method set-status set-variable set-body set-header set-query-parameter rewrite-uri json-to-xml xml-to-json
		find-and-replace redirect-content-urls xsl-transform return-response mock-response
		cross-domain cors jsonp send-request send-one-way-request log-to-eventhub publish-to-dapr invoke-dapr-binding
		send-service-bus-message trace emit-metric azure-openai-emit-token-metric llm-emit-token-metric
		sql-data-source cosmosdb-data-source http-data-source publish-event choose include-fragment retry wait`
	s := loadSchema()
	for _, name := range strings.Fields(index) {
		p, ok := s.policies[name]
		if !ok || !KnownPolicy(name) {
			t.Errorf("%s is in the reference but not in the table", name)
			continue
		}
		if p.page != name+"-policy" {
			t.Errorf("%s names page %q", name, p.page)
		}
	}
	for _, name := range []string{"validate-jtw", "Validate-JWT", "audiences", "when", "inbound", "base", ""} {
		if KnownPolicy(name) {
			t.Errorf("KnownPolicy(%q) = true", name)
		}
	}
	for name, p := range s.policies {
		if p.page == "" && !p.anyAttrs {
			t.Errorf("%s has no reference page and is judged in depth", name)
		}
		if p.sections == 0 && !p.resolver {
			t.Errorf("%s is allowed in no section", name)
		}
	}
	t.Logf("table: %d policies, %d element definitions, %d attributes", len(s.policies), s.elems, s.attrs)
}

func TestSuggest(t *testing.T) {
	names := loadSchema().statements
	for _, tt := range []struct{ name, want string }{
		{"validate-jtw", "validate-jwt"}, // a transposition is one edit
		{"vaildate-jwt", "validate-jwt"},
		{"Validate-JWT", "validate-jwt"}, // case alone
		{"set-hedaer", "set-header"},
		{"forward-requests", "forward-request"},
		{"bsae", "base"},
		{"validate-token", ""}, // too far from anything
		{"x", ""},
		{strings.Repeat("a", 100), ""},
	} {
		if got := suggest(tt.name, names); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, tt := range []struct{ name, want string }{{"uri", "url"}, {"hots", "host"}, {"ur", "url"}, {"xyz", ""}} {
		if got := suggest(tt.name, []string{"url", "host"}); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestAttrSpec(t *testing.T) {
	e := el("x", a("plain req! set=a|b reqset!=c|d flag? reqflag!?"))
	for name, want := range map[string]string{"plain": "", "req": "", "set": "a|b", "reqset": "c|d", "flag": "true|false", "reqflag": "true|false"} {
		d, ok := e.attrs[name]
		if !ok || strings.Join(d.values, "|") != want {
			t.Errorf("attribute %s = %+v, %v; want values %q", name, d, ok, want)
		}
	}
	if strings.Join(e.required, " ") != "req reqset reqflag" {
		t.Errorf("required = %v", e.required)
	}
}
