package finding

import (
	"sort"
	"strings"
)

// IDX explains a Microsoft.IdentityModel message code, as APIM's trace shows
// them ("JWT Validation Failed: IDX10205: ..."), by the finding it means
// (shared/reference/entra-apim.md §1.5).
type IDX struct {
	Code    string
	Finding string
	Means   string
}

var idx = map[string]IDX{
	"IDX10205": {Finding: IssuerMismatch, Means: "issuer validation failed: the token's iss is not among the accepted issuers (often v1 vs v2 metadata: see ISSUER_VERSION_MISMATCH)"},
	"IDX10214": {Finding: AudienceMismatch, Means: "audience validation failed: the token's aud is not among the policy's <audiences>"},
	"IDX10223": {Finding: Expired, Means: "lifetime validation failed: the token is expired"},
	"IDX10222": {Finding: NotYetValid, Means: "lifetime validation failed: the token is not yet valid (nbf in the future)"},
	"IDX10225": {Finding: ExpirationMissing, Means: "lifetime validation failed: the token has no expiration time"},
	"IDX10501": {Finding: SigningKeyNotFound, Means: "signature validation failed: no key matches the token's kid (another tenant, a retired key, or custom signing keys needing ?appid=)"},
	"IDX10503": {Finding: SignatureInvalid, Means: "signature validation failed with every key tried"},
	"IDX10511": {Finding: SignatureInvalid, Means: "signature validation failed with the key of the token's kid (an altered token, or a Graph token with a nonce header)"},
	"IDX10504": {Finding: Unsigned, Means: "the token has no signature"},
	"IDX10500": {Finding: SigningKeyNotFound, Means: "no keys were provided to validate the signature: the policy has no openid-config and no issuer-signing-keys, or they could not be loaded"},
	"IDX10634": {Finding: PolicyUnsatisfiable, Means: "no signature provider for the algorithm and key: typically an inline Base64 <key>, which APIM treats as symmetric, used for an RS256 token"},
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

// IDXCodes returns every IdentityModel code explained, sorted.
func IDXCodes() []IDX {
	out := make([]IDX, 0, len(idx))
	for c := range idx {
		e, _ := LookupIDX(c)
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}
