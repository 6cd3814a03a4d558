package fakearm

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

// The whole chain: azidentity gets tokens from the simulated tenant for the
// ARM scope, and ARM honours them and each principal's role.
func TestAzidentityTokensAgainstARM(t *testing.T) {
	w := newWorld(t)
	get := func(client, secret string) string {
		cred, err := azidentity.NewClientSecretCredential(fakeentra.TenantID, client, secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: w.entra.URL}, Transport: w.entra.Client()},
			DisableInstanceDiscovery: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{DefaultAudience + "/.default"}})
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	reader := get(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderSecret)
	contributor := get(fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorSecret)
	none := get(fakeentra.EvidenceNoneClientID, fakeentra.EvidenceNoneSecret)

	a := w.get(reader, q(ContosoServiceID))
	if a.status != 200 || a.prop("gatewayUrl") != ContosoGatewayURL {
		t.Fatalf("reader GET service: %d %s", a.status, a.raw)
	}
	listValue := q(svc("/namedValues/backend-key/listValue"))
	a = w.do(reader, http.MethodPost, listValue, nil)
	if a.status != 403 || a.code() != "AuthorizationFailed" {
		t.Fatalf("reader listValue: %d %s", a.status, a.raw)
	}
	want := "The client '" + fakeentra.EvidenceReaderObjectID + "' with object id '" + fakeentra.EvidenceReaderObjectID +
		"' does not have authorization to perform action 'Microsoft.ApiManagement/service/namedValues/listValue/action' over scope '" +
		svc("/namedValues/backend-key") + "' or the scope is invalid. If access was recently granted, please refresh your credentials."
	if a.message() != want {
		t.Errorf("403 message\n got %s\nwant %s", a.message(), want)
	}
	if a = w.do(contributor, http.MethodPost, listValue, nil); a.status != 200 || a.body["value"] != BackendKeyValue {
		t.Errorf("contributor listValue: %d %s", a.status, a.raw)
	}
	if a = w.get(none, q(svc("/apis"))); a.status != 403 || !strings.Contains(a.message(), "'Microsoft.ApiManagement/service/apis/read'") {
		t.Errorf("none GET apis: %d %s", a.status, a.raw)
	}
}

// The signed-in developer's delegated token (the fake az's, user_impersonation)
// works, and the 403 names the user by UPN.
func TestDelegatedTokenNamesTheUser(t *testing.T) {
	w := newWorld(t)
	user := w.token(fakeentra.AzureCLIClientID, "", func(sp *fakeentra.Spec) {
		sp.Scopes = []string{"user_impersonation"}
		sp.Claims = nil
	})
	if a := w.get(user, q(svc("/apis/orders/policies/policy"))); a.status != 200 {
		t.Fatalf("developer reads the API policy: %d %s", a.status, a.raw)
	}
	a := w.do(user, http.MethodPost, q(svc("/subscriptions/starter-adele/listSecrets")), nil)
	if a.status != 403 || !strings.HasPrefix(a.message(), "The client 'adele@contoso.onmicrosoft.com' with object id '"+fakeentra.UserObjectID+"'") ||
		!strings.Contains(a.message(), "'Microsoft.ApiManagement/service/subscriptions/listSecrets/action'") {
		t.Errorf("developer listSecrets: %d %s", a.status, a.raw)
	}
}

