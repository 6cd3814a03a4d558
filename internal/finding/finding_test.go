package finding

import (
	"bytes"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/iostreams"
)

func TestWrite(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var b bytes.Buffer
	Write(&b, ios.Palette(), Finding{Code: RoleMissing, Severity: SeverityError, Message: "m", Expected: "e", Actual: "a",
		Fix: "f", Side: SideEntra, Line: 7, Primary: true})
	for _, want := range []string{"error   ROLE_MISSING (the one APIM reports) [policy line 7]  m", "expected: e", "actual:   a", "fix (Entra app registration): f"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in:\n%s", want, b.String())
		}
	}
	if !HasErrors([]Finding{{Severity: SeverityWarning}, {Severity: SeverityError}}) || HasErrors([]Finding{{Severity: SeverityInfo}}) {
		t.Error("HasErrors")
	}
	for _, d := range Catalogue() {
		if d.When == "" || d.Fix == "" {
			t.Errorf("%s is undocumented", d.Code)
		}
	}
	if _, ok := Describe(ScopeNotDefault); !ok {
		t.Error("a spec code lacks documentation")
	}
}

func TestIDX(t *testing.T) {
	for c, want := range map[string]string{"IDX10205": IssuerMismatch, "idx10501": SigningKeyNotFound, "IDX10634": PolicyUnsatisfiable} {
		x, ok := LookupIDX(c)
		if !ok || x.Finding != want || x.Means == "" {
			t.Errorf("%s: %+v", c, x)
		}
		if _, ok := Describe(x.Finding); !ok {
			t.Errorf("%s maps to undocumented %s", c, x.Finding)
		}
	}
	if _, ok := LookupIDX("IDX1"); ok {
		t.Error("unknown code found")
	}
}
