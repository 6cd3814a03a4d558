package fakegraph

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

type tc struct {
	t   *testing.T
	s   *Server
	e   *fakeentra.Server
	tok string
}

func start(t *testing.T, sp fakeentra.Spec) *tc {
	e := fakeentra.New()
	t.Cleanup(e.Close)
	s, err := New(Options{Entra: e})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	sp.Graph, sp.Version = true, "1.0"
	return &tc{t: t, s: s, e: e, tok: e.Tenant(fakeentra.TenantID).MustMint(t, sp)}
}

func (c *tc) get(path string) (int, map[string]any, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.s.URL+"/v1.0"+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	resp, err := c.s.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("%s: %s", path, b)
	}
	return resp.StatusCode, m, resp.Header
}

var app = fakeentra.Spec{Roles: []string{"Application.Read.All", "Directory.Read.All"}}

func TestShapes(t *testing.T) {
	c := start(t, app)
	st, m, _ := c.get("/applications(appId='" + fakeentra.ClientID + "')")
	if st != 200 || m["keyCredentials"] != nil || m["passwordCredentials"] == nil || !strings.Contains(m["@odata.context"].(string), "$metadata#applications/$entity") {
		t.Fatalf("%d %v", st, m)
	}
	for _, p := range m["passwordCredentials"].([]any) {
		if v, ok := p.(map[string]any)["secretText"]; !ok || v != nil {
			t.Errorf("secretText %v", v)
		}
	}
	_, m, _ = c.get("/applications(appId='" + fakeentra.ClientID + "')?$select=id,keyCredentials")
	if len(m) != 3 || m["keyCredentials"] == nil || m["id"] != AppObjectID(fakeentra.ClientID) {
		t.Errorf("$select: %v", m)
	}
	st, m, _ = c.get("/applications?$filter=" + url.QueryEscape("displayName eq 'x'"))
	if st != 400 || m["error"].(map[string]any)["code"] != "Request_UnsupportedQuery" {
		t.Errorf("other filter: %d %v", st, m)
	}
	st, m, _ = c.get("/servicePrincipals/nope")
	e := m["error"].(map[string]any)
	if st != 404 || e["code"] != "Request_ResourceNotFound" || e["message"] != "Resource 'nope' does not exist or one of its queried reference-property objects are not present." {
		t.Errorf("404: %v", m)
	}
	// Pages of one, with an absolute nextLink keeping the filter.
	c.e.Assign(fakeentra.ClientID, fakeentra.APIClientID, "Orders.Write")
	_, m, _ = c.get("/servicePrincipals/" + fakeentra.ClientObjectID + "/appRoleAssignments")
	next, _ := m["@odata.nextLink"].(string)
	if len(m["value"].([]any)) != 1 || !strings.HasPrefix(next, c.s.URL+"/v1.0/") {
		t.Errorf("page: %v", m)
	}
	c.s.DelayReplication(1)
	if _, m, _ = c.get("/servicePrincipals/" + fakeentra.ClientObjectID + "/appRoleAssignments"); len(m["value"].([]any)) != 0 {
		t.Errorf("replication delay: %v", m)
	}
	c.s.Throttle("/appRoleAssignedTo", 7)
	if st, _, h := c.get("/servicePrincipals/x/appRoleAssignedTo"); st != 429 || h.Get("Retry-After") != "7" {
		t.Errorf("throttle: %d %v", st, h)
	}
}

func TestPermissions(t *testing.T) {
	c := start(t, fakeentra.Spec{})
	st, m, _ := c.get("/applications(appId='" + fakeentra.APIClientID + "')")
	e := m["error"].(map[string]any)
	if st != 403 || e["code"] != "Authorization_RequestDenied" || e["message"] != "Insufficient privileges to complete the operation." || e["innerError"] == nil {
		t.Errorf("403: %v", m)
	}
	c = start(t, fakeentra.Spec{Roles: []string{"Application.Read.All"}})
	if st, _, _ := c.get("/oauth2PermissionGrants?$filter=" + url.QueryEscape("clientId eq 'x'")); st != 403 {
		t.Errorf("grants without Directory.Read.All: %d", st)
	}
	c = start(t, fakeentra.Spec{Scopes: fakeentra.AzureCLIGraphScopes})
	if st, _, _ := c.get("/oauth2PermissionGrants?$filter=" + url.QueryEscape("clientId eq 'x'")); st != 200 {
		t.Errorf("delegated CLI user: %d", st)
	}
	// A token for another audience, or signed by another tenant, is 401.
	c.tok = c.e.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Roles: app.Roles})
	if st, _, _ := c.get("/applications"); st != 401 {
		t.Errorf("API token: %d", st)
	}
	c.tok = c.e.Tenant(fakeentra.OtherTenantID).MustMint(t, fakeentra.Spec{Graph: true, Version: "1.0", Roles: app.Roles})
	if st, _, _ := c.get("/applications"); st != 401 {
		t.Errorf("other tenant: %d", st)
	}
}
