package main

import (
	"os"
	"path/filepath"

	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/policy"
)

// demoService is the contoso service as an APIOps extractor would write
// it: the orders API (its policy is demoPolicy) in two products, starter and
// partners, where the partners product's policy asks for an app role the API
// team never looked at. The demo writes it to a folder, so the user can run
// diagnose --apiops on it by hand.
var demoService = map[string]string{
	"policy.xml": `<policies>
    <inbound>
        <include-fragment fragment-id="correlation-id" />
    </inbound>
    <backend>
        <forward-request />
    </backend>
    <outbound />
    <on-error />
</policies>
`,
	"policy fragments/correlation-id/policy.xml": `<fragment>
    <set-header name="x-correlation-id" exists-action="skip">
        <value>@(context.RequestId.ToString())</value>
    </set-header>
</fragment>
`,
	"named values/tenant-id/namedValueInformation.json": `{"properties": {"displayName": "tenant-id", "value": "` + fakeentra.TenantID + `", "secret": false}}
`,
	"products/starter/productInformation.json": `{"properties": {"displayName": "Starter", "subscriptionRequired": true, "state": "published"}}
`,
	"products/starter/apis/orders/productApiInformation.json": "{}\n",
	"products/partners/productInformation.json": `{"properties": {"displayName": "Partners", "subscriptionRequired": true, "state": "published"}}
`,
	"products/partners/apis/orders/productApiInformation.json": "{}\n",
	"products/partners/policy.xml": `<policies>
    <inbound>
        <base />
        <validate-jwt header-name="Authorization" failed-validation-httpcode="401" failed-validation-error-message="Partner access only">
            <openid-config url="https://login.microsoftonline.com/{{tenant-id}}/v2.0/.well-known/openid-configuration" />
            <required-claims>
                <claim name="roles" match="any">
                    <value>Partners.Access</value>
                </claim>
            </required-claims>
        </validate-jwt>
    </inbound>
</policies>
`,
	"apis/orders/apiInformation.json": `{"properties": {"displayName": "Orders", "path": "orders", "apiRevision": "1", "isCurrent": true, "subscriptionRequired": true}}
`,
	"apis/orders/specification.yaml": `openapi: 3.0.1
info:
  title: Orders
  version: '1'
paths:
  /:
    get:
      operationId: list-orders
  '/{id}':
    get:
      operationId: get-order
`,
	"apis/orders/policy.xml": demoPolicy,
}

// startDemoService writes the demo's APIOps folder under dir and starts a
// gateway in front of it, whose keys are those of the starter and partners
// products.
func startDemoService(dir string, tenant *fakeentra.Server) (folder string, gw *fakeapim.Gateway, err error) {
	folder = filepath.Join(dir, "apim")
	for rel, body := range demoService {
		p := filepath.Join(folder, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", nil, err
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			return "", nil, err
		}
	}
	svc, err := policy.ReadAPIOps(folder)
	if err != nil {
		return "", nil, err
	}
	gw, err = fakeapim.New(fakeapim.Options{Service: svc, Tenant: tenant,
		Keys: map[string]string{fakeapim.SubscriptionKey: "starter", fakeapim.OtherSubscriptionKey: "partners"}})
	return folder, gw, err
}
