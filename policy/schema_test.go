package policy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// parseAsLint parses src leaving every {{...}} as written, as lint does
// without --named-value (each name is given itself as its value).
func parseAsLint(t testing.TB, src string) *Document {
	t.Helper()
	values := map[string]string{}
	for _, m := range regexp.MustCompile(`\{\{([^{}]*)\}\}`).FindAllStringSubmatch(src, -1) {
		values[strings.TrimSpace(m[1])] = m[0]
	}
	d, err := Parse([]byte(src), values)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	return d
}

func inSection(body string) string {
	return "<policies>\n<inbound>\n" + body + "\n</inbound>\n</policies>"
}

func TestCheckProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Problem // Line, Element, Attribute, Kind, Suggestion; Message when set
	}{
		// The three examples of issue 10.
		{"misspelt policy", inSection(`<validate-jtw header-name="Authorization" />`),
			[]Problem{{Line: 3, Element: "validate-jtw", Kind: UnknownElement, Suggestion: "validate-jwt",
				Message: "line 3: <validate-jtw> is not an APIM policy; did you mean <validate-jwt>?"}}},
		{"audience where audiences belongs", inSection("<validate-jwt header-name=\"Authorization\">\n<audience>api://x</audience>\n</validate-jwt>"),
			[]Problem{{Line: 4, Element: "audience", Kind: UnknownElement, Suggestion: "audiences",
				Message: "line 4: <validate-jwt> has no child element <audience>; did you mean <audiences>?"}}},
		{"openid-config uri", inSection("<validate-jwt header-name=\"Authorization\">\n<openid-config uri=\"https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration\" />\n</validate-jwt>"),
			[]Problem{{Line: 4, Element: "openid-config", Attribute: "uri", Kind: UnknownAttribute, Suggestion: "url",
				Message: "line 4: <openid-config> has no attribute uri; did you mean url?"}}},

		// Unknown elements and attributes, and exact case.
		{"unknown policy, nothing close", inSection(`<frobnicate />`),
			[]Problem{{Line: 3, Element: "frobnicate", Kind: UnknownElement, Message: "line 3: <frobnicate> is not an APIM policy"}}},
		{"upper case policy", inSection(`<Set-Header name="a" />`),
			[]Problem{{Line: 3, Element: "Set-Header", Kind: UnknownElement, Suggestion: "set-header"}}},
		{"upper case attribute", inSection(`<set-header Name="a" />`),
			[]Problem{{Line: 3, Element: "set-header", Attribute: "Name", Kind: UnknownAttribute, Suggestion: "name"}}},
		{"unknown attribute, nothing close", inSection(`<set-variable name="a" value="b" scope="api" />`),
			[]Problem{{Line: 3, Element: "set-variable", Attribute: "scope", Kind: UnknownAttribute}}},
		{"child of a policy that takes none", inSection(`<set-variable name="a" value="b"><value>x</value></set-variable>`),
			[]Problem{{Line: 3, Element: "value", Kind: UnknownElement}}},
		{"misspelt section", "<policies>\n<inbond><base /></inbond>\n</policies>",
			[]Problem{{Line: 2, Element: "inbond", Kind: UnknownElement, Suggestion: "inbound"}}},
		{"misspelt claim child", inSection("<validate-jwt>\n<required-claims>\n<claim name=\"roles\"><vaule>a</vaule></claim>\n</required-claims>\n</validate-jwt>"),
			[]Problem{{Line: 5, Element: "vaule", Kind: UnknownElement, Suggestion: "value"}}},

		// Required attributes.
		{"missing required", inSection(`<include-fragment />`),
			[]Problem{{Line: 3, Element: "include-fragment", Attribute: "fragment-id", Kind: MissingAttribute,
				Message: "line 3: <include-fragment> needs the attribute fragment-id"}}},
		{"missing required on a child", inSection("<ip-filter action=\"allow\">\n<address-range from=\"10.0.0.1\" />\n</ip-filter>"),
			[]Problem{{Line: 4, Element: "address-range", Attribute: "to", Kind: MissingAttribute}}},
		{"missing required inside choose", inSection("<choose>\n<when><set-variable name=\"a\" /></when>\n</choose>"),
			[]Problem{{Line: 4, Element: "when", Attribute: "condition", Kind: MissingAttribute},
				{Line: 4, Element: "set-variable", Attribute: "value", Kind: MissingAttribute}}},

		// Closed value sets.
		{"invalid match", inSection("<validate-jwt>\n<required-claims>\n<claim name=\"roles\" match=\"some\" />\n</required-claims>\n</validate-jwt>"),
			[]Problem{{Line: 5, Element: "claim", Attribute: "match", Kind: InvalidValue,
				Message: `line 5: <claim match="some">: APIM accepts match="all" or match="any"`}}},
		{"invalid exists-action", inSection(`<set-header name="a" exists-action="replace" />`),
			[]Problem{{Line: 3, Element: "set-header", Attribute: "exists-action", Kind: InvalidValue}}},
		{"invalid boolean", inSection(`<check-header name="a" failed-check-httpcode="401" ignore-case="yes" />`),
			[]Problem{{Line: 3, Element: "check-header", Attribute: "ignore-case", Kind: InvalidValue}}},
		{"value with a newline is quoted", inSection("<set-header name=\"a\" exists-action=\"over\nride\" />"),
			[]Problem{{Line: 3, Element: "set-header", Attribute: "exists-action", Kind: InvalidValue,
				Message: `line 3: <set-header exists-action="over\nride">: APIM accepts exists-action="override", exists-action="skip", exists-action="append" or exists-action="delete"`}}},

		// Sections.
		{"validate-jwt in outbound", "<policies>\n<outbound>\n<validate-jwt header-name=\"Authorization\" />\n</outbound>\n</policies>",
			[]Problem{{Line: 3, Element: "validate-jwt", Kind: WrongSection,
				Message: "line 3: <validate-jwt> is not allowed in <outbound>; APIM accepts it in <inbound>"}}},
		{"forward-request in inbound", inSection(`<forward-request />`),
			[]Problem{{Line: 3, Element: "forward-request", Kind: WrongSection}}},
		{"wrong section inside choose", "<policies>\n<outbound>\n<choose><when condition=\"true\">\n<rate-limit calls=\"1\" renewal-period=\"1\" />\n</when></choose>\n</outbound>\n</policies>",
			[]Problem{{Line: 4, Element: "rate-limit", Kind: WrongSection}}},
		{"wrong section inside wait", "<policies>\n<inbound>\n<wait>\n<forward-request />\n</wait>\n</inbound>\n</policies>",
			[]Problem{{Line: 4, Element: "forward-request", Kind: WrongSection}}},

		// Structure.
		{"section twice", "<policies>\n<inbound />\n<inbound />\n</policies>",
			[]Problem{{Line: 3, Element: "inbound", Kind: NotAllowedHere}}},
		{"policy directly in policies", "<policies>\n<set-variable name=\"a\" value=\"b\" />\n</policies>",
			[]Problem{{Line: 2, Element: "set-variable", Kind: NotAllowedHere}}},
		{"section inside a section", inSection(`<outbound />`),
			[]Problem{{Line: 3, Element: "outbound", Kind: NotAllowedHere}}},
		{"child element at section level", inSection(`<audiences><audience>a</audience></audiences>`),
			[]Problem{{Line: 3, Element: "audiences", Kind: NotAllowedHere,
				Message: "line 3: <audiences> is not a policy; it belongs inside <validate-azure-ad-token> or <validate-jwt>"}}},
		{"only some policies in wait", inSection("<wait>\n<set-variable name=\"a\" value=\"b\" />\n</wait>"),
			[]Problem{{Line: 4, Element: "set-variable", Kind: NotAllowedHere}}},
		{"resolver in a section", inSection(`<http-data-source />`),
			[]Problem{{Line: 3, Element: "http-data-source", Kind: NotAllowedHere}}},
		{"base in a fragment", "<fragment>\n<base />\n<set-variable name=\"a\" value=\"b\" />\n</fragment>",
			[]Problem{{Line: 2, Element: "base", Kind: NotAllowedHere}}},
		{"section in a fragment", "<fragment>\n<inbound />\n</fragment>",
			[]Problem{{Line: 2, Element: "inbound", Kind: NotAllowedHere}}},
		{"fragment in a fragment", "<fragment>\n<include-fragment fragment-id=\"x\" />\n</fragment>",
			[]Problem{{Line: 2, Element: "include-fragment", Kind: NotAllowedHere}}},
		{"base nested in a fragment", "<fragment>\n<choose><when condition=\"true\">\n<base />\n</when></choose>\n</fragment>",
			[]Problem{{Line: 3, Element: "base", Kind: NotAllowedHere}}},
		{"typo in a fragment", "<fragment>\n<set-hedaer name=\"x\" />\n</fragment>",
			[]Problem{{Line: 2, Element: "set-hedaer", Kind: UnknownElement, Suggestion: "set-header"}}},
		{"typo in a resolver", "<http-data-source>\n<http-request>\n<set-method>GET</set-method>\n<set-ulr>https://x</set-ulr>\n</http-request>\n</http-data-source>",
			[]Problem{{Line: 4, Element: "set-ulr", Kind: UnknownElement, Suggestion: "set-url"}}},
		{"typo in a snippet", "<validate-jwt header-name=\"Authorization\">\n<issuer>x</issuer>\n</validate-jwt>",
			[]Problem{{Line: 2, Element: "issuer", Kind: UnknownElement, Suggestion: "issuers"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(parseAsLint(t, tt.src))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tt.want), messages(got))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Line != w.Line || g.Element != w.Element || g.Attribute != w.Attribute || g.Kind != w.Kind || g.Suggestion != w.Suggestion {
					t.Errorf("problem %d = %+v\nwant %+v", i, g, w)
				}
				if w.Message != "" && g.Message != w.Message {
					t.Errorf("message %d = %q\nwant        %q", i, g.Message, w.Message)
				}
				if !strings.HasPrefix(g.Message, "line ") {
					t.Errorf("message %q does not start with its line", g.Message)
				}
			}
		})
	}
}

