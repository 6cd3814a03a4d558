package main

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/policy"
)

// TestDemoService: the demo's service folder is a valid APIOps folder that
// lints without errors, and its gateway refuses the orders daemon's token with
// a partners key (the product policy) and accepts it with a starter key.
func TestDemoService(t *testing.T) {
	tenant := fakeentra.New()
	defer tenant.Close()
	folder, gw, err := startDemoService(t.TempDir(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	svc, err := policy.ReadAPIOps(folder)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := diagnose.LintService(svc)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Severity == "error" {
			t.Errorf("lint error in the demo's folder: %s %s", f.Code, f.Message)
		}
	}
	tok := tenant.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	for key, want := range map[string]int{fakeapim.SubscriptionKey: 200, fakeapim.OtherSubscriptionKey: 401} {
		req, _ := http.NewRequest("GET", gw.URL+"orders/42", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Ocp-Apim-Subscription-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var apim struct{ Message string }
		json.Unmarshal(b, &apim)
		if resp.StatusCode != want || want == 401 && apim.Message != "Partner access only" {
			t.Errorf("key %s…: %d %q, want %d", key[:4], resp.StatusCode, apim.Message, want)
		}
	}
}