// Every POST action needs more than the Reader role; the 403 names the action.
func TestReaderCannotAct(t *testing.T) {
	w := newWorld(t)
	id := svc("/apis/orders")
	for path, action := range map[string]string{
		"/namedValues/backend-key/listValue":         "Microsoft.ApiManagement/service/namedValues/listValue/action",
		"/gateways/managed/listDebugCredentials":     "Microsoft.ApiManagement/service/gateways/listDebugCredentials/action",
		"/gateways/managed/listTrace":                "Microsoft.ApiManagement/service/gateways/listTrace/action",
		"/subscriptions/starter-adele/listSecrets":   "Microsoft.ApiManagement/service/subscriptions/listSecrets/action",
		"/policyFragments/jwt-orders/listReferences": "Microsoft.ApiManagement/service/policyFragments/listReferences/action",
	} {
		body := map[string]any{"apiId": id, "purposes": []string{"tracing"}, "traceId": "x"}
		a := w.do(w.reader(), http.MethodPost, q(svc(path)), body)
		if a.status != 403 || !strings.Contains(a.message(), "'"+action+"'") {
			t.Errorf("reader %s: %d %s", path, a.status, a.raw)
		}
		if a := w.do(w.contributor(), http.MethodPost, q(svc(path)), body); a.status == 403 || a.status == 401 {
			t.Errorf("contributor %s: %d %s", path, a.status, a.raw)
		}
	}
	// Writes: the reader lacks .../write; a contributor is told the fake changes nothing.
	if a := w.do(w.reader(), http.MethodPut, q(svc("/apis/orders/policies/policy")), map[string]any{}); a.status != 403 ||
		!strings.Contains(a.message(), "'Microsoft.ApiManagement/service/apis/policies/write'") {
		t.Errorf("reader PUT: %d %s", a.status, a.raw)
	}
	if a := w.do(w.contributor(), http.MethodDelete, q(svc("/apis/orders")), nil); a.status != 405 {
		t.Errorf("contributor DELETE: %d %s", a.status, a.raw)
	}
}

func TestTokensARMRefuses(t *testing.T) {
	w := newWorld(t)
	path := q(ContosoServiceID)
	other := w.entra.Tenant(fakeentra.OtherTenantID)
	for _, c := range []struct {
		name, tok, code, msg string
	}{
		{"no token", "", "AuthenticationFailed", "The 'Authorization' header is missing."},
		{"orders API audience", w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(sp *fakeentra.Spec) {
			sp.Audience = fakeentra.APIAppIDURI
		}), "InvalidAuthenticationTokenAudience", "wrong audience or resource 'api://contoso-orders'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."},
		{"Graph audience", w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(sp *fakeentra.Spec) {
			sp.Audience = fakeentra.GraphAudience
		}), "InvalidAuthenticationTokenAudience", "'https://graph.microsoft.com'"},
		{"expired", w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(sp *fakeentra.Spec) {
			sp.IssuedAt = time.Now().Add(-3 * time.Hour)
		}), "ExpiredAuthenticationToken", "is earlier than current UTC time"},
		{"another tenant", other.MustMint(t, fakeentra.Spec{Version: entra.V1, Audience: fakeentra.ARMAudience, Claims: map[string]any{"oid": "x"}}),
			"InvalidAuthenticationTokenTenant", "It must match the tenant 'https://sts.windows.net/" + fakeentra.TenantID + "/'"},
		{"signed with another tenant's key", w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(sp *fakeentra.Spec) {
			sp.Key = other.ActiveKey()
		}), "InvalidAuthenticationToken", "The access token is invalid."},
		{"alg none", w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(sp *fakeentra.Spec) {
			sp.Alg = "none"
		}), "InvalidAuthenticationToken", "The access token is invalid."},
		{"HS256 forgery", w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(sp *fakeentra.Spec) {
			sp.Alg = "HS256"
		}), "InvalidAuthenticationToken", "The access token is invalid."},
		{"not a JWT", "not-a-token", "InvalidAuthenticationToken", "The access token is invalid."},
	} {
		a := w.get(c.tok, path)
		if a.status != 401 || a.code() != c.code || !strings.Contains(a.message(), c.msg) {
			t.Errorf("%s: %d %s", c.name, a.status, a.raw)
		}
		if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s: WWW-Authenticate %q", c.name, a.header.Get("WWW-Authenticate"))
		}
	}
	// ARM's audience with or without the slash, and the classic one, pass.
	for _, aud := range []string{"https://management.azure.com", "https://management.azure.com/", "https://management.core.windows.net/"} {
		tok := w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(sp *fakeentra.Spec) { sp.Audience = aud })
		if a := w.get(tok, path); a.status != 200 {
			t.Errorf("aud %s: %d %s", aud, a.status, a.raw)
		}
	}
}

