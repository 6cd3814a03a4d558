package diagnose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/policy"
)

// realisticSet is an effective policy as teams have them: global, product,
// API and operation documents, two fragments, ten named values; the API's
// validate-jwt is the orders policy's.
func realisticSet(b *testing.B) policy.Set {
	b.Helper()
	orders, err := os.ReadFile(filepath.Join("..", "testdata", "policies", "orders.xml"))
	if err != nil {
		b.Fatal(err)
	}
	read := func(scope policy.Scope, src string) *policy.Document {
		d, err := policy.Read([]byte(src))
		if err != nil {
			b.Fatal(err)
		}
		d.Scope, d.File = scope, string(scope)+".xml"
		return d
	}
	values := policy.NamedValues{}
	for i := range 10 {
		values[fmt.Sprintf("value-%d", i)] = policy.NamedValue{Value: fmt.Sprintf("v%d", i), HasValue: true}
	}
	return policy.Set{
		Docs: []*policy.Document{
			read(policy.ScopeGlobal, `<policies><inbound><include-fragment fragment-id="cid" /><cors><allowed-origins><origin>*</origin></allowed-origins></cors></inbound><backend><forward-request /></backend><outbound><include-fragment fragment-id="headers" /></outbound><on-error /></policies>`),
			read(policy.ScopeProduct, `<policies><inbound><base /><rate-limit calls="100" renewal-period="60" /><set-header name="x-product"><value>{{value-1}}</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`),
			read(policy.ScopeAPI, string(orders)),
			read(policy.ScopeOperation, `<policies><inbound><base /><set-variable name="op" value="{{value-2}}" /><set-header name="x-op"><value>{{value-3}}</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`),
		},
		Fragments: map[string]*policy.Document{
			"cid":     read(policy.ScopeFragment, `<fragment><set-header name="x-correlation-id" exists-action="skip"><value>@(context.RequestId.ToString())</value></set-header></fragment>`),
			"headers": read(policy.ScopeFragment, `<fragment><set-header name="x-powered-by" exists-action="delete" /><set-header name="x-env"><value>{{value-4}}</value></set-header></fragment>`),
		},
		Values: values,
	}
}

// BenchmarkComposeAndEvaluate measures composing the realistic effective
// policy and evaluating a token against it with a warm key cache (no
// network, asserted), the in-process cost of one diagnosis.
func BenchmarkComposeAndEvaluate(b *testing.B) {
	h := newHarness(b)
	set := realisticSet(b)
	tok := h.srv.Tenant(tid).MustMint(b, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	run := func() *Report {
		eff, err := policy.Compose(set)
		if err != nil {
			b.Fatal(err)
		}
		in := h.in
		in.Token, in.Target = tok, &Target{Effective: eff, Complete: true}
		rep, err := Run(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		return rep
	}
	if rep := run(); rep.Verdict != Accepted {
		b.Fatalf("verdict %s: %+v", rep.Verdict, rep.Findings)
	}
	before := h.srv.TotalHits()
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
	if h.srv.TotalHits() != before {
		b.Fatalf("warm cache, yet %d requests", h.srv.TotalHits()-before)
	}
}
