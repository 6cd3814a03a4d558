package policy

import (
	"reflect"
	"strings"
	"testing"
)

func doc(t *testing.T, scope Scope, src string) *Document {
	t.Helper()
	d, err := Read([]byte(src))
	if err != nil {
		t.Fatalf("%s: %v", scope, err)
	}
	d.Scope, d.File = scope, string(scope)+".xml"
	return d
}

// flat lists a composed section as name@scope:line, descending into
// expanded <base/> and <include-fragment>.
func flat(nodes []*Node) []string {
	var out []string
	for _, n := range nodes {
		if n.Expanded {
			out = append(out, "["+n.Name)
			out = append(out, flat(n.Children)...)
			out = append(out, "]")
			continue
		}
		out = append(out, n.Name+"@"+string(orAPI(n.Doc.Scope)))
	}
	return out
}

func TestComposeRules(t *testing.T) {
	global := `<policies><inbound><g1/></inbound><backend><forward-request/></backend><outbound><g-out/></outbound><on-error/></policies>`
	product := `<policies><inbound><base/><p1/></inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>`
	for _, tc := range []struct {
		rule    string
		docs    map[Scope]string
		section string
		want    string
	}{
		{"the narrowest scope's section is the root; <base/> runs the broader scope's section where it stands (cross-domain, base, find-and-replace)",
			map[Scope]string{ScopeGlobal: global, ScopeAPI: `<policies><inbound><a/><base/><b/></inbound></policies>`}, "inbound",
			"a@api [base g1@global ] b@api"},
		{"without <base/> the broader scopes do not run for that section",
			map[Scope]string{ScopeGlobal: global, ScopeAPI: `<policies><inbound><a/></inbound></policies>`}, "inbound", "a@api"},
		{"sections compose independently: inbound keeps <base/>, outbound drops it",
			map[Scope]string{ScopeGlobal: global, ScopeAPI: `<policies><inbound><base/></inbound><outbound><a/></outbound></policies>`}, "outbound", "a@api"},
		{"a scope with no document is transparent (operation → API → global, no product)",
			map[Scope]string{ScopeGlobal: global, ScopeAPI: `<policies><inbound><base/><a/></inbound></policies>`, ScopeOperation: `<policies><inbound><base/><o/></inbound></policies>`}, "inbound",
			"[base [base g1@global ] a@api ] o@operation"},
		{"product sits between global and API",
			map[Scope]string{ScopeGlobal: global, ScopeProduct: product, ScopeAPI: `<policies><inbound><base/><a/></inbound></policies>`}, "inbound",
			"[base [base g1@global ] p1@product ] a@api"},
		{"<base/> at global scope has no effect",
			map[Scope]string{ScopeGlobal: `<policies><inbound><base/><g1/></inbound></policies>`}, "inbound", "[base ] g1@global"},
		{"a document without the section is transparent for it",
			map[Scope]string{ScopeGlobal: global, ScopeAPI: `<policies><inbound><base/></inbound></policies>`}, "outbound", "g-out@global"},
		{"workspace sits between global and product",
			map[Scope]string{ScopeGlobal: global, ScopeWorkspace: `<policies><inbound><base/><w/></inbound></policies>`, ScopeAPI: `<policies><inbound><base/></inbound></policies>`}, "inbound",
			"[base [base g1@global ] w@workspace ]"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			var set Set
			for sc, src := range tc.docs {
				set.Docs = append(set.Docs, doc(t, sc, src))
			}
			e, err := Compose(set)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(flat(e.Section(tc.section)), " "); got != tc.want {
				t.Errorf("%s = %s\nwant %s", tc.section, got, tc.want)
			}
		})
	}
}

