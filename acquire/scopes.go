package acquire

import (
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
)

// DefaultSuffix ends every scope an app-only flow may request.
const DefaultSuffix = "/.default"

// ScopeFor turns a resource (App ID URI, client ID, or a Microsoft API's
// URI) into the scope that asks for all its app roles: R/.default. A
// resource given as its /.default scope already is used as it is.
func ScopeFor(resource string) string {
	if strings.HasSuffix(resource, DefaultSuffix) {
		return resource
	}
	return strings.TrimSuffix(resource, "/") + DefaultSuffix
}

// Resource returns the resource a scope belongs to: api://x/Orders.Read and
// api://x/.default both give api://x. A scope with no resource part (a bare
// "User.Read", which Entra reads as a Graph scope) gives "".
func Resource(scope string) string {
	i := strings.LastIndex(scope, "/")
	if i <= 0 || strings.HasSuffix(scope[:i], ":/") || strings.HasSuffix(scope[:i], ":") {
		return ""
	}
	return scope[:i]
}

// CheckAppOnlyScopes applies Entra's rule for app-only flows (client
// credentials, managed identity, federated): the scope must be
// <resource>/.default, because the token carries the app roles granted to the
// client, not scopes. It refuses before any request is made, with the
// corrected scope (AADSTS1002012 is what Entra would answer).
func CheckAppOnlyScopes(m Method, scopes []string) *Error {
	for _, s := range scopes {
		if strings.HasSuffix(s, DefaultSuffix) {
			continue
		}
		fix := "app-only flows must ask for <resource>/.default: use --resource <App ID URI>"
		expected := "<resource>/.default"
		if r := Resource(s); r != "" {
			expected = ScopeFor(r)
			fix = fmt.Sprintf("request %s (or --resource %s); the token then carries the app roles assigned to the client, which the API checks in roles; pass --no-scope-fix to send the scope anyway", expected, r)
		}
		return &Error{Method: m, Finding: finding.ScopeNotDefault, Usage: true,
			Message: fmt.Sprintf("%s is an app-only flow and %q is a named scope; Entra refuses it (AADSTS1002012), so nothing was sent", m, s),
			Fix:     fix, Expected: expected, Actual: s}
	}
	if len(scopes) > 1 {
		res := map[string]bool{}
		for _, s := range scopes {
			res[Resource(s)] = true
		}
		if len(res) > 1 {
			return &Error{Method: m, Finding: finding.InvalidScope, Usage: true,
				Message: fmt.Sprintf("the scopes name %d resources; a token is for one API (Entra would answer AADSTS28000)", len(res)),
				Fix:     "ask for one token per API"}
		}
	}
	return nil
}
