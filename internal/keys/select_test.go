package keys

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

// tenantKeys returns contoso's v2 key set as Entra publishes it, as a list of
// JSON objects to tamper with.
func tenantKeys(t *testing.T) (kid string, keys []map[string]any) {
	srv := fakeentra.New()
	defer srv.Close()
	var doc struct{ Keys []map[string]any }
	if err := json.Unmarshal(srv.Tenant(fakeentra.TenantID).KeySetJSON(entra.V2), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Keys[0]["kid"].(string), doc.Keys
}

func setOf(t *testing.T, keys ...map[string]any) *Set {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	ks, skipped, err := parseSet(b)
	if err != nil {
		t.Fatalf("parseSet: %v", err)
	}
	return &Set{Keys: ks, Skipped: skipped}
}

func clone(m map[string]any) map[string]any {
	c := map[string]any{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

var contosoIss = entra.IssuerV2(fakeentra.TenantID)

// A key Entra bound to another tenant never verifies this tenant's token; a
// key bound to this tenant, or to every tenant ({tenantid}), does.
func TestCandidatesHonourKeyIssuer(t *testing.T) {
	kid, keys := tenantKeys(t)
	other := clone(keys[0])
	other["issuer"] = entra.IssuerV2(fakeentra.OtherTenantID)
	if ks, notes := setOf(t, other).Candidates(kid, contosoIss, fakeentra.TenantID); len(ks) != 0 || len(notes) != 1 || !strings.Contains(notes[0], fakeentra.OtherTenantID) {
		t.Errorf("another tenant's key: %d candidates, notes %q", len(ks), notes)
	}
	common := clone(keys[0])
	common["issuer"] = "https://login.microsoftonline.com/{tenantid}/v2.0"
	for name, k := range map[string]map[string]any{"own": keys[0], "template": common} {
		if ks, _ := setOf(t, k).Candidates(kid, contosoIss, fakeentra.TenantID); len(ks) != 1 {
			t.Errorf("%s key: %d candidates", name, len(ks))
		}
	}
	// A v1 token (sts.windows.net) of the same tenant, checked with v2 keys: fine.
	if ks, _ := setOf(t, keys[0]).Candidates(kid, entra.IssuerV1(fakeentra.TenantID), fakeentra.TenantID); len(ks) != 1 {
		t.Error("a v1 token of the same tenant lost its v2 key")
	}
}

// One key that does not parse does not make the set unusable; an encryption
// key is never a signature key; each is noted.
func TestParseSetSkipsWhatCannotVerify(t *testing.T) {
	kid, keys := tenantKeys(t)
	broken := map[string]any{"kty": "RSA", "kid": "broken", "n": "%%%", "e": "AQAB"}
	enc := clone(keys[0])
	enc["use"], enc["kid"] = "enc", "enc-key"
	noVerify := clone(keys[0])
	noVerify["key_ops"], noVerify["kid"] = []string{"encrypt"}, "ops-key"
	s := setOf(t, broken, enc, noVerify, keys[0])
	if s.Keys.Len() != 1 {
		t.Fatalf("%d keys kept, want 1", s.Keys.Len())
	}
	if len(s.Skipped) != 3 || !strings.Contains(strings.Join(s.Skipped, "|"), "use: enc") {
		t.Errorf("skipped: %q", s.Skipped)
	}
	if ks, _ := s.Candidates(kid, contosoIss, fakeentra.TenantID); len(ks) != 1 {
		t.Error("the signing key was lost")
	}
	encOnly := clone(keys[0])
	encOnly["use"] = "enc"
	b, _ := json.Marshal(map[string]any{"keys": []any{encOnly}})
	if _, _, err := parseSet(b); err == nil || !strings.Contains(err.Error(), "no signing key") {
		t.Errorf("a set of encryption keys only: %v", err)
	}
}
