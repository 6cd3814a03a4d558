package finding

import (
	"regexp"
	"strings"
)

// IDX explains a Microsoft.IdentityModel message code, as APIM's trace and
// its 401 bodies show them ("JWT Validation Failed: IDX10205: ..."), by the
// finding it means (shared/reference/entra-apim.md §1.5). Params names the
// parameters its message carries, as IdentityModel's LogMessages.cs writes
// them ("Audiences: '{0}'"), so that a message can be read back.
type IDX struct {
	Code    string
	Finding string
	Means   string
	Params  []string
}

var idx = map[string]IDX{
	"IDX10205": {Finding: IssuerMismatch, Means: "issuer validation failed: the token's iss is not among the accepted issuers (often v1 vs v2 metadata: see ISSUER_VERSION_MISMATCH)",
		Params: []string{"Issuer", "validationParameters.ValidIssuer", "validationParameters.ValidIssuers", "validationParameters.ConfigurationManager.CurrentConfiguration.Issuer"}},
	"IDX10214": {Finding: AudienceMismatch, Means: "audience validation failed: the token's aud is not among the policy's <audiences>",
		Params: []string{"Audiences", "validationParameters.ValidAudience", "validationParameters.ValidAudiences"}},
	"IDX10223": {Finding: Expired, Means: "lifetime validation failed: the token is expired", Params: []string{"ValidTo", "Current time"}},
	"IDX10222": {Finding: NotYetValid, Means: "lifetime validation failed: the token is not yet valid (nbf in the future)", Params: []string{"ValidFrom", "Current time"}},
	"IDX10225": {Finding: ExpirationMissing, Means: "lifetime validation failed: the token has no expiration time"},
	"IDX10501": {Finding: SigningKeyNotFound, Means: "signature validation failed: no key matches the token's kid (another tenant, a retired key, or custom signing keys needing ?appid=)",
		Params: []string{"kid"}},
	// IDX10503 changed meaning: older IdentityModel writes it when no key
	// verifies the signature, newer when the kid matches no key ("The
	// token's kid is: ...").
	"IDX10503": {Finding: SignatureInvalid, Means: "signature validation failed with every key tried (newer IdentityModel: the token's kid matched none of the keys)",
		Params: []string{"kid is", "Keys tried"}},
	"IDX10511": {Finding: SignatureInvalid, Means: "signature validation failed with the key of the token's kid (an altered or cut-off token, or a Graph token with a nonce header)",
		Params: []string{"kid", "Keys tried"}},
	"IDX10504": {Finding: Unsigned, Means: "the token has no signature"},
	"IDX10500": {Finding: SigningKeyNotFound, Means: "no keys were provided to validate the signature: the policy has no openid-config and no issuer-signing-keys, or they could not be loaded"},
	"IDX10634": {Finding: PolicyUnsatisfiable, Means: "no signature provider for the algorithm and key: typically an inline Base64 <key>, which APIM treats as symmetric, used for an RS256 token",
		Params: []string{"Algorithm", "SecurityKey"}},
	"IDX12741": {Finding: TokenMalformed, Means: "the JWT does not have three (JWS) or five (JWE) segments"},
	"IDX12709": {Finding: TokenMalformed, Means: "the JWT is not well formed (CanReadToken returned false)"},
}

// LookupIDX returns the explanation of an IdentityModel code ("IDX10205" or
// "idx10205").
func LookupIDX(code string) (IDX, bool) {
	c := strings.ToUpper(strings.TrimSpace(code))
	e, ok := idx[c]
	e.Code = c
	return e, ok
}

// IDXMessage is an IdentityModel message found in a text (a 401 body, a
// trace line), with the parameters its code carries.
type IDXMessage struct {
	IDX
	Known  bool              // the code is in entratoken's table
	Text   string            // the message from its code on, as it came
	Params map[string]string // by the names in IDX.Params; a hidden value is HiddenPII
}

// HiddenPII stands for a parameter IdentityModel hid ("[PII of type
// 'System.String' is hidden ...]", "[PII is hidden]").
const HiddenPII = "(hidden)"

var idxCode = regexp.MustCompile(`\bIDX\d{5}\b`)

// FindIDX finds the first IdentityModel message in text and reads its
// parameters. An unknown code is returned too (Known false), so that it can
// be shown as it came.
func FindIDX(text string) (IDXMessage, bool) {
	loc := idxCode.FindStringIndex(text)
	if loc == nil {
		return IDXMessage{}, false
	}
	e, known := LookupIDX(text[loc[0]:loc[1]])
	m := IDXMessage{IDX: e, Known: known, Text: text[loc[0]:], Params: map[string]string{}}
	for _, name := range e.Params {
		if v, ok := idxParam(m.Text, name); ok {
			m.Params[name] = v
		}
	}
	return m, true
}

// idxParam reads the value of `name: 'value'` (also `name (UTC): 'value'`
// and `'name': 'value'`, as IdentityModel versions write them). The name
// must stand alone: "Issuer" is not the end of "ValidIssuer" or of
// "CurrentConfiguration.Issuer".
func idxParam(text, name string) (string, bool) {
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], name)
		if i < 0 {
			return "", false
		}
		i += from
		from = i + 1
		if i > 0 && isNameChar(text[i-1]) {
			continue
		}
		rest := text[i+len(name):]
		rest = strings.TrimPrefix(rest, " (UTC)")
		rest = strings.TrimPrefix(rest, "'")
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(rest, ":") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " ")
		if !strings.HasPrefix(rest, "'") {
			continue
		}
		rest = rest[1:]
		if strings.HasPrefix(rest, "[PII") {
			return HiddenPII, true
		}
		end := strings.IndexByte(rest, '\'')
		if end < 0 {
			return strings.TrimSpace(rest), true
		}
		return rest[:end], true
	}
	return "", false
}

func isNameChar(c byte) bool {
	return c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
