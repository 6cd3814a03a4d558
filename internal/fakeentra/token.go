package fakeentra

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// oidcScopes are added by MSAL to every request; they do not name a resource.
var oidcScopes = map[string]bool{"openid": true, "offline_access": true, "profile": true, "email": true}

// tokenEndpoint implements POST /{tenant}/oauth2/v2.0/token for client
// credentials: a secret, a certificate assertion, or a federated assertion,
// each verified for real, and Entra's error JSON for every refusal.
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request, t *Tenant) {
	if err := r.ParseForm(); err != nil {
		writeError(w, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeError(w, 400, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", gt))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clientID := r.PostForm.Get("client_id")
	app := s.dir.apps[clientID]
	if app == nil || app.ResourceID != "" || clientID == MIClientID {
		writeError(w, 400, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.Domain))
		return
	}
	api, status, code, errCode, msg := s.resolveScopes(r.PostForm.Get("scope"), t)
	if api == nil {
		writeError(w, status, errCode, code, msg)
		return
	}
	if status, code, errCode, msg := s.authenticate(r, app, t); code != 0 {
		writeError(w, status, errCode, code, msg)
		return
	}
	roles := s.dir.roles(clientID, api)
	if api.AssignmentRequired && len(roles) == 0 {
		writeError(w, 400, "invalid_grant", 501051, fmt.Sprintf(
			"Application '%s'(%s) is not assigned to a role for the application '%s'(%s).", clientID, app.Name, api.ClientID, api.Name))
		return
	}
	s.issue(w, t, api, s.requestedResource(r.PostForm.Get("scope")), app, roles, nil)
}

// resolveScopes applies Entra's client-credentials scope rules: every
// non-OIDC scope must be <resource>/.default, all of one resource, and the
// resource must exist in the tenant.
func (s *Server) resolveScopes(scope string, t *Tenant) (api *API, status, code int, errCode, msg string) {
	var resources []string
	for _, sc := range strings.Fields(scope) {
		if oidcScopes[sc] {
			continue
		}
		if !strings.HasSuffix(sc, "/.default") {
			return nil, 400, 1002012, "invalid_scope", fmt.Sprintf(
				"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", sc)
		}
		resources = append(resources, strings.TrimSuffix(sc, "/.default"))
	}
	switch {
	case len(resources) == 0:
		return nil, 400, 900144, "invalid_request", "The request body must contain the following parameter: 'scope'."
	case len(resources) > 1:
		return nil, 400, 28000, "invalid_scope", fmt.Sprintf(
			"Provided value for the input parameter scope is not valid because it contains more than one resource. Scope %s is not valid.", scope)
	}
	api = s.dir.resource(resources[0])
	if api == nil {
		return nil, 400, 500011, "invalid_resource", fmt.Sprintf(
			"The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resources[0], t.Domain)
	}
	return api, 0, 0, "", ""
}

// requestedResource is the resource as the client named it: v1 tokens carry
// it as aud, whichever form it had.
func (s *Server) requestedResource(scope string) string {
	for _, sc := range strings.Fields(scope) {
		if !oidcScopes[sc] {
			return strings.TrimSuffix(sc, "/.default")
		}
	}
	return ""
}

// authenticate checks the client's credential: client_secret, or a
// client_assertion that is either a certificate-signed assertion made by the
// client or a federated token from a trusted external issuer.
func (s *Server) authenticate(r *http.Request, app *App, t *Tenant) (status, code int, errCode, msg string) {
	secret := r.PostForm.Get("client_secret")
	assertion := r.PostForm.Get("client_assertion")
	switch {
	case secret != "":
		for _, v := range app.Secrets {
			if subtle.ConstantTimeCompare([]byte(v), []byte(secret)) == 1 {
				return 0, 0, "", ""
			}
		}
		for _, v := range app.ExpiredSecrets {
			if subtle.ConstantTimeCompare([]byte(v), []byte(secret)) == 1 {
				return 401, 7000222, "invalid_client", fmt.Sprintf(
					"The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", app.ClientID)
			}
		}
		return 401, 7000215, "invalid_client", fmt.Sprintf(
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.ClientID)
	case assertion != "":
		if r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			return 400, 900144, "invalid_request", "The request body must contain the following parameter: 'client_assertion_type'."
		}
		if federatedAssertion(assertion, app.ClientID) {
			s.hits[HitFederated]++ // s.mu is held
		}
		return s.checkAssertion(assertion, app, s.URL+t.pathName(r)+"/oauth2/v2.0/token")
	}
	return 401, 7000218, "invalid_client", "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
}

func (t *Tenant) pathName(r *http.Request) string {
	return strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[0]
}

type assertionClaims struct {
	Iss, Sub string
	Aud      audience
	Exp, Nbf int64
}

// audience accepts aud as a string or an array.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = []string{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*a = many
	return err
}

func (a audience) has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) checkAssertion(assertion string, app *App, tokenURL string) (status, code int, errCode, msg string) {
	bad := func(code int, msg string) (int, int, string, string) { return 401, code, "invalid_client", msg }
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return bad(50027, "JWT token is invalid or malformed.")
	}
	var hdr struct {
		Alg, Kid, X5t string
		X5tS256       string `json:"x5t#S256"`
	}
	var c assertionClaims
	h, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	p, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(h, &hdr) != nil || json.Unmarshal(p, &c) != nil {
		return bad(50027, "JWT token is invalid or malformed.")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	now := time.Now().Unix()
	if c.Iss == FederatedIssuer {
		// A federated token: signed by the external issuer, matched against
		// the app's federated identity credentials.
		if rsa.VerifyPKCS1v15(&s.extKey.Private.PublicKey, crypto.SHA256, digest[:], sig) != nil {
			return bad(50013, "Assertion failed signature validation.")
		}
		if c.Exp+300 < now {
			return bad(700024, "Client assertion is not within its valid time range.")
		}
		issuerKnown := false
		for _, f := range app.Federated {
			if f.Issuer != c.Iss {
				continue
			}
			issuerKnown = true
			if f.Subject == c.Sub && c.Aud.has(f.Audience) {
				return 0, 0, "", ""
			}
		}
		if !issuerKnown {
			return 400, 700211, "invalid_request", fmt.Sprintf("No matching federated identity record found for presented assertion issuer '%s'.", c.Iss)
		}
		return 400, 700213, "invalid_request", fmt.Sprintf(
			"No matching federated identity record found for presented assertion subject '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.", c.Sub)
	}
	// A client assertion signed with one of the app's certificates.
	var cert *x509.Certificate
	for _, ct := range app.Certs {
		s256 := sha256.Sum256(ct.Raw)
		s1 := sha1.Sum(ct.Raw)
		if hdr.X5tS256 == base64.StdEncoding.EncodeToString(s256[:]) || hdr.X5tS256 == base64.RawURLEncoding.EncodeToString(s256[:]) ||
			hdr.X5t == base64.StdEncoding.EncodeToString(s1[:]) || hdr.X5t == base64.RawURLEncoding.EncodeToString(s1[:]) {
			cert = ct
		}
	}
	if cert == nil {
		return bad(700027, fmt.Sprintf("Client assertion failed signature validation. (Reason - The key was not found.), Thumbprint of key used by client: '%s%s'.", hdr.X5tS256, hdr.X5t))
	}
	pub, _ := cert.PublicKey.(*rsa.PublicKey)
	var err error
	switch hdr.Alg {
	case "PS256":
		err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, nil)
	case "RS256":
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	default:
		err = fmt.Errorf("alg %s", hdr.Alg)
	}
	if pub == nil || err != nil {
		return bad(700027, "Client assertion failed signature validation.")
	}
	// Behind an http loopback authority the client saw the endpoint as https.
	httpsURL := strings.Replace(tokenURL, "http://", "https://", 1)
	if c.Iss != app.ClientID || c.Sub != app.ClientID || !(c.Aud.has(tokenURL) || c.Aud.has(httpsURL)) {
		return bad(700021, fmt.Sprintf("Client assertion application identifier doesn't match 'client_id' parameter, or its audience is not %s.", tokenURL))
	}
	if now > c.Exp+300 || now+300 < c.Nbf {
		return bad(700024, "Client assertion is not within its valid time range.")
	}
	return 0, 0, "", ""
}

// issue mints the access token Entra would: its version from the API's
// registration, aud per version, roles from the client's assignments, and
// scp for delegated tokens.
func (s *Server) issue(w http.ResponseWriter, t *Tenant, api *API, asked string, app *App, roles, scopes []string) {
	sp := Spec{ClientID: app.ClientID, Roles: roles, Scopes: scopes,
		Claims: map[string]any{"oid": app.ObjectID, "sub": app.ObjectID}}
	if scopes != nil {
		delete(sp.Claims, "oid")
		delete(sp.Claims, "sub")
	}
	api.shape(&sp, asked) // v1: whatever the client asked for; v2: always the client ID
	tok, err := t.mintLocked(sp)
	if err != nil {
		writeError(w, 500, "server_error", 50000, "mint: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 4499, "ext_expires_in": 4499, "access_token": tok})
}
