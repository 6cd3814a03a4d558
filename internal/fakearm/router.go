package fakearm

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds every request body the fake reads.
const maxBody = 1 << 20

// req is one request on its way through ARM's checks.
type req struct {
	w    http.ResponseWriter
	r    *http.Request
	p    *principal
	body []byte
	segs []string // the path's segments
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key := r.Method + " " + strings.ToLower(r.URL.Path)
	s.hits[key]++
	line := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		line += "?" + r.URL.RawQuery
	}
	s.Log.Record(r, line) // Requests, SawBearer: tests prove a token under test never reaches ARM
	lat := s.latency
	s.mu.Unlock()
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return
		}
	}
	p := s.authenticate(w, r)
	if p == nil {
		return
	}
	q := &req{w: w, r: r, p: p, body: body, segs: strings.Split(strings.Trim(r.URL.Path, "/"), "/")}
	switch {
	case len(q.segs) == 3 && eq(q.segs[0], "providers") && eq(q.segs[1], "Microsoft.ResourceGraph") && eq(q.segs[2], "resources"):
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '"+r.Method+"'.")
			return
		}
		if checkVersion(w, r, graphVersions, "resources", "global") && s.fault(q) {
			s.resourceGraph(q)
		}
	case len(q.segs) >= 4 && eq(q.segs[0], "subscriptions") && eq(q.segs[2], "providers") && eq(q.segs[3], "Microsoft.ApiManagement"):
		s.apimBySubscription(q)
	case len(q.segs) >= 6 && eq(q.segs[0], "subscriptions") && eq(q.segs[2], "resourceGroups") && eq(q.segs[4], "providers"):
		switch {
		case eq(q.segs[5], "Microsoft.ApiManagement"):
			s.apim(q)
		case eq(q.segs[5], "Microsoft.ManagedIdentity"):
			s.managedIdentity(q)
		default:
			s.notProvider(q)
		}
	default:
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("The requested path '%s' is not served here.", r.URL.Path))
	}
}

func eq(a, b string) bool { return strings.EqualFold(a, b) }

func (s *Server) notProvider(q *req) {
	writeError(q.w, http.StatusNotFound, "InvalidResourceNamespace", fmt.Sprintf("The resource namespace '%s' is invalid.", q.segs[5]))
}

// authorize applies the caller's role assignments to the request's action
// and answers 403 AuthorizationFailed when none grants it.
func (s *Server) authorize(q *req) bool {
	action, scope := actionFor(q.r.Method, q.r.URL.Path)
	s.mu.Lock()
	ok := s.allowedLocked(q.p.oid, action, scope)
	s.mu.Unlock()
	if !ok {
		forbidden(q.w, q.p, action, scope)
	}
	return ok
}

// readOnly answers writes the caller may make: the fake changes nothing.
func readOnly(q *req) bool {
	switch q.r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
		return true
	}
	writeError(q.w, http.StatusMethodNotAllowed, "MethodNotAllowed", "This simulated service does not change resources.")
	return false
}

// location is the region ARM names in its api-version errors.
func (s *Server) location() string {
	if len(s.services) > 0 {
		return strings.ToLower(strings.ReplaceAll(s.services[0].Location, " ", ""))
	}
	return "westeurope"
}

// knownSubscription and knownGroup tell ARM's 404s apart from a provider's.
func (s *Server) knownSubscription(sub string) bool {
	for _, svc := range s.services {
		if eq(svc.SubscriptionID, sub) {
			return true
		}
	}
	for _, id := range s.identities {
		if eq(id.SubscriptionID, sub) {
			return true
		}
	}
	return false
}

func (s *Server) knownGroup(sub, rg string) bool {
	for _, svc := range s.services {
		if eq(svc.SubscriptionID, sub) && eq(svc.ResourceGroup, rg) {
			return true
		}
	}
	for _, id := range s.identities {
		if eq(id.SubscriptionID, sub) && eq(id.ResourceGroup, rg) {
			return true
		}
	}
	return false
}

// scopeExists answers ARM's own 404s for an unknown subscription or
// resource group.
func (s *Server) scopeExists(q *req, sub, rg string) bool {
	if !s.knownSubscription(sub) {
		writeError(q.w, http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", sub))
		return false
	}
	if rg != "" && !s.knownGroup(sub, rg) {
		writeError(q.w, http.StatusNotFound, "ResourceGroupNotFound", fmt.Sprintf("Resource group '%s' could not be found.", rg))
		return false
	}
	return true
}
