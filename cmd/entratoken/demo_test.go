package main

import (
	"context"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// No step of the demo that shows a refusal may say that APIM accepts the
// token, or that nothing is wrong: the diagnosis of a refused call rests on
// the refusal (spec/cli.md, diagnose, basis).
func TestDemoNeverAcceptsARefusal(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	f := &Factory{IO: ios, Getenv: func(string) string { return "" }}
	if code := run(context.Background(), f, []string{"demo", "--no-color"}); code != exitOK {
		t.Fatalf("demo exited %d:\n%s", code, out)
	}
	steps := regexp.MustCompile(`(?m)^\d+\. `).Split(out.String(), -1)
	if len(steps) < 9 {
		t.Fatalf("%d steps in the demo's output:\n%s", len(steps)-1, out)
	}
	refusal := regexp.MustCompile(`HTTP/1\.1 40[13]|verdict: REJECTED`)
	accepts := regexp.MustCompile(`NO PROBLEM FOUND|verdict: ACCEPTED|"verdict": "accepted"|APIM would forward`)
	refused := 0
	for i, step := range steps[1:] {
		if !refusal.MatchString(step) {
			continue
		}
		refused++
		if m := accepts.FindString(step); m != "" {
			t.Errorf("step %d shows a refusal and then says %q:\n%s", i+1, m, step)
		}
	}
	if refused < 3 {
		t.Errorf("only %d steps show a refusal; the demo's story has at least three (2, 3, 5)", refused)
	}
	if strings.Contains(out.String(), "NO PROBLEM FOUND") {
		t.Error("the demo says NO PROBLEM FOUND")
	}
}

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
