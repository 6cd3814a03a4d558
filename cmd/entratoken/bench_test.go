package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// BenchmarkInspectCommand measures the whole inspect command in-process
// (flag parsing, reading the key file, verification, the text report):
// what a process pays beyond Go's own start-up.
func BenchmarkInspectCommand(b *testing.B) {
	srv := fakeentra.New()
	defer srv.Close()
	tn := srv.Tenant(fakeentra.TenantID)
	tok := tn.MustMint(b, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	jwks := filepath.Join(b.TempDir(), "keys.json")
	if err := os.WriteFile(jwks, tn.KeySetJSON(entra.V2), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ios, _, _, _ := iostreams.Test()
		f := &Factory{IO: ios, Getenv: func(string) string { return "" }}
		if code := run(context.Background(), f, []string{"inspect", tok, "--jwks", jwks, "--offline"}); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
