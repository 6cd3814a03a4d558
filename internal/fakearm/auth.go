package fakearm

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/entratoken/entratoken/internal/entra"
)

// principal is the caller a verified token names.
type principal struct {
	oid     string
	display string // the upn for users, else the object id (as ARM's 403 names them)
	tid     string
}

type tokenClaims struct {
	Aud        string `json:"aud"`
	Iss        string `json:"iss"`
	Tid        string `json:"tid"`
	Oid        string `json:"oid"`
	Upn        string `json:"upn"`
	UniqueName string `json:"unique_name"`
	Preferred  string `json:"preferred_username"`
	Exp        int64  `json:"exp"`
	Nbf        int64  `json:"nbf"`
}

// authenticate checks the bearer token as ARM does and answers 401 with
// ARM's codes otherwise: AuthenticationFailed (no or malformed header),
// InvalidAuthenticationToken (not a token, bad signature, unknown issuer),
// InvalidAuthenticationTokenTenant, InvalidAuthenticationTokenAudience,
// ExpiredAuthenticationToken. Keys come from the simulated tenant the
// subscriptions trust, never from the token.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) *principal {
	deny := func(code, msg, desc string) *principal {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="%s"`, desc))
		writeError(w, http.StatusUnauthorized, code, msg)
		return nil
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return deny("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
			"The authentication failed because of missing 'Authorization' header.")
	}
	scheme, raw, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return deny("AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format.",
			"The authentication failed because of invalid 'Authorization' header.")
	}
	raw = strings.TrimSpace(raw)
	invalid := func() *principal {
		return deny("InvalidAuthenticationToken", "The access token is invalid.", "The access token is invalid.")
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return invalid()
	}
	var hdr struct{ Alg string }
	var c tokenClaims
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	pb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(pb, &c) != nil || hdr.Alg != "RS256" {
		return invalid()
	}
	// The keys are the tenant's published ones, never the token's; a valid
	// token of another tenant is then refused by name, as ARM does.
	t := s.opts.Entra.Tenant(c.Tid)
	if t == nil {
		return invalid()
	}
	set, err := jwk.Parse(t.KeySetJSON(entra.V1))
	if err != nil {
		return invalid()
	}
	if _, err := jws.Verify([]byte(raw), jws.WithKeySet(set, jws.WithInferAlgorithmFromKey(true), jws.WithRequireKid(true))); err != nil {
		return invalid()
	}
	want := s.opts.TenantID
	if !strings.EqualFold(t.ID, want) {
		return deny("InvalidAuthenticationTokenTenant", fmt.Sprintf(
			"The access token is from the wrong issuer '%s'. It must match the tenant '%s' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/%s' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.",
			c.Iss, entra.IssuerV1(want), want), "The access token is from the wrong issuer.")
	}
	if c.Iss != entra.IssuerV1(want) && c.Iss != entra.IssuerV2(want) {
		return invalid()
	}
	if !s.audienceOK(c.Aud) {
		return deny("InvalidAuthenticationTokenAudience", fmt.Sprintf(
			"The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences %s.",
			c.Aud, s.allowedAudiences()), "The access token has been obtained for wrong audience or resource.")
	}
	now := time.Now().UTC()
	if c.Exp == 0 || now.Unix() > c.Exp {
		const layout = "1/2/2006 3:04:05 PM"
		return deny("ExpiredAuthenticationToken", fmt.Sprintf("The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
			time.Unix(c.Exp, 0).UTC().Format(layout), now.Format(layout)), "The access token expiry UTC time is earlier than current UTC time.")
	}
	if c.Nbf != 0 && now.Unix()+300 < c.Nbf {
		return invalid()
	}
	if c.Oid == "" {
		return deny("InvalidAuthenticationToken", "The received access token is not valid: at least one of the claims 'puid' or 'altsecid' or 'oid' should be present. If you are accessing as application please make sure service principal is properly created in the tenant.",
			"The access token is invalid.")
	}
	return &principal{oid: c.Oid, tid: c.Tid, display: cmp.Or(c.Upn, c.UniqueName, c.Preferred, c.Oid)}
}

// allowed audiences: the configured one with and without its slash, plus
// the classic ARM audience when the configured one is ARM's.
func (s *Server) audiences() []string {
	a := strings.TrimSuffix(s.opts.Audience, "/")
	out := []string{a + "/", a}
	if a == DefaultAudience {
		out = append([]string{"https://management.core.windows.net/", "https://management.core.windows.net"}, out...)
	}
	return out
}

func (s *Server) audienceOK(aud string) bool {
	for _, a := range s.audiences() {
		if aud == a {
			return true
		}
	}
	return false
}

func (s *Server) allowedAudiences() string {
	q := make([]string, 0, 4)
	for _, a := range s.audiences() {
		q = append(q, "'"+a+"'")
	}
	return strings.Join(q, ",")
}
