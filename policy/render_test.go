package policy

import (
	"strings"
	"testing"
)

func TestWriteTreeAndXML(t *testing.T) {
	g := doc(t, ScopeGlobal, "<policies>\n<inbound>\n<include-fragment fragment-id=\"cid\" />\n</inbound>\n</policies>")
	frag := doc(t, ScopeFragment, "<fragment>\n<set-header name=\"x-cid\" exists-action=\"skip\"><value>@(context.RequestId.ToString())</value></set-header>\n</fragment>")
	api := doc(t, ScopeAPI, "<policies>\n<inbound>\n<base />\n<validate-jwt header-name=\"Authorization\">\n<audiences><audience>{{aud}}</audience></audiences>\n</validate-jwt>\n</inbound>\n<outbound><set-header name=\"x\"/></outbound>\n</policies>")
	e, err := Compose(Set{Docs: []*Document{g, api}, Fragments: map[string]*Document{"cid": frag}, Values: NamedValues{"aud": {Value: "api://orders", HasValue: true}}})
	if err != nil {
		t.Fatal(err)
	}
	var tree strings.Builder
	e.WriteTree(&tree, func(n *Node) string {
		if n.Name == "validate-jwt" {
			return "FAIL AUDIENCE_MISMATCH"
		}
		return ""
	})
	for _, want := range []string{
		"inbound\n  <base>  runs the global scope's statements",
		"    <include-fragment fragment-id=\"cid\">",
		"global global.xml:3",
		"      <set-header name=\"x-cid\">",
		"fragment fragment.xml:2",
		"  <validate-jwt header-name=\"Authorization\">",
		"api api.xml:4  FAIL AUDIENCE_MISMATCH",
		"backend\n  (nothing runs)\noutbound\n",
	} {
		if !strings.Contains(tree.String(), want) {
			t.Errorf("tree lacks %q:\n%s", want, tree.String())
		}
	}
	var x strings.Builder
	if err := e.WriteXML(&x); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"<!-- <base>: -->",
		`<set-header name="x-cid" exists-action="skip">`,
		"<value>@(context.RequestId.ToString())</value>",
		"<audience>api://orders</audience>",
		"<!-- fragment fragment.xml:2 -->",
	} {
		if !strings.Contains(x.String(), want) {
			t.Errorf("xml lacks %q:\n%s", want, x.String())
		}
	}
	// The composed XML reads back as a policy with the same statements.
	back, err := Read([]byte(x.String()))
	if err != nil {
		t.Fatalf("composed XML does not read back: %v\n%s", err, x.String())
	}
	if got := len(back.Inbound()); got != 2 {
		t.Errorf("read back %d inbound statements, want 2 (set-header, validate-jwt)", got)
	}
}
