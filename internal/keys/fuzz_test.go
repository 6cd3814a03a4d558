package keys

import (
	"testing"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

// FuzzParseSet: any bytes a key-set endpoint could send end in a set or an
// error, never a panic. Seeded with Entra-shaped sets from the simulated
// tenant, a single key, and near misses.
func FuzzParseSet(f *testing.F) {
	srv := fakeentra.New()
	tn := srv.Tenant(fakeentra.TenantID)
	f.Add(tn.KeySetJSON(entra.V2))
	f.Add(tn.KeySetJSON(entra.V1))
	srv.Close()
	f.Add([]byte(`{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"k"}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		set, _, err := parseSet(b)
		if err == nil && set.Len() == 0 {
			t.Fatal("an empty set was accepted")
		}
	})
}
