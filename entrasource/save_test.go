package entrasource

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What --save-evidence writes of a registration keeps no part of a secret:
// neither secretText (should Graph ever return it) nor hint, the secret's
// first characters.
func TestSaveKeepsNoPartOfASecret(t *testing.T) {
	app := `{"id":"o1","appId":"a1","passwordCredentials":[{"keyId":"k1","displayName":"ci","hint":"Xq7",` +
		`"endDateTime":"2026-01-31T00:00:00Z","secretText":"Xq7~s3cr3tvalue"}]}`
	e := &Evidence{raw: map[string]json.RawMessage{"applications/a1.json": json.RawMessage(app)}}
	dir := t.TempDir()
	if _, err := e.Save(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "entra", "applications", "a1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "Xq7") || strings.Contains(string(b), "secretText") {
		t.Errorf("saved:\n%s", b)
	}
	if !strings.Contains(string(b), `"endDateTime"`) {
		t.Errorf("the end date, which the checks read, is gone:\n%s", b)
	}
}
