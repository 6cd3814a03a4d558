package fakeapim

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

func TestGateway(t *testing.T) {
	tenant := fakeentra.New()
	defer tenant.Close()
	policy, err := os.ReadFile("../../testdata/policies/orders.xml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Options{Policy: policy, RequireSubscription: true, Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	good := tenant.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	norole := tenant.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{})
	get := func(path, tok, key string) (int, string, http.Header) {
		req, _ := http.NewRequest("GET", g.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if key != "" {
			req.Header.Set("Ocp-Apim-Subscription-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var apim struct{ Message string }
		json.Unmarshal(b, &apim)
		return resp.StatusCode, apim.Message, resp.Header
	}
	for _, tt := range []struct {
		name, path, tok, key string
		status               int
		message              string
	}{
		{"no key", "orders", good, "", 401, MissingKeyMessage},
		{"wrong key", "orders", good, "nope", 401, InvalidKeyMessage},
		{"no token", "orders", "", SubscriptionKey, 401, "JWT not present."},
		{"no role", "orders", norole, SubscriptionKey, 401, "JWT token is missing the following claims: roles. Access denied."},
		{"good", "orders", good, SubscriptionKey, 200, ""},
		{"backend refuses", "admin/x", good, SubscriptionKey, 401, ""},
	} {
		status, msg, h := get(tt.path, tt.tok, tt.key)
		if status != tt.status || msg != tt.message {
			t.Errorf("%s: %d %q, want %d %q", tt.name, status, msg, tt.status, tt.message)
		}
		if tt.name == "backend refuses" && h.Get("WWW-Authenticate") == "" {
			t.Error("the backend's refusal has no WWW-Authenticate")
		}
	}
	// Query key, used only without the header.
	req, _ := http.NewRequest("GET", g.URL+"orders?subscription-key="+SubscriptionKey, nil)
	req.Header.Set("Authorization", "Bearer "+good)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("query key: %v %v", err, resp)
	}
	// Concurrent requests (run with -race).
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s, _, _ := get("orders", good, SubscriptionKey); s != 200 {
				t.Errorf("concurrent: %d", s)
			}
		}()
	}
	wg.Wait()
	if gw, be := g.Counts(); gw != 23 || be != 19 { // 6 + 1 + 16 at the gateway; good, admin, query and 16 at the backend
		t.Errorf("counts gateway %d backend %d", gw, be)
	}
}
