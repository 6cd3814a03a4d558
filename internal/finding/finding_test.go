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

// IdentityModel's messages, in the forms its versions write them
// (LogMessages.cs), are read back with their parameters.
func TestFindIDX(t *testing.T) {
	pii := "[PII of type 'System.String' is hidden. For more details, see https://aka.ms/IdentityModel/PII.]"
	tests := []struct {
		text  string
		code  string
		known bool
		want  map[string]string
	}{
		{"IDX10214: Audience validation failed. Audiences: 'api://a'. Did not match: validationParameters.ValidAudience: 'null' or validationParameters.ValidAudiences: 'api://b, c'.",
			"IDX10214", true, map[string]string{"Audiences": "api://a", "validationParameters.ValidAudience": "null", "validationParameters.ValidAudiences": "api://b, c"}},
		{"JWT Validation Failed: IDX10205: Issuer validation failed. Issuer: 'https://x/v2.0'. Did not match: validationParameters.ValidIssuer: '' or validationParameters.ValidIssuers: 'https://y/'..",
			"IDX10205", true, map[string]string{"Issuer": "https://x/v2.0", "validationParameters.ValidIssuer": "", "validationParameters.ValidIssuers": "https://y/"}},
		// "Issuer" is not the end of "CurrentConfiguration.Issuer" or "ValidIssuer".
		{"IDX10205: Issuer validation failed. Issuer: 'i'. Did not match: validationParameters.ValidIssuer: 'a' or validationParameters.ValidIssuers: 'b' or validationParameters.ConfigurationManager.CurrentConfiguration.Issuer: 'c'. For more details, see https://aka.ms/IdentityModel/issuer-validation. ",
			"IDX10205", true, map[string]string{"Issuer": "i", "validationParameters.ValidIssuer": "a", "validationParameters.ValidIssuers": "b", "validationParameters.ConfigurationManager.CurrentConfiguration.Issuer": "c"}},
		{"IDX10223: Lifetime validation failed. The token is expired. ValidTo (UTC): '1/1/2026 10:00:00', Current time (UTC): '1/1/2026 11:00:00'.",
			"IDX10223", true, map[string]string{"ValidTo": "1/1/2026 10:00:00", "Current time": "1/1/2026 11:00:00"}},
		{"IDX10222: Lifetime validation failed. The token is not yet valid. ValidFrom: 'f', Current time: 'n'.", "IDX10222", true, map[string]string{"ValidFrom": "f", "Current time": "n"}},
		{"IDX10501: Signature validation failed. Unable to match key: \nkid: 'k1'.\nExceptions caught:\n ''. \ntoken: '" + pii + "'.", "IDX10501", true, map[string]string{"kid": "k1"}},
		{"IDX10501: Signature validation failed. Unable to match 'kid': 'k2'", "IDX10501", true, map[string]string{"kid": "k2"}},
		{"IDX10503: Signature validation failed. The token's kid is: 'k3', but did not match any keys in TokenValidationParameters or Configuration. Keys tried: '" + pii + "'.",
			"IDX10503", true, map[string]string{"kid is": "k3", "Keys tried": HiddenPII}},
		{"IDX10511: Signature validation failed. Keys tried: '[PII is hidden]'. \nkid: 'k4'. \nExceptions caught:\n '[PII is hidden]'.", "IDX10511", true, map[string]string{"kid": "k4", "Keys tried": HiddenPII}},
		{"IDX10634: Unable to create the SignatureProvider.\nAlgorithm: 'RS256', SecurityKey: 'Microsoft.IdentityModel.Tokens.SymmetricSecurityKey'\n is not supported.",
			"IDX10634", true, map[string]string{"Algorithm": "RS256", "SecurityKey": "Microsoft.IdentityModel.Tokens.SymmetricSecurityKey"}},
		{"IDX10214: Audience validation failed. Audiences: '" + pii + "'. Did not match: validationParameters.ValidAudience: '" + pii + "' or validationParameters.ValidAudiences: '" + pii + "'.",
			"IDX10214", true, map[string]string{"Audiences": HiddenPII, "validationParameters.ValidAudience": HiddenPII, "validationParameters.ValidAudiences": HiddenPII}},
		{"IDX12741: JWT must have three segments (JWS) or five segments (JWE).", "IDX12741", true, map[string]string{}},
		{"boom IDX10257: Token type validation failed. Type: 'at+jwt'.", "IDX10257", false, map[string]string{}},
	}
	for _, tt := range tests {
		m, ok := FindIDX(tt.text)
		if !ok || m.Code != tt.code || m.Known != tt.known {
			t.Errorf("%q: found %v, code %s, known %v", tt.text, ok, m.Code, m.Known)
			continue
		}
		if len(m.Params) != len(tt.want) {
			t.Errorf("%s: params %q, want %q", tt.code, m.Params, tt.want)
		}
		for k, v := range tt.want {
			if m.Params[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.code, k, m.Params[k], v)
			}
		}
		if !strings.HasPrefix(m.Text, tt.code) {
			t.Errorf("text %q does not start at the code", m.Text)
		}
	}
	for _, s := range []string{"", "no code here", "XIDX10214", "IDX1021"} {
		if _, ok := FindIDX(s); ok {
			t.Errorf("found an IDX message in %q", s)
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain, Grüße, 日本":            "plain, Grüße, 日本",
		"a\x1b[2Jb":                   `a\x1b[2Jb`,
		"line\nnext\ttab\r":           `line\nnext\ttab\r`,
		"bell\x07 del\x7f c1\u0085":   `bell\x07 del\x7f c1\u0085`,
		"rtl \u202eevil\u2066 \u2028": `rtl \u202eevil\u2066 \u2028`,
		"bad \xff byte":               `bad \xff byte`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	ios, _, _, _ := iostreams.Test()
	var b bytes.Buffer
	Write(&b, ios.Palette(), Finding{Code: GatewayRefused, Severity: SeverityError, Message: "m\x1b]0;x\x07", Actual: "a\x1b[31m", Fix: "f\r"})
	if strings.ContainsAny(b.String(), "\x1b\x07\r") {
		t.Errorf("Write let a control character through: %q", b.String())
	}
}
