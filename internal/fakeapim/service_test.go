package fakeapim

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/policy"
)

func read(t *testing.T, scope policy.Scope, src string) *policy.Document {
	t.Helper()
	d, err := policy.Read([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d.Scope, d.File = scope, string(scope)+".xml"
	return d
}

// TestGatewayService checks the gateway in front of a whole service: routes,
// the subscription check by product, and the product's policy in its context.
func TestGatewayService(t *testing.T) {
	tenant := fakeentra.New()
	defer tenant.Close()
	svc := testService(t)
	g, err := New(Options{Service: svc, Keys: map[string]string{"starter-key": "starter", "partners-key": "partners", "public-key": "public"}, Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	tok := tenant.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	for _, tt := range []struct {
		name, path, key string
		status          int
		message         string
	}{
		{"a starter key runs no product policy of note", "orders/42", "starter-key", 200, ""},
		{"a partners key runs the partners policy", "orders/42", "partners-key", 401, "Partner access only"},
		{"no key, no open product", "orders/42", "", 401, MissingKeyMessage},
		{"a key of a product without the API", "orders/42", "public-key", 401, InvalidKeyMessage},
		{"an unknown key", "orders/42", "nope", 401, InvalidKeyMessage},
		{"no such operation", "orders/42/items", "starter-key", 404, "Unable to match incoming request to an operation."},
		{"no such API", "nothing", "starter-key", 404, "Resource not found"},
		{"the open product without a key", "status/health", "", 200, ""},
	} {
		req, _ := http.NewRequest("GET", g.URL+tt.path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if tt.key != "" {
			req.Header.Set("Ocp-Apim-Subscription-Key", tt.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var apim struct{ Message string }
		json.Unmarshal(b, &apim)
		if resp.StatusCode != tt.status || apim.Message != tt.message {
			t.Errorf("%s: %d %q, want %d %q", tt.name, resp.StatusCode, apim.Message, tt.status, tt.message)
		}
		if tt.message == MissingKeyMessage && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "AzureApiManagementKey ") {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// testService is orders (key required, orders.xml), status (open) and the
// products starter, partners (its own validate-jwt) and public.
func testService(t *testing.T) *policy.Service {
	orders, err := os.ReadFile("../../testdata/policies/orders.xml")
	if err != nil {
		t.Fatal(err)
	}
	partners := `<policies><inbound><base /><validate-jwt header-name="Authorization" failed-validation-error-message="Partner access only">
	<openid-config url="https://login.microsoftonline.com/` + fakeentra.TenantID + `/v2.0/.well-known/openid-configuration" />
	<required-claims><claim name="roles" match="any"><value>Partners.Access</value></claim></required-claims></validate-jwt></inbound></policies>`
	svc := &policy.Service{
		APIs: []*policy.API{
			{Name: "orders", Path: "orders", IsCurrent: true, Revision: "1", SubscriptionRequired: true, KeyHeader: "Ocp-Apim-Subscription-Key", KeyQuery: "subscription-key",
				Policy: read(t, policy.ScopeAPI, string(orders)), Operations: []*policy.Operation{{Name: "get-order", Method: "GET", URLTemplate: "/{id}"}}},
			{Name: "status", Path: "status", IsCurrent: true, Revision: "1", KeyHeader: "Ocp-Apim-Subscription-Key", KeyQuery: "subscription-key",
				Operations: []*policy.Operation{{Name: "health", Method: "GET", URLTemplate: "/health"}}},
		},
		Products: []*policy.Product{
			{Name: "starter", SubscriptionRequired: true, APINames: []string{"orders"}},
			{Name: "partners", SubscriptionRequired: true, APINames: []string{"orders"}, Policy: read(t, policy.ScopeProduct, partners)},
			{Name: "public", APINames: []string{"status"}},
		},
	}
	svc.Link()
	return svc
}
