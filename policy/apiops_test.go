package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const ordersSpec = `openapi: 3.0.1
info:
  title: Orders
  version: '1.0'
paths:
  '/{id}':
    get:
      summary: Get an order
      operationId: get-order
      parameters:
        - name: id
          in: path
  /:
    get:
      operationId: list-orders
    post:
      operationId: create-order
components: {}
`

func TestReadAPIOps(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"policy.xml":                                              "<policies><inbound><include-fragment fragment-id=\"cid\" /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>",
		"policy fragments/cid/policy.xml":                         "<fragment><set-header name=\"x-cid\" exists-action=\"skip\"><value>@(context.RequestId.ToString())</value></set-header></fragment>",
		"named values/nv-aud/namedValueInformation.json":          `{"properties":{"displayName":"orders-audience","value":"api://contoso-orders","secret":false}}`,
		"named values/backend-key/namedValueInformation.json":     `{"properties":{"displayName":"backend-key","secret":true}}`,
		"version sets/inventory/versionSetInformation.json":       `{"properties":{"displayName":"Inventory","versioningScheme":"Segment"}}`,
		"apis/orders/apiInformation.json":                         `{"properties":{"displayName":"Orders","path":"orders","apiRevision":"1","isCurrent":true,"subscriptionRequired":true}}`,
		"apis/orders/specification.yaml":                          ordersSpec,
		"apis/orders/policy.xml":                                  "<policies><inbound><base /><validate-jwt header-name=\"Authorization\"><audiences><audience>{{orders-audience}}</audience></audiences></validate-jwt></inbound></policies>",
		"apis/orders/operations/create-order/policy.xml":          "<policies><inbound><base /><check-header name=\"x-idempotency\" /></inbound></policies>",
		"apis/orders;rev=2/apiInformation.json":                   `{"properties":{"path":"orders","apiRevision":"2","isCurrent":false}}`,
		"apis/orders;rev=2/specification.json":                    `{"openapi":"3.0.1","paths":{"/{id}":{"get":{"operationId":"get-order"},"parameters":[]}}}`,
		"apis/inventory-v2/apiInformation.json":                   `{"properties":{"path":"inventory","apiVersion":"v2","apiVersionSetId":"/apiVersionSets/inventory"}}`,
		"apis/inventory-v2/specification.yaml":                    "paths:\n  /items/{sku}:\n    get:\n      operationId: get-item\n",
		"products/starter/productInformation.json":                `{"properties":{"displayName":"Starter","subscriptionRequired":true,"state":"published"}}`,
		"products/starter/policy.xml":                             "<policies><inbound><base /><rate-limit calls=\"5\" renewal-period=\"60\" /></inbound></policies>",
		"products/starter/apis/orders/productApiInformation.json": `{}`,
		"products/partners/productInformation.json":               `{"properties":{"subscriptionRequired":true}}`,
		"products/partners/apis.json":                             `[{"name":"orders"},"inventory-v2"]`,
		"products/public/productInformation.json":                 `{"properties":{"subscriptionRequired":false}}`,
		"products/public/apis.json":                               `["inventory-v2"]`,
	})
	s, err := ReadAPIOps(dir)
	if err != nil {
		t.Fatal(err)
	}
	orders := s.FindAPI("orders")
	if orders == nil || orders.Path != "orders" || !orders.SubscriptionRequired || len(orders.Operations) != 3 {
		t.Fatalf("orders: %+v", orders)
	}
	if op := orders.FindOperation("create-order"); op == nil || op.Method != "POST" || op.URLTemplate != "/" || op.Policy == nil || op.Policy.File != "apis/orders/operations/create-order/policy.xml" {
		t.Errorf("create-order: %+v", op)
	}
	if op := orders.FindOperation("get-order"); op == nil || op.URLTemplate != "/{id}" || op.Method != "GET" {
		t.Errorf("get-order: %+v", op)
	}
	if rev := s.FindAPI("orders;rev=2"); rev == nil || rev.IsCurrent || rev.Revision != "2" || len(rev.Operations) != 1 {
		t.Errorf("revision: %+v", rev)
	}
	if inv := s.FindAPI("inventory-v2"); inv == nil || inv.VersionSet == nil || inv.VersionSet.Scheme != "Segment" {
		t.Errorf("inventory-v2: %+v", inv)
	}
	var prods []string
	for _, p := range orders.Products {
		prods = append(prods, p.Name)
	}
	if strings.Join(prods, ",") != "partners,starter" {
		t.Errorf("orders is in %v (both list forms), want partners,starter", prods)
	}
	if nv := s.Values["orders-audience"]; nv.Value != "api://contoso-orders" || !nv.HasValue {
		t.Errorf("named value by display name: %+v", nv)
	}
	if nv := s.Values["backend-key"]; !nv.Secret || nv.HasValue {
		t.Errorf("secret named value: %+v", nv)
	}

	m, err := s.Route("POST", "https://contoso.azure-api.net/orders", nil)
	if err != nil || m.Operation.Name != "create-order" {
		t.Fatalf("route: %+v %v", m, err)
	}
	ctxs, _ := s.Contexts(m.API, "starter", false, true)
	eff, err := Compose(s.Set(m.API, m.Operation, ctxs[0]))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(flat(eff.Section("inbound")), " ")
	want := "[base [base [base [include-fragment set-header@fragment ] ] rate-limit@product ] validate-jwt@api ] check-header@operation"
	if got != want {
		t.Errorf("effective inbound:\n got %s\nwant %s", got, want)
	}
	if inv, _ := s.Route("GET", "https://h/inventory/v2/items/9", nil); inv == nil || inv.API.Name != "inventory-v2" {
		t.Errorf("versioned route: %+v", inv)
	}
	if c, _ := s.Contexts(s.FindAPI("inventory-v2"), "", false, false); c[0].Product == nil || c[0].Product.Name != "public" {
		t.Errorf("no key runs the open product: %+v", c)
	}
}

func TestReadAPIOpsErrors(t *testing.T) {
	if _, err := ReadAPIOps(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing folder: %v", err)
	}
	empty := writeFiles(t, map[string]string{"README.md": "x"})
	if _, err := ReadAPIOps(empty); err == nil || !strings.Contains(err.Error(), "not an APIOps extractor folder") {
		t.Errorf("empty folder: %v", err)
	}
	bad := writeFiles(t, map[string]string{"apis/a/policy.xml": "<policies><inbound>", "apis/a/apiInformation.json": `{"properties":{"path":"a"}}`})
	if _, err := ReadAPIOps(bad); err == nil || !strings.Contains(err.Error(), "apis/a/policy.xml line") {
		t.Errorf("broken policy names its file: %v", err)
	}
}