// TestCheckAccepts holds what APIM accepts and the check must not refuse.
func TestCheckAccepts(t *testing.T) {
	tests := []struct{ name, src string }{
		{"expression in a closed set", inSection(`<set-header name="a" exists-action="@(context.Variables.GetValueOrDefault<string>(&quot;act&quot;))" />`)},
		{"expression block in a closed set", inSection(`<set-header name="a" exists-action="@{ return &quot;skip&quot;; }" />`)},
		{"named value in a closed set", inSection(`<set-header name="a" exists-action="{{header-action}}" />`)},
		{"values regardless of case", inSection(`<publish-to-dapr topic="t" template="Liquid" /><set-header name="a" exists-action="Override" />`)},
		{"booleans as APIM writes them", inSection(`<check-header name="a" failed-check-httpcode="401" ignore-case="True" />`)},
		{"namespaced and xmlns attributes", "<policies xmlns=\"urn:x\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n<inbound><set-body xsi:nil=\"true\" /></inbound>\n</policies>"},
		{"comments", inSection("<!-- a comment --><base /><!-- <validate-jtw/> -->")},
		{"the id attribute on every policy", inSection(`<set-variable id="step-1" name="a" value="b" />`)},
		{"base anywhere in a section", inSection(`<set-variable name="a" value="b" /><base />`)},
		{"empty sections and all four", "<policies><inbound /><backend><base /></backend><outbound></outbound><on-error><base /></on-error></policies>"},
		{"liquid body with XML inside", inSection("<set-body template=\"liquid\"><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><cust>{{body.getOpenOrders.cust}}</cust></soap:Body></soap:Envelope></set-body>")},
		{"liquid with trim markers", inSection("<set-body template=\"liquid\">{% for h in context.Request.Headers %}{{- h.Key }}{% endfor %}</set-body>")},
		{"fragment", "<fragment>\n<set-header name=\"x-request-context-data\" exists-action=\"override\">\n<value>@(context.User.Id)</value>\n</set-header>\n</fragment>"},
		{"bare snippet", `<rate-limit calls="20" renewal-period="90" />`},
		{"resolver", "<http-data-source>\n<http-request>\n<set-method>GET</set-method>\n<set-url>https://data.contoso.com/get/users</set-url>\n</http-request>\n<http-response><set-body template=\"liquid\">[]</set-body><publish-event><targets><graphql-subscription id=\"onUserCreated\" /></targets></publish-event></http-response>\n</http-data-source>"},
		{"sql resolver", "<sql-data-source><connection-info><connection-string use-managed-identity=\"true\">Server=tcp:x</connection-string></connection-info><request single-result=\"true\"><sql-statement>SELECT 1</sql-statement><parameters><parameter name=\"@familyId\">@(context.GraphQL.Arguments[\"id\"])</parameter></parameters></request><response /></sql-data-source>"},
		{"cosmos resolver", "<cosmosdb-data-source><connection-info><connection-string use-managed-identity=\"true\">AccountEndpoint=x;</connection-string><database-name>db</database-name><container-name>c</container-name></connection-info><read-request><id template=\"liquid\">{{body.arguments.id}}</id><partition-key data-type=\"string\" template=\"liquid\">{{body.arguments.id}}</partition-key></read-request></cosmosdb-data-source>"},
		{"policy in a section the toolkit allows", "<policies><on-error><set-body>@(context.LastError.Message)</set-body><set-method>GET</set-method></on-error></policies>"},
		{"undocumented policy emitted by Microsoft's tools", inSection(`<invoke-request url="https://x" anything="goes"><header name="a" /></invoke-request>`)},
		{"set-status without reason", inSection(`<return-response><set-status code="200" /></return-response>`)},
		{"old trace with text", inSection(`<trace source="PetStore API">@((string)context.Variables["x"])</trace>`)},
		{"xsl-transform parameter-name and name", inSection(`<xsl-transform><parameter parameter-name="a">1</parameter><parameter name="b">2</parameter><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" /></xsl-transform>`)},
		{"cross-domain file", inSection(`<cross-domain><cross-domain-policy><allow-http-request-headers-from domain="*" headers="*" /></cross-domain-policy></cross-domain>`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Check(parseAsLint(t, tt.src)); len(got) > 0 {
				t.Errorf("want no problems, got:\n%s", messages(got))
			}
		})
	}
}

