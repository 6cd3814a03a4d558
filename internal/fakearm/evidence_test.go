package fakearm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

var tokenRE = regexp.MustCompile(`^p=tracing&aid=([^&]+)&ex=(\d{14})&sn=([A-Za-z0-9+/]+=*)$`)

func (w *world) debugToken(api, expire string) (string, answer) {
	w.t.Helper()
	body := map[string]any{"apiId": svc("/apis/" + api), "purposes": []string{"tracing"}}
	if expire != "" {
		body["credentialsExpireAfter"] = expire
	}
	a := w.do(w.contributor(), http.MethodPost, q(svc("/gateways/managed/listDebugCredentials")), body)
	tok, _ := a.body["token"].(string)
	return tok, a
}

func TestDebugCredentials(t *testing.T) {
	w := newWorld(t)
	tok, a := w.debugToken("orders", "PT1H")
	m := tokenRE.FindStringSubmatch(tok)
	if a.status != 200 || m == nil || m[1] != "orders" {
		t.Fatalf("listDebugCredentials: %d %s", a.status, a.raw)
	}
	ex, _ := time.Parse(debugLayout, m[2])
	if d := time.Until(ex); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("expiry %s is not an hour away", ex)
	}
	now := time.Now()
	if api, err := w.arm.VerifyDebugCredential(tok, now); err != nil || api != "orders" {
		t.Errorf("verify: %q %v", api, err)
	}
	if err := w.arm.VerifyDebugCredentialFor(tok, "orders", now); err != nil {
		t.Errorf("verify for orders: %v", err)
	}
	if err := w.arm.VerifyDebugCredentialFor(tok, "inventory-v2", now); !errors.Is(err, ErrDebugCredentialWrongAPI) {
		t.Errorf("another API: %v", err)
	}
	if api, err := w.arm.VerifyDebugCredential(tok, now.Add(61*time.Minute)); !errors.Is(err, ErrDebugCredentialExpired) || api != "orders" {
		t.Errorf("an hour later: %q %v", api, err)
	}
	for _, bad := range []string{"", "garbage", strings.Replace(tok, "aid=orders", "aid=status", 1),
		strings.Replace(tok, "ex="+m[2], "ex=29991231235959", 1), tok[:len(tok)-4] + "AAA="} {
		if _, err := w.arm.VerifyDebugCredential(bad, now); !errors.Is(err, ErrDebugCredentialInvalid) {
			t.Errorf("tampered %q: %v", bad, err)
		}
	}
	// More than an hour is capped; a revision can be traced too.
	tok2, _ := w.debugToken("orders;rev=2", "PT5H")
	m2 := tokenRE.FindStringSubmatch(tok2)
	ex2, _ := time.Parse(debugLayout, m2[2])
	if m2[1] != "orders;rev=2" || time.Until(ex2) > 61*time.Minute {
		t.Errorf("PT5H: %s", tok2)
	}
	tok3, _ := w.debugToken("status", "PT10M")
	ex3, _ := time.Parse(debugLayout, tokenRE.FindStringSubmatch(tok3)[2])
	if d := time.Until(ex3); d > 11*time.Minute || d < 9*time.Minute {
		t.Errorf("PT10M: %s", tok3)
	}
	// The request's validation, as the REST reference states it.
	for name, body := range map[string]map[string]any{
		"no apiId":        {"purposes": []string{"tracing"}},
		"display name":    {"apiId": "Orders", "purposes": []string{"tracing"}},
		"no purposes":     {"apiId": svc("/apis/orders")},
		"bad duration":    {"apiId": svc("/apis/orders"), "purposes": []string{"tracing"}, "credentialsExpireAfter": "an hour"},
		"another service": {"apiId": ServiceID(ContosoSubscription, "apis", "other") + "/apis/orders", "purposes": []string{"tracing"}},
	} {
		a := w.do(w.contributor(), http.MethodPost, q(svc("/gateways/managed/listDebugCredentials")), body)
		if a.status != 400 || a.code() != "ValidationError" {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	a = w.do(w.contributor(), http.MethodPost, q(svc("/gateways/managed/listDebugCredentials")), map[string]any{"apiId": svc("/apis/nothing"), "purposes": []string{"tracing"}})
	if a.status != 404 {
		t.Errorf("unknown API: %d %s", a.status, a.raw)
	}
}

// A tier that does not trace still issues credentials; the gateway ignores them.
func TestNoTracingTier(t *testing.T) {
	w := newWorld(t, func(o *Options) { o.Services[0].NoTracing = true; o.Services[0].SKU = "StandardV2" })
	tok, a := w.debugToken("orders", "")
	if a.status != 200 {
		t.Fatalf("listDebugCredentials: %d %s", a.status, a.raw)
	}
	if _, err := w.arm.VerifyDebugCredential(tok, time.Now()); !errors.Is(err, ErrNoTracing) {
		t.Errorf("no tracing: %v", err)
	}
}

func TestTraces(t *testing.T) {
	w := newWorld(t)
	trace := json.RawMessage(`{"serviceName":"contoso","traceId":"t-1","traceEntries":{"inbound":[{"source":"validate-jwt","elapsed":"00:00:00.0100000","data":{"message":"JWT Validation Failed: IDX10214"}}]}}`)
	if err := w.arm.RecordTrace("t-1", trace); err != nil {
		t.Fatal(err)
	}
	if err := w.arm.RecordTrace("t-2", json.RawMessage("{")); err == nil {
		t.Error("a trace that is not JSON was stored")
	}
	a := w.do(w.contributor(), http.MethodPost, q(svc("/gateways/managed/listTrace")), map[string]any{"traceId": "t-1"})
	if a.status != 200 || string(a.raw) != string(trace) {
		t.Errorf("listTrace: %d %s", a.status, a.raw)
	}
	if a = w.do(w.contributor(), http.MethodPost, q(svc("/gateways/managed/listTrace")), map[string]any{"traceId": "nope"}); a.status != 404 {
		t.Errorf("unknown trace: %d %s", a.status, a.raw)
	}
	if a = w.do(w.contributor(), http.MethodPost, q(svc("/gateways/managed/listTrace")), map[string]any{}); a.status != 400 {
		t.Errorf("no traceId: %d %s", a.status, a.raw)
	}
	if a = w.do(w.contributor(), http.MethodPost, q(svc("/gateways/gw1/listTrace")), map[string]any{"traceId": "t-1"}); a.status != 404 {
		t.Errorf("a self-hosted gateway the service lacks: %d", a.status)
	}
}

func (w *world) graph(tok string, body map[string]any, version string) answer {
	return w.do(tok, http.MethodPost, "/providers/Microsoft.ResourceGraph/resources?api-version="+version, body)
}

func TestResourceGraphRespectsRBAC(t *testing.T) {
	other := Service{Name: "fabrikam-apim", SubscriptionID: "22222222-0000-4000-8000-000000000000", ResourceGroup: "Partners",
		Hostnames: []Hostname{{Type: "Proxy", HostName: "api.fabrikam.example"}}}
	w := newWorld(t, func(o *Options) {
		o.Services = append(o.Services, other)
		o.Assignments = append(o.Assignments, Assignment{PrincipalID: fakeentra.EvidenceContributorObjectID, Role: Reader,
			Scope: "/subscriptions/" + other.SubscriptionID})
	})
	query := map[string]any{"query": "resources\n| where type =~ 'microsoft.apimanagement/service'\n| project id, name, resourceGroup, subscriptionId, properties"}
	rows := func(a answer) []string {
		var out []string
		data, _ := a.body["data"].([]any)
		for _, r := range data {
			out = append(out, r.(map[string]any)["name"].(string))
		}
		return out
	}
	for _, ver := range []string{"2021-03-01", "2022-10-01", "2024-04-01"} {
		a := w.graph(w.reader(), query, ver)
		if a.status != 200 || !slices.Equal(rows(a), []string{"contoso"}) || a.body["totalRecords"] != float64(1) || a.body["resultTruncated"] != "false" {
			t.Fatalf("reader %s: %d %s", ver, a.status, a.raw)
		}
	}
	a := w.graph(w.reader(), query, "2022-10-01")
	row := a.body["data"].([]any)[0].(map[string]any)
	props := fmt.Sprint(row["properties"])
	if row["id"] != ContosoServiceID || row["resourceGroup"] != "apis" || row["subscriptionId"] != ContosoSubscription ||
		!strings.Contains(props, ContosoCustomHost) || !strings.Contains(props, ContosoNorthURL) || !strings.Contains(props, ContosoRegionalURL) {
		t.Errorf("row: %v", row)
	}
	if got := rows(w.graph(w.contributor(), query, "2022-10-01")); !slices.Equal(got, []string{"contoso", "fabrikam-apim"}) {
		t.Errorf("contributor: %v", got)
	}
	if a := w.graph(w.none(), query, "2022-10-01"); a.status != 200 || len(rows(a)) != 0 || a.body["count"] != float64(0) {
		t.Errorf("none: %d %s", a.status, a.raw)
	}
	scoped := map[string]any{"query": ServiceHostQuery, "subscriptions": []string{other.SubscriptionID}}
	if got := rows(w.graph(w.contributor(), scoped, "2022-10-01")); !slices.Equal(got, []string{"fabrikam-apim"}) {
		t.Errorf("one subscription: %v", got)
	}
	table := map[string]any{"query": ServiceHostQuery, "options": map[string]any{"resultFormat": "table"}}
	if a := w.graph(w.reader(), table, "2022-10-01"); !strings.Contains(string(a.raw), `"columns":[{"name":"id","type":"string"}`) {
		t.Errorf("table: %s", a.raw)
	}
	for _, bad := range []string{"resources | where type =~ 'microsoft.apimanagement/service'", "resources | take 1000", ""} {
		if a := w.graph(w.reader(), map[string]any{"query": bad}, "2022-10-01"); a.status != 400 || a.code() != "BadRequest" {
			t.Errorf("query %q: %d %s", bad, a.status, a.raw)
		}
	}
	if a := w.graph(w.reader(), query, ""); a.status != 400 || a.code() != "MissingApiVersionParameter" {
		t.Errorf("no api-version: %d", a.status)
	}
}

func TestNamedValues(t *testing.T) {
	w := newWorld(t, func(o *Options) {
		o.Services[0].NamedValues = append(o.Services[0].NamedValues,
			NamedValue{Name: "6613a8b2c1", DisplayName: "partner-secret", Value: "from-the-vault", Secret: true,
				KeyVault: &KeyVault{SecretIdentifier: "https://contoso-kv.vault.azure.net/secrets/partner", Status: "Failed",
					Message: "Key Vault secret not found", Checked: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}})
	})
	a := w.get(w.reader(), q(svc("/namedValues/backend-key")))
	if a.status != 200 || a.prop("secret") != true || a.prop("value") != nil {
		t.Errorf("secret named value shows %s", a.raw)
	}
	if a := w.get(w.reader(), q(svc("/namedValues/tenant-id"))); a.prop("value") != fakeentra.TenantID {
		t.Errorf("plain named value: %s", a.raw)
	}
	kv := w.get(w.reader(), q(svc("/namedValues/6613a8b2c1")))
	if kv.prop("displayName") != "partner-secret" || !strings.Contains(fmt.Sprint(kv.prop("keyVault")), "code:Failed") || kv.prop("value") != nil {
		t.Errorf("Key Vault named value: %s", kv.raw)
	}
	got, _, _ := w.names(w.reader(), q(svc("/namedValues?isKeyVaultRefreshFailed=true")))
	if !slices.Equal(got, []string{"6613a8b2c1"}) {
		t.Errorf("refresh failed: %v", got)
	}
	got, _, _ = w.names(w.reader(), q(svc("/namedValues?$filter=displayName%20eq%20'partner-secret'")))
	if !slices.Equal(got, []string{"6613a8b2c1"}) {
		t.Errorf("by display name: %v", got)
	}
	if a := w.do(w.contributor(), http.MethodPost, q(svc("/namedValues/6613a8b2c1/listValue")), nil); a.body["value"] != "from-the-vault" {
		t.Errorf("listValue: %s", a.raw)
	}
}

func TestSubscriptionKeysOnlyByListSecrets(t *testing.T) {
	w := newWorld(t)
	next := q(svc("/subscriptions"))
	scopes := map[string]string{}
	for next != "" {
		a := w.get(w.reader(), next)
		if strings.Contains(string(a.raw), StarterKey) || strings.Contains(string(a.raw), "primaryKey") {
			t.Fatalf("a key in the list: %s", a.raw)
		}
		for _, it := range a.body["value"].([]any) {
			m := it.(map[string]any)
			scopes[m["name"].(string)] = m["properties"].(map[string]any)["scope"].(string)
		}
		next, _ = a.body["nextLink"].(string)
	}
	want := map[string]string{"starter-adele": svc("/products/starter"), "partners-fabrikam": svc("/products/partners"),
		"orders-only": svc("/apis/orders"), "all-apis": svc("/apis"), "master": svc("/")}
	if fmt.Sprint(scopes) != fmt.Sprint(want) {
		t.Errorf("scopes %v", scopes)
	}
	a := w.do(w.contributor(), http.MethodPost, q(svc("/subscriptions/starter-adele/listSecrets")), nil)
	if a.status != 200 || a.body["primaryKey"] != StarterKey || a.body["secondaryKey"] == "" {
		t.Errorf("listSecrets: %s", a.raw)
	}
}

func TestFederatedCredentials(t *testing.T) {
	w := newWorld(t)
	base := "/subscriptions/" + ContosoSubscription + "/resourceGroups/orders/providers/Microsoft.ManagedIdentity/userAssignedIdentities/orders-uami"
	if base != fakeentra.UAMIResourceID {
		t.Fatalf("the identity is not fakeentra's: %s", base)
	}
	for _, ver := range []string{"2023-01-31", "2024-11-30"} {
		a := w.get(w.reader(), base+"/federatedIdentityCredentials?api-version="+ver)
		items, _ := a.body["value"].([]any)
		if a.status != 200 || len(items) != 1 {
			t.Fatalf("%s: %d %s", ver, a.status, a.raw)
		}
		p := items[0].(map[string]any)["properties"].(map[string]any)
		if p["issuer"] != fakeentra.FederatedIssuer || p["subject"] != fakeentra.FederatedSubject || fmt.Sprint(p["audiences"]) != "[api://AzureADTokenExchange]" {
			t.Errorf("credential: %v", p)
		}
	}
	if a := w.get(w.reader(), base+"?api-version=2023-01-31"); a.prop("clientId") != fakeentra.UAMIClientID {
		t.Errorf("identity: %s", a.raw)
	}
	a := w.get(w.none(), base+"/federatedIdentityCredentials?api-version=2023-01-31")
	if a.status != 403 || !strings.Contains(a.message(), "'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read'") {
		t.Errorf("none: %d %s", a.status, a.raw)
	}
	if a := w.get(w.reader(), base+"/federatedIdentityCredentials?api-version=2024-05-01"); a.status != 400 || a.code() != "NoRegisteredProviderFound" {
		t.Errorf("APIM's version for MSI: %d %s", a.status, a.raw)
	}
}
