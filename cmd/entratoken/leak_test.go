package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// TestNoGoroutineLeaks runs every command in-process against the simulated
// tenant and gateway and checks that the goroutines they start are gone when
// they return: the packages are libraries too, and call --repeat is
// concurrent.
func TestNoGoroutineLeaks(t *testing.T) {
	tenant := fakeentra.New()
	defer tenant.Close()
	orders, err := os.ReadFile("../../testdata/policies/orders.xml")
	if err != nil {
		t.Fatal(err)
	}
	gw, err := fakeapim.New(fakeapim.Options{Policy: orders, RequireSubscription: true, Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	tok := tenant.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	cache := t.TempDir()
	policy := filepath.Join("..", "..", "testdata", "policies", "orders.xml")
	env := map[string]string{"AZURE_CLIENT_SECRET": fakeentra.ClientSecret, "APIM_SUBSCRIPTION_KEY": fakeapim.SubscriptionKey,
		"ENTRATOKEN_IMDS_ENDPOINT": "http://127.0.0.1:1/"}
	common := []string{"--authority-host", tenant.URL, "--cache-dir", cache}
	commands := [][]string{
		{"inspect", tok},
		{"acquire", "--method", "client-secret", "--tenant", fakeentra.TenantID, "--client-id", fakeentra.ClientID, "--resource", fakeentra.APIAppIDURI},
		{"diagnose", tok, "--policy", policy},
		{"call", gw.URL + "orders", "--token", tok, "--repeat", "20", "--concurrency", "4"},
		{"call", gw.URL + "orders", "--method", "client-secret", "--tenant", fakeentra.TenantID, "--client-id", fakeentra.ClientID, "--resource", fakeentra.APIAppIDURI},
		{"call", "http://127.0.0.1:1/", "--token", tok},
	}
	runOne := func(args []string) {
		ios, _, _, _ := iostreams.Test()
		f := &Factory{IO: ios, Getenv: func(k string) string { return env[k] }, RootCAs: tenant.CertPool()}
		run(context.Background(), f, append(args, common...))
	}
	for _, args := range commands {
		runOne(args) // warm up: package-level state (MSAL's caches) settles
	}
	settle := func() int {
		n := runtime.NumGoroutine()
		for i := 0; i < 50; i++ {
			time.Sleep(20 * time.Millisecond)
			if m := runtime.NumGoroutine(); m >= n {
				return m
			} else {
				n = m
			}
		}
		return n
	}
	base := settle()
	for _, args := range commands {
		for range 3 {
			runOne(args)
		}
		if n := settle(); n > base {
			buf := make([]byte, 1<<16)
			t.Errorf("%s: %d goroutines after, %d before:\n%s", args[0], n, base, buf[:runtime.Stack(buf, true)])
		}
	}
}
