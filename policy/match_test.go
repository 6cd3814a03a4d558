package policy

import (
	"errors"
	"strings"
	"testing"
)

func testService() *Service {
	ops := func(o ...*Operation) []*Operation { return o }
	inv := &VersionSet{Name: "inventory", Scheme: "Segment"}
	rep := &VersionSet{Name: "reports", Scheme: "Query", QueryName: "api-version"}
	hdr := &VersionSet{Name: "legacy", Scheme: "Header", HeaderName: "Api-Version"}
	s := &Service{
		APIs: []*API{
			{Name: "orders", Path: "orders", Revision: "1", IsCurrent: true, SubscriptionRequired: true, Operations: ops(
				&Operation{Name: "get-order", Method: "GET", URLTemplate: "/{id}"},
				&Operation{Name: "list-orders", Method: "GET", URLTemplate: "/"},
				&Operation{Name: "get-summary", Method: "GET", URLTemplate: "/summary"},
				&Operation{Name: "create-order", Method: "POST", URLTemplate: "/"})},
			{Name: "orders;rev=2", Path: "orders", Revision: "2", Operations: ops(&Operation{Name: "get-order", Method: "GET", URLTemplate: "/{id}"})},
			{Name: "orders-admin", Path: "orders/admin", Revision: "1", IsCurrent: true, Operations: ops(&Operation{Name: "any", Method: "*", URLTemplate: "/*"})},
			{Name: "inventory", Path: "inventory", VersionSet: inv, Revision: "1", IsCurrent: true, Operations: ops(&Operation{Name: "items", Method: "GET", URLTemplate: "/items/{sku}"})},
			{Name: "inventory-v2", Path: "inventory", Version: "v2", VersionSet: inv, Revision: "1", IsCurrent: true, Operations: ops(&Operation{Name: "items", Method: "GET", URLTemplate: "/items/{sku}"})},
			{Name: "reports", Path: "reports", VersionSet: rep, Version: "2024-01-01", Revision: "1", IsCurrent: true, Operations: ops(&Operation{Name: "add", Method: "GET", URLTemplate: "/add?a={a}&b={b}"})},
			{Name: "legacy", Path: "legacy", VersionSet: hdr, Version: "1", Revision: "1", IsCurrent: true, Operations: ops(&Operation{Name: "files", Method: "GET", URLTemplate: "/files/{*path}"})},
		},
		Products: []*Product{
			{Name: "starter", SubscriptionRequired: true, APINames: []string{"orders", "inventory-v2"}},
			{Name: "public", SubscriptionRequired: false, APINames: []string{"inventory"}},
		},
	}
	s.Link()
	return s
}

func TestRoute(t *testing.T) {
	s := testService()
	for _, tc := range []struct {
		method, url string
		headers     map[string]string
		api, op     string
	}{
		{"GET", "https://contoso.azure-api.net/orders/42", nil, "orders", "get-order"},
		{"get", "https://contoso.azure-api.net/Orders/42?x=1", nil, "orders", "get-order"},
		{"GET", "https://contoso.azure-api.net/orders", nil, "orders", "list-orders"},
		{"GET", "https://contoso.azure-api.net/orders/", nil, "orders", "list-orders"},
		{"GET", "https://contoso.azure-api.net/orders/summary", nil, "orders", "get-summary"}, // a literal beats {id}
		{"POST", "https://contoso.azure-api.net/orders", nil, "orders", "create-order"},
		{"GET", "https://contoso.azure-api.net/orders;rev=2/42", nil, "orders;rev=2", "get-order"},
		{"GET", "https://contoso.azure-api.net/orders/admin/x/y", nil, "orders-admin", "any"}, // the longest API path wins
		{"DELETE", "https://contoso.azure-api.net/orders/admin", nil, "orders-admin", "any"},
		{"GET", "https://contoso.azure-api.net/inventory/v2/items/7", nil, "inventory-v2", "items"},
		{"GET", "https://contoso.azure-api.net/inventory/items/7", nil, "inventory", "items"}, // the original version has no segment
		{"GET", "https://contoso.azure-api.net/reports/add?a=1&b=2&api-version=2024-01-01", nil, "reports", "add"},
		{"GET", "https://contoso.azure-api.net/legacy/files/a/b/c", map[string]string{"api-version": "1"}, "legacy", "files"},
	} {
		m, err := s.Route(tc.method, tc.url, tc.headers)
		if err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.url, err)
			continue
		}
		if m.API.Name != tc.api || m.Operation.Name != tc.op {
			t.Errorf("%s %s = %s %s, want %s %s", tc.method, tc.url, m.API.Name, m.Operation.Name, tc.api, tc.op)
		}
	}
}

func TestRouteNotFound(t *testing.T) {
	s := testService()
	for _, tc := range []struct {
		method, url string
		api, lists  string
	}{
		{"GET", "https://h/nothing/1", "", "/orders (orders)"},
		{"GET", "https://h/orders;rev=9/1", "", "/orders;rev=2 (orders;rev=2)"},
		{"DELETE", "https://h/orders/42", "orders", "GET /{id} (get-order)"},
		{"GET", "https://h/reports/add?a=1&api-version=2024-01-01", "reports", "GET /add?a={a}&b={b} (add)"},
		{"GET", "https://h/reports/add?a=1&b=2&api-version=2023-01-01", "", "/reports"},
		{"GET", "https://h/legacy/files/a", "", "/legacy"}, // no Api-Version header
	} {
		_, err := s.Route(tc.method, tc.url, nil)
		var nf *NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("%s %s: err = %v", tc.method, tc.url, err)
			continue
		}
		if got := ""; nf.API != nil {
			got = nf.API.Name
			if got != tc.api {
				t.Errorf("%s %s: API %q, want %q", tc.method, tc.url, got, tc.api)
			}
		} else if tc.api != "" {
			t.Errorf("%s %s: no API matched, want %s", tc.method, tc.url, tc.api)
		}
		if !strings.Contains(strings.Join(nf.Existing, "\n"), tc.lists) {
			t.Errorf("%s %s: existing %v lacks %q", tc.method, tc.url, nf.Existing, tc.lists)
		}
	}
}

func TestContexts(t *testing.T) {
	s := testService()
	orders, inv := s.FindAPI("orders"), s.FindAPI("inventory")
	status := &API{Name: "status", Path: "status"}
	for _, tc := range []struct {
		rule      string
		api       *API
		product   string
		noProduct bool
		key       bool
		want      string // product names, or "-" for none, with !refusal
	}{
		{"a product key runs that product's policies", orders, "starter", false, true, "starter"},
		{"a key of a product without the API is invalid", inv, "starter", false, true, "starter!invalid"},
		{"an API-scoped or all-access key runs no product policy", orders, "", true, true, "-"},
		{"no key: the open product's context, even when the API requires a subscription", inv, "", false, false, "public"},
		{"no key, no open product, subscription required: refused", orders, "", false, false, "-!missing"},
		{"no key, no open product, no subscription required: no product", status, "", false, false, "-"},
		{"a key of unknown product: every possibility", orders, "", false, true, "starter -"},
	} {
		ctxs, err := s.Contexts(tc.api, tc.product, tc.noProduct, tc.key)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range ctxs {
			n := "-"
			if c.Product != nil {
				n = c.Product.Name
			}
			if c.Refused != "" {
				n += "!" + c.Refused
			}
			got = append(got, n)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: %v, want %s", tc.rule, got, tc.want)
		}
	}
	if _, err := s.Contexts(orders, "nope", false, true); err == nil || !strings.Contains(err.Error(), "there are: public, starter") {
		t.Errorf("unknown product: %v", err)
	}
}