// A configured audience replaces ARM's: a sovereign cloud's ARM, say.
func TestConfiguredAudience(t *testing.T) {
	w := newWorld(t, func(o *Options) { o.Audience = "https://management.usgovcloudapi.net/" })
	arm := w.get(w.reader(), q(ContosoServiceID))
	if arm.status != 401 || !strings.Contains(arm.message(), "'https://management.usgovcloudapi.net/','https://management.usgovcloudapi.net'.") {
		t.Errorf("public ARM token: %d %s", arm.status, arm.raw)
	}
	tok := w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(sp *fakeentra.Spec) {
		sp.Audience = "https://management.usgovcloudapi.net"
	})
	if a := w.get(tok, q(ContosoServiceID)); a.status != 200 {
		t.Errorf("configured audience: %d %s", a.status, a.raw)
	}
}

func TestAPIVersionRules(t *testing.T) {
	w := newWorld(t)
	tok := w.reader()
	for _, c := range []struct{ query, code, msg string }{
		{"", "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."},
		{"?api-version=2099-01-01", "NoRegisteredProviderFound", "No registered resource provider found for location 'westeurope' and API version '2099-01-01' for type 'service'. The supported api-versions are '2014-02-14, "},
		{"?api-version=2019-12-01", "MissingOrIncorrectVersionParameter", "API version query parameter is not specified or was specified incorrectly.  Supported versions: 2021-08-01,2021-12-01-preview,"},
		{"?api-version=2021-04-01-preview", "MissingOrIncorrectVersionParameter", "Supported versions: 2021-08-01,"},
	} {
		a := w.get(tok, svc("/apis")+c.query)
		if a.status != 400 || a.code() != c.code || !strings.Contains(a.message(), c.msg) {
			t.Errorf("%q: %d %s", c.query, a.status, a.raw)
		}
	}
	for _, ver := range []string{"2021-08-01", "2022-08-01", "2024-05-01", "2024-06-01-preview"} {
		if a := w.get(tok, svc("/apis?api-version="+ver)); a.status != 200 {
			t.Errorf("%s: %d %s", ver, a.status, a.raw)
		}
	}
	// Without a minimum, an old version is served (and leaks nothing here).
	w2 := newWorld(t, func(o *Options) { o.Services[0].MinAPIVersion = "" })
	if a := w2.get(w2.reader(), svc("/apis?api-version=2019-12-01")); a.status != 200 {
		t.Errorf("no minimum: %d %s", a.status, a.raw)
	}
}

// A fresh role assignment is not honoured at once.
func TestRolePropagation(t *testing.T) {
	w := newWorld(t)
	tok := w.none()
	path := q(svc("/apis"))
	if a := w.get(tok, path); a.status != 403 {
		t.Fatalf("before the grant: %d", a.status)
	}
	w.arm.SetPropagation(2)
	w.arm.Grant(Assignment{PrincipalID: fakeentra.EvidenceNoneObjectID, Role: APIManagementServiceReader, Scope: ContosoServiceID})
	for i := 0; i < 2; i++ {
		if a := w.get(tok, path); a.status != 403 || !strings.Contains(a.message(), "If access was recently granted") {
			t.Fatalf("call %d after the grant: %d", i+1, a.status)
		}
	}
	if a := w.get(tok, path); a.status != 200 {
		t.Fatalf("third call: %d %s", a.status, a.raw)
	}
	w.arm.Revoke(fakeentra.EvidenceNoneObjectID, ContosoServiceID)
	if a := w.get(tok, path); a.status != 403 {
		t.Fatalf("after revoking: %d", a.status)
	}
}
