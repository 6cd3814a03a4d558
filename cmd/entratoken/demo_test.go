package main

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/diagnose"
)

// The demo carries the orders policy as a constant (a binary cannot read
// testdata); testdata/policies/orders.xml is the same policy for the tests
// and users. Their validate-jwt, the part that decides, must stay the same.
func TestDemoPolicyIsTheFixture(t *testing.T) {
	fixture, err := os.ReadFile("../../testdata/policies/orders.xml")
	if err != nil {
		t.Fatal(err)
	}
	jwt := func(src []byte) string {
		p, err := diagnose.Parse(src, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range p.Inbound() {
			if n.Name == "validate-jwt" {
				return shape(n)
			}
		}
		t.Fatal("no validate-jwt")
		return ""
	}
	if a, b := jwt([]byte(demoPolicy)), jwt(fixture); a != b {
		t.Errorf("the demo's policy and testdata/policies/orders.xml differ:\n demo    %s\n fixture %s", a, b)
	}
}

// shape renders an element's names, attributes and texts, without layout.
func shape(n *diagnose.Node) string {
	var attrs []string
	for _, a := range n.Attrs {
		attrs = append(attrs, a.Name.Local+"="+a.Value)
	}
	sort.Strings(attrs)
	var kids []string
	for _, c := range n.Children {
		kids = append(kids, shape(c))
	}
	return n.Name + "[" + strings.Join(attrs, " ") + "](" + strings.TrimSpace(n.Text) + strings.Join(kids, "") + ")"
}
