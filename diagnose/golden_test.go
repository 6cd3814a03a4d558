package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// internalWords are the words of entratoken's research notes, which never
// reach users (preamble: "no internal words").
var internalWords = regexp.MustCompile(`INFERRED|UNCONFIRMED|[Tt]he reference`)

// TestGolden renders the reports for the public policy shapes and the orders
// policy, text and JSON, and compares them with testdata/golden. The clock
// is fixed; the simulated tenant's URL and key IDs are replaced by
// placeholders, since they change with every run.
func TestGolden(t *testing.T) {
	issued := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	now := issued.Add(10 * time.Minute)
	scenarios := []struct {
		name, policy string
		values       map[string]string
		sp           fakeentra.Spec
		subKey       bool
		response     string // a saved gateway answer in testdata/responses
	}{
		{name: "orders-wrong-audience", policy: "orders.xml", sp: fakeentra.Spec{Version: entra.V1, Audience: fakeentra.InventoryAppIDURI}},
		{name: "orders-no-role", policy: "orders.xml", sp: fakeentra.Spec{ClientID: fakeentra.NoRoleClientID}},
		{name: "shape1-role-typo", policy: "shape1-role-typo.xml", sp: fakeentra.Spec{Roles: []string{"Orders.Read"}}},
		{name: "shape2-v2-token", policy: "shape2-v1-issuers.xml", sp: fakeentra.Spec{Roles: []string{"Orders.Read"}}},
		{name: "shape3-no-subscription-key", policy: "shape3-full.xml", values: map[string]string{"tenant-id": tid}, sp: fakeentra.Spec{Roles: []string{"Orders.Read"}}},
		{name: "shape3-v2-token-403", policy: "shape3-full.xml", values: map[string]string{"tenant-id": tid}, sp: fakeentra.Spec{Roles: []string{"Orders.Read"}}, subKey: true},
		{name: "shape3-v1-accepted", policy: "shape3-full.xml", values: map[string]string{"tenant-id": tid}, subKey: true,
			sp: fakeentra.Spec{Version: entra.V1, Audience: fakeentra.InventoryAppIDURI, Roles: []string{"Inventory.Read"}}},
		{name: "token-only-unknown", sp: fakeentra.Spec{Roles: []string{"Orders.Read"}}},
		{name: "gateway-audience", response: "idx10214-audience.txt", sp: fakeentra.Spec{Version: entra.V1, Audience: fakeentra.InventoryAppIDURI}},
		{name: "orders-gateway-disagrees", policy: "orders.xml", response: "idx10205-v1-metadata.txt", sp: fakeentra.Spec{Roles: []string{"Orders.Read"}}},
	}
	h := newHarness(t)
	tn := h.srv.Tenant(tid)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sc.sp.IssuedAt = issued
			tok := tn.MustMint(t, sc.sp)
			in := h.in
			in.Token, in.Now, in.SubscriptionKey = tok, now, sc.subKey
			if sc.policy != "" {
				src, err := os.ReadFile(filepath.Join("..", "testdata", "policies", sc.policy))
				if err != nil {
					t.Fatal(err)
				}
				if in.Policy, err = Parse(src, sc.values); err != nil {
					t.Fatal(err)
				}
			}
			if sc.response != "" {
				raw, err := os.ReadFile(filepath.Join("..", "testdata", "responses", sc.response))
				if err != nil {
					t.Fatal(err)
				}
				status, hdr, body, err := ParseResponse(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				g := Classify(status, hdr, body)
				in.Gateway = &g
			}
			rep, err := Run(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			ios, _, _, _ := iostreams.Test()
			var text bytes.Buffer
			source := sc.policy
			if source == "" {
				source = "the token alone"
			}
			rep.WriteText(&text, ios.Palette(), source)
			js, _ := json.MarshalIndent(rep, "", "  ")
			norm := strings.NewReplacer(h.srv.URL, "https://AUTHORITY/", tn.ActiveKey().Kid, "KID", rep.Token, "FINGERPRINT")
			for _, out := range []string{text.String(), string(js)} {
				if m := internalWords.FindString(out); m != "" {
					t.Errorf("the report says %q, a word of entratoken's notes, not of its users", m)
				}
			}
			if rep.Verdict == Accepted && rep.Basis != BasisPolicy && rep.Basis != BasisExpectations && !(rep.Basis == BasisGateway && rep.Status < 400) {
				t.Errorf("accepted on basis %q", rep.Basis)
			}
			compare(t, sc.name+".txt", norm.Replace(text.String()))
			compare(t, sc.name+".json", norm.Replace(string(js))+"\n")
		})
	}
}

func compare(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./diagnose -run TestGolden -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test ./diagnose -run TestGolden -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// BenchmarkEvaluate measures diagnose.Run on the orders policy with a warm
// key cache: parsing excluded, keys read from disk, no network.
func BenchmarkEvaluate(b *testing.B) {
	h := newHarness(b)
	src, err := os.ReadFile(filepath.Join("..", "testdata", "policies", "orders.xml"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := Parse(src, nil)
	if err != nil {
		b.Fatal(err)
	}
	tok := h.srv.Tenant(tid).MustMint(b, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	in := h.in
	in.Token, in.Policy = tok, p
	if rep, err := Run(context.Background(), in); err != nil || rep.Verdict != Accepted {
		b.Fatal(err, rep)
	}
	before := h.srv.TotalHits()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
	if h.srv.TotalHits() != before {
		b.Fatalf("warm cache, yet %d requests", h.srv.TotalHits()-before)
	}
}

// BenchmarkParsePolicy measures reading the full shape-3 document.
func BenchmarkParsePolicy(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "policies", "shape3-full.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(src, map[string]string{"tenant-id": tid}); err != nil {
			b.Fatal(err)
		}
	}
}
