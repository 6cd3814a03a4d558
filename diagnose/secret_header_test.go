package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/iostreams"
)

// A check-header on a secret-looking header hides both sides: the value sent
// and the values the policy expects (often a secret named value).
func TestCheckHeaderHidesSecretValues(t *testing.T) {
	p, err := Parse([]byte(`<check-header name="X-Api-Key" failed-check-httpcode="401" failed-check-error-message="denied"><value>{{api-secret}}</value></check-header>`),
		map[string]string{"api-secret": "expected-secret-123"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), Input{Policy: p, Headers: map[string]string{"X-Api-Key": "sent-secret-456"}})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	rep.WriteText(&text, iostreams.Palette{Green: noColour, Red: noColour, Yellow: noColour, Bold: noColour, Dim: noColour, Cyan: noColour}, "policy.xml")
	doc, _ := json.Marshal(rep)
	for _, out := range []string{text.String(), string(doc)} {
		for _, secret := range []string{"expected-secret-123", "sent-secret-456"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q printed:\n%s", secret, out)
			}
		}
	}
	if !strings.Contains(text.String(), "hidden") {
		t.Errorf("no word that the values are hidden:\n%s", text.String())
	}
}

func noColour(s string) string { return s }
