package fakeentra

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveIdentity answers the managed-identity endpoints on the plain-HTTP
// loopback server (MIURL), as App Service and IMDS answer on their hosts
// (shared/reference/entra-apim.md §6):
//
//	GET /msi/token?api-version=2019-08-01&resource=R      X-IDENTITY-HEADER (App Service, Functions)
//	GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=R   Metadata: true (IMDS)
func (s *Server) serveIdentity(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Method+" MI "+r.URL.Path)
	q := r.URL.Query()
	var id *App
	imds := r.URL.Path == "/metadata/identity/oauth2/token"
	switch {
	case r.URL.Path == "/msi/token":
		s.hits[HitAppService]++
		if r.Header.Get("X-IDENTITY-HEADER") != IdentityHeader {
			s.mu.Unlock()
			writeJSON(w, 401, map[string]any{"statusCode": 401, "message": "Unauthorized: X-IDENTITY-HEADER is missing or wrong."})
			return
		}
		id = s.dir.managedIdentity(q.Get("client_id"), cmp.Or(q.Get("principal_id"), q.Get("object_id")), q.Get("mi_res_id"))
	case imds:
		s.hits[HitIMDS]++
		if r.Header.Get("Metadata") != "true" {
			s.mu.Unlock()
			writeJSON(w, 400, map[string]any{"error": "invalid_request", "error_description": "Required metadata header not specified"})
			return
		}
		id = s.dir.managedIdentity(q.Get("client_id"), q.Get("object_id"), q.Get("msi_res_id"))
	default:
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	defer s.mu.Unlock()
	if id == nil {
		writeJSON(w, 400, map[string]any{"error": "invalid_request", "error_description": "Identity not found"})
		return
	}
	resource := q.Get("resource")
	api := s.dir.resource(resource)
	t := s.tenants[strings.ToLower(TenantID)]
	if api == nil {
		writeJSON(w, 400, map[string]any{"error": "invalid_resource", "error_description": fmt.Sprintf(
			"AADSTS500011: The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, t.Domain)})
		return
	}
	sp := Spec{ClientID: id.ClientID, Roles: s.dir.roles(id.ClientID, api),
		Claims: map[string]any{"oid": id.ObjectID, "sub": id.ObjectID, "xms_mirid": cmp.Or(id.ResourceID, "/subscriptions/00000000-0000-4000-8000-000000000000/resourcegroups/orders/providers/Microsoft.Web/sites/orders-web")}}
	api.shape(&sp, resource)
	tok, err := t.mintLocked(sp)
	if err != nil {
		writeJSON(w, 500, map[string]any{"error": "unknown", "error_description": err.Error()})
		return
	}
	exp := strconv.FormatInt(time.Now().Add(75*time.Minute).Unix(), 10)
	if imds {
		writeJSON(w, 200, map[string]any{"access_token": tok, "refresh_token": "", "expires_in": "4499", "expires_on": exp,
			"ext_expires_in": "4499", "not_before": strconv.FormatInt(time.Now().Unix(), 10), "resource": resource, "token_type": "Bearer"})
		return
	}
	writeJSON(w, 200, map[string]any{"access_token": tok, "expires_on": exp, "resource": resource, "token_type": "Bearer", "client_id": id.ClientID})
}

// cliToken serves POST /_fake/cli-token for the fake az and azd used in
// tests: a delegated token for the signed-in test user through the Azure CLI
// client, or Entra's error (unknown resource, consent missing).
func (s *Server) cliToken(w http.ResponseWriter, r *http.Request, t *Tenant) {
	r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	scope := r.PostForm.Get("scope")
	resource := strings.TrimSuffix(scope, "/.default")
	named := ""
	if !strings.HasSuffix(scope, "/.default") {
		if i := strings.LastIndex(scope, "/"); i > 0 {
			resource, named = scope[:i], scope[i+1:]
		}
	}
	api := s.dir.resource(resource)
	if api == nil {
		writeError(w, 400, "invalid_resource", 500011, fmt.Sprintf(
			"The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, t.Domain))
		return
	}
	preauth := false
	for _, c := range api.PreAuthorized {
		preauth = preauth || c == AzureCLIClientID
	}
	if !preauth {
		writeError(w, 400, "invalid_grant", 65001, fmt.Sprintf(
			"The user or administrator has not consented to use the application with ID '%s' named 'Microsoft Azure CLI'. Send an interactive authorization request for this user and resource.", AzureCLIClientID))
		return
	}
	scopes := api.Scopes
	if named != "" {
		scopes = []string{named}
	}
	s.issue(w, t, api, resource, s.dir.apps[AzureCLIClientID], nil, scopes)
}

// FederatedToken returns a token as GitHub Actions' OIDC issuer would sign
// it, for workload identity federation; the tenant trusts its key.
func (s *Server) FederatedToken(subject, audience string, life time.Duration) (string, error) {
	return s.GitHubToken(GitHubSpec{Subject: subject, Audience: audience, Lifetime: life})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
