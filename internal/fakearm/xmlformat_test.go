package fakearm

import (
	"testing"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

func TestToXML(t *testing.T) {
	for raw, want := range map[string]string{
		// GetApiPolicy.json's example: a lambda in an expression in text.
		`<log-to-eventhub logger-id="l">@{ return s.Select(s => s[0]); }</log-to-eventhub>`: `<log-to-eventhub logger-id="l">@{ return s.Select(s =&gt; s[0]); }</log-to-eventhub>`,
		// Quotes inside a quoted attribute, generics, &&.
		`<when condition="@(context.Variables.GetValueOrDefault<string>("x") == "y" && true)">`: `<when condition="@(context.Variables.GetValueOrDefault&lt;string&gt;(&quot;x&quot;) == &quot;y&quot; &amp;&amp; true)">`,
		// A string literal with a parenthesis does not end the expression.
		`<value>@("(" + context.RequestId + ")")</value><b a="1" />`: `<value>@("(" + context.RequestId + ")")</value><b a="1" />`,
		// Outside expressions nothing changes: comments, CDATA, plain text, named values.
		`<!-- a < b && c --><x a="{{tenant-id}}"><![CDATA[1 < 2]]></x>`: `<!-- a < b && c --><x a="{{tenant-id}}"><![CDATA[1 < 2]]></x>`,
		// An unterminated expression is left alone rather than eating the document.
		`<x a="@(oops">text</x>`: `<x a="@(oops">text</x>`,
	} {
		if got := toXML(raw); got != want {
			t.Errorf("toXML(%s)\n got %s\nwant %s", raw, got, want)
		}
	}
	for _, doc := range []string{globalPolicy, ordersPolicy, ordersRev2Policy, createOrderPolicy, inventoryV2Policy, statusPolicy,
		starterPolicy, partnersPolicy, correlationFragment, jwtOrdersFragment} {
		if err := wellFormed(toXML(doc)); err != nil {
			t.Errorf("format=xml of a seeded document is not well-formed: %v\n%s", err, toXML(doc))
		}
	}
}

func TestSeedChecks(t *testing.T) {
	e := fakeentra.New()
	defer e.Close()
	for name, edit := range map[string]func(*Service){
		"unknown version set":   func(s *Service) { s.APIs[2].VersionSet = "nope" },
		"product's unknown API": func(s *Service) { s.Products[0].APIs = append(s.Products[0].APIs, "nope") },
		"bad scope":             func(s *Service) { s.Subscriptions[0].Scope = "products/starter" },
		"no name":               func(s *Service) { s.Name = "" },
	} {
		o := Contoso()
		o.Entra = e
		edit(&o.Services[0])
		if s, err := New(o); err == nil {
			s.Close()
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(Contoso()); err == nil {
		t.Error("no Entra: accepted")
	}
	// The seed is not changed by New.
	o := Contoso()
	o.Entra = e
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if o.Services[0].APIs[0].KeyHeader != "" || len(o.Services[0].Hostnames) != 3 {
		t.Error("New changed the caller's seed")
	}
}
