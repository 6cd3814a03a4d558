package fakearm

import (
	"fmt"
	"net/http"
	"strings"
)

// Role is an Azure role definition: the actions it grants, as Azure writes
// them (wildcards allowed), minus its notActions.
type Role struct {
	Name, ID   string
	Actions    []string
	NotActions []string
}

// Built-in roles, as published in Azure's built-in roles reference
// (trimmed to the actions that matter here).
var (
	// APIManagementServiceReader is "API Management Service Reader Role":
	// every read under the service, no POST action, no users' keys.
	APIManagementServiceReader = Role{Name: "API Management Service Reader Role", ID: "71522526-b88f-4d52-b57f-d31fc3546d0d",
		Actions: []string{"Microsoft.ApiManagement/service/*/read", "Microsoft.ApiManagement/service/read",
			"Microsoft.Authorization/*/read", "Microsoft.Resources/subscriptions/resourceGroups/read"},
		NotActions: []string{"Microsoft.ApiManagement/service/users/keys/read"}}
	// APIManagementServiceContributor is "API Management Service Contributor":
	// everything under the service, every action included.
	APIManagementServiceContributor = Role{Name: "API Management Service Contributor", ID: "312a565d-c81f-4fd8-895a-4e21e48d571c",
		Actions: []string{"Microsoft.ApiManagement/service/*", "Microsoft.Authorization/*/read", "Microsoft.Resources/subscriptions/resourceGroups/read"}}
	// Reader is the general "Reader" role: every read, no action.
	Reader = Role{Name: "Reader", ID: "acdd72a7-3385-48ef-bd42-f606fba81ae7", Actions: []string{"*/read"}}
)

// Assignment gives a principal (a token's oid) a role at a scope: a
// resource id or any prefix of one (resource group, subscription).
type Assignment struct {
	PrincipalID string
	Role        Role
	Scope       string
	pending     int // calls left that must not see it yet (propagation)
}

// actionFor returns the Azure action a request needs and the scope it is
// checked at: GET is .../read, POST .../{name}/action, PUT and PATCH
// .../write, DELETE .../delete, with the resource type made of the path's
// type segments (names dropped), e.g.
// Microsoft.ApiManagement/service/apis/operations/policies/read.
func actionFor(method, path string) (action, scope string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	at := -1
	for i, s := range segs {
		if strings.EqualFold(s, "providers") && i+1 < len(segs) {
			at = i + 1
		}
	}
	if at < 0 || at >= len(segs) {
		return "", path
	}
	rest := segs[at+1:]
	verb := ""
	scope = path
	switch method {
	case http.MethodGet, http.MethodHead:
		verb = "read"
	case http.MethodPost:
		if len(rest)%2 == 1 && len(rest) > 1 { // .../{type}/{name}/{action}
			verb = rest[len(rest)-1] + "/action"
			rest = rest[:len(rest)-1]
			scope = path[:strings.LastIndex(strings.TrimRight(path, "/"), "/")]
		} else {
			verb = "action"
		}
	case http.MethodDelete:
		verb = "delete"
	default:
		verb = "write"
	}
	parts := []string{segs[at]}
	for i := 0; i < len(rest); i += 2 {
		parts = append(parts, rest[i])
	}
	return strings.Join(parts, "/") + "/" + verb, scope
}

// match reports whether action matches an Azure action pattern: case
// insensitive, '*' matching any run of characters (slashes included).
func match(pattern, action string) bool {
	p, a := strings.ToLower(pattern), strings.ToLower(action)
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == a
	}
	if !strings.HasPrefix(a, parts[0]) {
		return false
	}
	a = a[len(parts[0]):]
	for i, part := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(a, part)
		}
		j := strings.Index(a, part)
		if j < 0 {
			return false
		}
		a = a[j+len(part):]
	}
	return true
}

func (r Role) grants(action string) bool {
	for _, n := range r.NotActions {
		if match(n, action) {
			return false
		}
	}
	for _, a := range r.Actions {
		if match(a, action) {
			return true
		}
	}
	return false
}

// within reports whether resource lies at or under scope, segment-wise and
// case-insensitively, as ARM compares ids.
func within(resource, scope string) bool {
	r, sc := strings.ToLower(strings.TrimRight(resource, "/")), strings.ToLower(strings.TrimRight(scope, "/"))
	return sc == "" || r == sc || strings.HasPrefix(r, sc+"/")
}

// allowedLocked decides an action on a resource for a principal. An
// assignment still propagating is not seen, and the call uses up one of its
// pending calls. Called with the lock held.
func (s *Server) allowedLocked(oid, action, resource string) bool {
	ok := false
	for _, a := range s.assignments {
		if !strings.EqualFold(a.PrincipalID, oid) || !within(resource, a.Scope) || !a.Role.grants(action) {
			continue
		}
		if a.pending > 0 {
			a.pending--
			continue
		}
		ok = true
	}
	return ok
}

// Allowed reports whether the principal may perform action on resource
// under the current assignments (without using up propagation calls).
func (s *Server) Allowed(oid, action, resource string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.assignments {
		if strings.EqualFold(a.PrincipalID, oid) && within(resource, a.Scope) && a.Role.grants(action) && a.pending == 0 {
			return true
		}
	}
	return false
}

// Grant adds a role assignment now. With SetPropagation(n) in effect, ARM
// keeps refusing the principal's first n calls that only it would allow,
// as a fresh assignment takes a while to be honoured.
func (s *Server) Grant(a Assignment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.pending = s.propagation
	s.assignments = append(s.assignments, &a)
}

// Revoke removes every assignment of the principal at exactly that scope.
func (s *Server) Revoke(principalID, scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.assignments[:0]
	for _, a := range s.assignments {
		if !(strings.EqualFold(a.PrincipalID, principalID) && strings.EqualFold(strings.TrimRight(a.Scope, "/"), strings.TrimRight(scope, "/"))) {
			kept = append(kept, a)
		}
	}
	s.assignments = kept
}

// SetPropagation makes each later Grant invisible to its principal's first
// n calls that need it.
func (s *Server) SetPropagation(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.propagation = n
}

// forbidden writes ARM's 403 (AuthorizationFailed) naming the client, the
// action and the scope.
func forbidden(w http.ResponseWriter, p *principal, action, scope string) {
	writeError(w, http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf(
		"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
		p.display, p.oid, action, scope))
}