// TestCheckRealPolicies: the large policy built from the reference's
// examples and every example policy in the repository pass clean.
func TestCheckRealPolicies(t *testing.T) {
	files, err := filepath.Glob("../testdata/policies/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example policies found: %v", err)
	}
	files = append(files, "testdata/realworld.xml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d := parseAsLint(t, string(src))
			if got := Check(d); len(got) > 0 {
				t.Errorf("want no problems, got:\n%s", messages(got))
			}
		})
	}
}

// TestCheckRealPolicyMutations: one change to the large policy is found.
func TestCheckRealPolicyMutations(t *testing.T) {
	src, err := os.ReadFile("testdata/realworld.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		from, to string
		n        int
	}{
		{`audiences>`, `audience-list>`, 2}, // opening and closing tag
		{`<openid-config url=`, `<openid-config uri=`, 1},
		{`match="any"`, `match="either"`, 1},
		{`<cache-lookup vary-by-developer="false" `, `<cache-lookup `, 1},
		{`<forward-request buffer-request-body`, `<forward-requests buffer-request-body`, 1},
	} {
		mutated := strings.Replace(string(src), m.from, m.to, m.n)
		if mutated == string(src) {
			t.Fatalf("%q is not in the policy", m.from)
		}
		if got := Check(parseAsLint(t, mutated)); len(got) != 1 {
			t.Errorf("%s -> %s: want 1 problem, got:\n%s", m.from, m.to, messages(got))
		}
	}
}

func messages(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  " + p.Message + "\n")
	}
	return b.String()
}

// FuzzCheck: any document that parses is checked without panicking, and
// every problem names its line and element.
func FuzzCheck(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/policies/*.xml")
	seeds = append(seeds, "testdata/realworld.xml")
	for _, s := range seeds {
		if src, err := os.ReadFile(s); err == nil {
			f.Add(string(src))
		}
	}
	f.Add("<fragment><base/><choose><when><wait><set-body/></wait></when></choose></fragment>")
	f.Fuzz(func(t *testing.T, src string) {
		d, err := Parse([]byte(src), nil)
		if err != nil {
			return
		}
		for _, p := range Check(d) {
			if p.Element == "" || !strings.HasPrefix(p.Message, "line ") {
				t.Fatalf("problem without its place: %+v", p)
			}
		}
	})
}
