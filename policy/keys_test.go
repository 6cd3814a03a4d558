package policy

import (
	"strings"
	"testing"
)

func TestSubscriptionTarget(t *testing.T) {
	svc := "/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/contoso"
	for scope, want := range map[string][2]string{
		svc + "/products/starter":        {KeyScopeProduct, "starter"},
		"/products/starter":              {KeyScopeProduct, "starter"},
		svc + "/apis/orders":             {KeyScopeAPI, "orders"},
		svc + "/apis":                    {KeyScopeAllAPIs, ""},
		svc + "/":                        {KeyScopeAllAccess, ""},
		svc:                              {KeyScopeAllAccess, ""},
		"/":                              {KeyScopeAllAccess, ""},
		svc + "/workspaces/w/products/x": {"", ""},
	} {
		k, n := (&Subscription{Scope: scope}).Target()
		if k != want[0] || n != want[1] {
			t.Errorf("%s: got %q %q, want %q", scope, k, n, want)
		}
	}
}

func TestOwnerContext(t *testing.T) {
	starter := &Product{Name: "starter", SubscriptionRequired: true, APINames: []string{"orders"}}
	partners := &Product{Name: "partners", SubscriptionRequired: true, APINames: []string{"billing"}}
	orders := &API{Name: "orders", SubscriptionRequired: true}
	rev := &API{Name: "orders;rev=2", SubscriptionRequired: true}
	svc := &Service{APIs: []*API{orders, rev}, Products: []*Product{starter, partners}}
	svc.Link()
	sub := func(scope, state string) *KeyOwner {
		return &KeyOwner{Subscription: &Subscription{Name: "s1", ID: "/x/subscriptions/s1", Scope: scope, State: state}}
	}
	for _, tc := range []struct {
		name    string
		api     *API
		owner   *KeyOwner
		product string
		refused bool
		why     string
	}{
		{"product key", orders, sub("/products/starter", "active"), "starter", false, "scoped to product starter"},
		{"revision", rev, sub("/products/starter", "active"), "starter", false, "scoped to product starter"},
		{"other product", orders, sub("/products/partners", "active"), "partners", true, "does not contain API orders"},
		{"suspended", orders, sub("/products/starter", "suspended"), "", true, "which is suspended"},
		{"api key", rev, sub("/apis/orders", "active"), "", false, "scoped to API orders: no product policy"},
		{"other api", orders, sub("/apis/billing", "active"), "", true, "not to API orders"},
		{"all apis", orders, sub("/apis", "active"), "", false, "all APIs"},
		{"all access", orders, sub("/", "active"), "", false, "all-access"},
		{"no subscription", orders, &KeyOwner{}, "", true, "no key of any subscription"},
	} {
		c, ok := svc.OwnerContext(tc.api, tc.owner)
		if !ok {
			t.Fatalf("%s: not ok", tc.name)
		}
		p := ""
		if c.Product != nil {
			p = c.Product.Name
		}
		if p != tc.product || (c.Refused == KeyInvalid) != tc.refused || !strings.Contains(c.Why, tc.why) {
			t.Errorf("%s: got product %q refused %q why %q", tc.name, p, c.Refused, c.Why)
		}
	}
	if _, ok := svc.OwnerContext(orders, sub("/workspaces/w/apis/x", "active")); ok {
		t.Error("a workspace scope should leave the context open")
	}
}