func TestComposeKeepsOrigins(t *testing.T) {
	g := doc(t, ScopeGlobal, "<policies>\n<inbound>\n  <include-fragment fragment-id=\"jwt\" />\n</inbound>\n</policies>")
	frag := doc(t, ScopeFragment, "<fragment>\n\n  <validate-jwt header-name=\"Authorization\" />\n</fragment>")
	frag.ID = "jwt"
	api := doc(t, ScopeAPI, "<policies>\n  <inbound>\n    <base />\n  </inbound>\n</policies>")
	e, err := Compose(Set{Docs: []*Document{api, g}, Fragments: map[string]*Document{"jwt": frag}})
	if err != nil {
		t.Fatal(err)
	}
	base := e.Section("inbound")[0]
	inc := base.Children[0]
	vj := inc.Children[0]
	for _, tc := range []struct {
		n          *Node
		scope, src string
		line       int
	}{{base, "api", "api.xml", 3}, {inc, "global", "global.xml", 3}, {vj, "fragment", "fragment.xml", 3}} {
		s := Source(tc.n)
		if s.Scope != tc.scope || s.File != tc.src || s.Line != tc.line {
			t.Errorf("<%s>: source %+v, want %s %s:%d", tc.n.Name, *s, tc.scope, tc.src, tc.line)
		}
	}
	if len(e.Docs) != 2 || e.Docs[0] != g || e.Docs[1] != api {
		t.Errorf("docs not broadest first: %v", e.Docs)
	}
}

func TestComposeFragmentsAndValues(t *testing.T) {
	api := doc(t, ScopeAPI, `<policies><inbound>
	<include-fragment fragment-id="missing" />
	<include-fragment fragment-id="missing" />
	<set-header name="x-key"><value>{{backend-key}}</value></set-header>
	<validate-jwt header-name="Authorization"><audiences><audience>{{aud}}</audience></audiences></validate-jwt>
	<set-body template="liquid">{{ body.name }} {{body.id}}</set-body>
	</inbound></policies>`)
	e, err := Compose(Set{Docs: []*Document{api}, Values: NamedValues{
		"aud":         {Value: "api://orders", HasValue: true},
		"backend-key": {Secret: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Missing) != 1 || e.Missing[0].AttrOr("fragment-id", "") != "missing" {
		t.Errorf("missing fragments: %v", e.Missing)
	}
	in := e.Section("inbound")
	if got := strings.TrimSpace(in[3].Child("audiences").Child("audience").Text); got != "api://orders" {
		t.Errorf("audience = %q", got)
	}
	if got := strings.TrimSpace(in[2].Child("value").Text); got != "{{backend-key}}" {
		t.Errorf("a secret without a value stays as written: %q", got)
	}
	if got := in[4].Text; got != "{{ body.name }} {{body.id}}" {
		t.Errorf("Liquid is not named values: %q", got)
	}
	if got := e.Unresolved(); !reflect.DeepEqual(got, []string{"backend-key"}) {
		t.Errorf("unresolved = %v", got)
	}
	// The source documents are not changed by composition.
	if got := api.Inbound()[3].Child("audiences").Child("audience").Text; got != "{{aud}}" {
		t.Errorf("the document was modified: %q", got)
	}

	secret, _ := Compose(Set{Docs: []*Document{api}, Values: NamedValues{"backend-key": {Secret: true, HasValue: true, Value: "s3cr3t-value"}}})
	if !reflect.DeepEqual(secret.Secrets, []string{"s3cr3t-value"}) {
		t.Errorf("secrets to mask = %v", secret.Secrets)
	}
}

func TestComposeRefusesTwoDocsForAScope(t *testing.T) {
	_, err := Compose(Set{Docs: []*Document{doc(t, ScopeAPI, "<a/>"), doc(t, ScopeAPI, "<b/>")}})
	if err == nil || !strings.Contains(err.Error(), "two documents for scope api") {
		t.Errorf("err = %v", err)
	}
}

func TestComposeBoundsFragmentNesting(t *testing.T) {
	loop := doc(t, ScopeFragment, `<fragment><include-fragment fragment-id="loop"/></fragment>`)
	api := doc(t, ScopeAPI, `<include-fragment fragment-id="loop"/>`)
	_, err := Compose(Set{Docs: []*Document{api}, Fragments: map[string]*Document{"loop": loop}})
	if err == nil || !strings.Contains(err.Error(), "more than 8 levels") {
		t.Errorf("err = %v", err)
	}
}

func TestComposeRecordsAbsentSections(t *testing.T) {
	g := doc(t, ScopeGlobal, `<policies><inbound><g/></inbound></policies>`)
	api := doc(t, ScopeAPI, `<policies><outbound/></policies>`)
	e, err := Compose(Set{Docs: []*Document{g, api}})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Absent) != 1 || e.Absent[0].Section != "inbound" || e.Absent[0].Doc != api {
		t.Errorf("absent = %+v", e.Absent)
	}
}
