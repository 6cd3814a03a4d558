package diagnose

import (
	"strings"
	"testing"

	"github.com/entratoken/entratoken/policy"
)

func TestRequirements(t *testing.T) {
	doc, err := policy.Parse([]byte(`<policies><inbound><base/>
<choose><when condition="@(true)">
<validate-jwt header-name="Authorization">
  <openid-config url="https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration" />
  <audiences><audience>api://orders</audience></audiences>
  <required-claims><claim name="roles" match="any"><value>A</value><value>B</value></claim></required-claims>
</validate-jwt></when></choose></inbound></policies>`), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := Requirements(doc, &Expectations{Scopes: []string{"S"}, Issuers: []string{"https://login.microsoftonline.com/3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e/v2.0"}})
	if strings.Join(n.Audiences, ",") != "api://orders" || strings.Join(n.Versions, ",") != "2.0" || len(n.Claims) != 2 ||
		!n.Claims[0].Any || strings.Join(n.Claims[0].Values, ",") != "A,B" || n.Claims[1].Name != "scp" {
		t.Errorf("%+v", n)
	}
	// Both versions accepted: none required.
	if n := Requirements(nil, &Expectations{Issuers: []string{"https://sts.windows.net/3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e/", "https://login.microsoftonline.com/3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e/v2.0"}}); n.Versions != nil {
		t.Errorf("both: %v", n.Versions)
	}
}
