package diagnose

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/policy"
)

// writeFolder writes an APIOps folder of apis APIs with ops operations
// each, three products and two fragments: the shape of a large real one.
func writeFolder(b *testing.B, apis, ops int) string {
	b.Helper()
	dir := b.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	orders, err := os.ReadFile(filepath.Join("..", "testdata", "policies", "orders.xml"))
	if err != nil {
		b.Fatal(err)
	}
	write("policy.xml", `<policies><inbound><include-fragment fragment-id="cid" /></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`)
	write("policy fragments/cid/policy.xml", `<fragment><set-header name="x-cid" exists-action="skip"><value>@(context.RequestId.ToString())</value></set-header></fragment>`)
	write("policy fragments/jwt/policy.xml", `<fragment><validate-jwt header-name="Authorization"><openid-config url="https://login.microsoftonline.com/{{tenant-id}}/v2.0/.well-known/openid-configuration" /></validate-jwt></fragment>`)
	write("named values/tenant-id/namedValueInformation.json", `{"properties":{"displayName":"tenant-id","value":"contoso.onmicrosoft.com"}}`)
	for _, p := range []string{"starter", "partners", "public"} {
		write("products/"+p+"/productInformation.json", fmt.Sprintf(`{"properties":{"subscriptionRequired":%v}}`, p != "public"))
		write("products/"+p+"/policy.xml", `<policies><inbound><base /><rate-limit calls="100" renewal-period="60" /></inbound></policies>`)
	}
	var spec strings.Builder
	spec.WriteString("openapi: 3.0.1\npaths:\n")
	for j := range ops {
		fmt.Fprintf(&spec, "  /op%d/{id}:\n    get:\n      operationId: op-%d\n", j, j)
	}
	for i := range apis {
		name := fmt.Sprintf("api-%03d", i)
		write("apis/"+name+"/apiInformation.json", fmt.Sprintf(`{"properties":{"path":"%s","subscriptionRequired":true}}`, name))
		write("apis/"+name+"/specification.yaml", spec.String())
		write("apis/"+name+"/policy.xml", string(orders))
		write("products/starter/apis/"+name+"/productApiInformation.json", `{}`)
		for j := range ops {
			write(fmt.Sprintf("apis/%s/operations/op-%d/policy.xml", name, j), `<policies><inbound><base /><include-fragment fragment-id="jwt" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`)
		}
	}
	return dir
}

// BenchmarkLintAPIOps measures reading and linting an APIOps folder, at two
// sizes to show it grows linearly: 40 and 200 APIs of 5 operations.
func BenchmarkLintAPIOps(b *testing.B) {
	for _, n := range []int{40, 200} {
		dir := writeFolder(b, n, 5)
		b.Run(fmt.Sprintf("apis=%d", n), func(b *testing.B) {
			for b.Loop() {
				svc, err := policy.ReadAPIOps(dir)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := LintService(svc)
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Findings) == 0 {
					b.Fatal("no findings: the folder was not linted")
				}
			}
		})
	}
}
