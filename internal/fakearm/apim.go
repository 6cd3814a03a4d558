package fakearm

import (
	"fmt"
	"net/http"
	"strings"
)

// apimCall is a request under one service: the service and the names in
// the path after it (pattern "apis/*/operations/*" has names [api, op]).
type apimCall struct {
	*req
	svc     *Service
	id      string // the service's resource id
	pattern string
	names   []string
}

type apimHandler func(s *Server, c *apimCall)

// apimRoutes are the paths served under a service, by method and pattern.
var apimRoutes = map[string]apimHandler{
	"GET ":                                  (*Server).getService,
	"GET apis":                              (*Server).listAPIs,
	"GET apis/*":                            (*Server).getAPI,
	"GET apis/*/revisions":                  (*Server).listRevisions,
	"GET apis/*/operations":                 (*Server).listOperations,
	"GET apis/*/operations/*":               (*Server).getOperation,
	"GET apis/*/products":                   (*Server).listAPIProducts,
	"GET apis/*/policies":                   (*Server).listPolicies,
	"GET apis/*/policies/*":                 (*Server).getPolicy,
	"GET apis/*/operations/*/policies":      (*Server).listPolicies,
	"GET apis/*/operations/*/policies/*":    (*Server).getPolicy,
	"GET apiversionsets":                    (*Server).listVersionSets,
	"GET apiversionsets/*":                  (*Server).getVersionSet,
	"GET products":                          (*Server).listProducts,
	"GET products/*":                        (*Server).getProduct,
	"GET products/*/apis":                   (*Server).listProductAPIs,
	"GET products/*/policies":               (*Server).listPolicies,
	"GET products/*/policies/*":             (*Server).getPolicy,
	"GET policies":                          (*Server).listPolicies,
	"GET policies/*":                        (*Server).getPolicy,
	"GET allpolicies":                       (*Server).listAllPolicies,
	"GET workspaces":                        (*Server).listWorkspaces,
	"GET workspaces/*":                      (*Server).getWorkspace,
	"GET workspaces/*/policies":             (*Server).listPolicies,
	"GET workspaces/*/policies/*":           (*Server).getPolicy,
	"GET policyfragments":                   (*Server).listFragments,
	"GET policyfragments/*":                 (*Server).getFragment,
	"POST policyfragments/*/listreferences": (*Server).listReferences,
	"GET namedvalues":                       (*Server).listNamedValues,
	"GET namedvalues/*":                     (*Server).getNamedValue,
	"POST namedvalues/*/listvalue":          (*Server).listValue,
	"GET subscriptions":                     (*Server).listSubscriptions,
	"GET subscriptions/*":                   (*Server).getSubscription,
	"POST subscriptions/*/listsecrets":      (*Server).listSecrets,
	"GET gateways":                          (*Server).listGateways,
	"POST gateways/*/listdebugcredentials":  (*Server).listDebugCredentials,
	"POST gateways/*/listtrace":             (*Server).listTrace,
}

// pattern turns the segments after a service into a route pattern and the
// names in it: types stay (lower-cased), names become "*".
func pattern(rest []string) (string, []string) {
	var p, names []string
	for i, seg := range rest {
		if i%2 == 0 {
			p = append(p, strings.ToLower(seg))
		} else {
			p = append(p, "*")
			names = append(names, seg)
		}
	}
	return strings.Join(p, "/"), names
}

// apim serves /subscriptions/{sub}/resourceGroups/{rg}/providers/
// Microsoft.ApiManagement/service[/{name}/...] after ARM's checks.
func (s *Server) apim(q *req) {
	if len(q.segs) < 7 || !eq(q.segs[6], "service") {
		writeError(q.w, http.StatusNotFound, "InvalidResourceType", fmt.Sprintf("The resource type '%s' could not be found in the namespace 'Microsoft.ApiManagement'.", strings.Join(q.segs[6:], "/")))
		return
	}
	s.mu.Lock()
	loc := s.location()
	s.mu.Unlock()
	if !checkVersion(q.w, q.r, apimVersions, "service", loc) {
		return
	}
	sub, rg := q.segs[1], q.segs[3]
	s.mu.Lock()
	known := s.knownSubscription(sub)
	s.mu.Unlock()
	if !known {
		s.scopeExists(q, sub, "")
		return
	}
	if len(q.segs) == 7 { // the services of a resource group, those the caller may read
		if q.r.Method == http.MethodGet && s.fault(q) {
			s.listServices(q, sub, rg)
		} else if q.r.Method != http.MethodGet {
			writeError(q.w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '"+q.r.Method+"'.")
		}
		return
	}
	if !s.authorize(q) || !readOnly(q) {
		return
	}
	s.mu.Lock()
	okRG := s.knownGroup(sub, rg)
	s.mu.Unlock()
	if !okRG {
		s.scopeExists(q, sub, rg)
		return
	}
	if !s.fault(q) {
		return
	}
	name := q.segs[7]
	svc := s.service(sub, rg, name)
	if svc == nil {
		writeError(q.w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf(
			"The Resource 'Microsoft.ApiManagement/service/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", name, rg))
		return
	}
	if !checkMinVersion(q.w, q.r, svc.MinAPIVersion) {
		return
	}
	p, names := pattern(q.segs[8:])
	method := q.r.Method
	if method == http.MethodHead {
		method = http.MethodGet // GetEntityTag: the same answer, no body
	}
	h := apimRoutes[method+" "+p]
	if h == nil {
		writeError(q.w, http.StatusNotFound, "ResourceNotFound", "The requested resource was not found.")
		return
	}
	h(s, &apimCall{req: q, svc: svc, id: ServiceID(svc.SubscriptionID, svc.ResourceGroup, svc.Name), pattern: p, names: names})
}

// apimBySubscription serves GET /subscriptions/{sub}/providers/
// Microsoft.ApiManagement/service: the services the caller may read.
func (s *Server) apimBySubscription(q *req) {
	s.mu.Lock()
	loc := s.location()
	s.mu.Unlock()
	if !checkVersion(q.w, q.r, apimVersions, "service", loc) {
		return
	}
	if len(q.segs) != 5 || !eq(q.segs[4], "service") || q.r.Method != http.MethodGet {
		writeError(q.w, http.StatusNotFound, "NotFound", "The requested resource was not found.")
		return
	}
	s.mu.Lock()
	known := s.knownSubscription(q.segs[1])
	s.mu.Unlock()
	if !known {
		s.scopeExists(q, q.segs[1], "")
		return
	}
	if s.fault(q) {
		s.listServices(q, q.segs[1], "")
	}
}

// service finds a service by subscription, group and name.
func (s *Server) service(sub, rg, name string) *Service {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, svc := range s.services {
		if eq(svc.SubscriptionID, sub) && eq(svc.ResourceGroup, rg) && eq(svc.Name, name) {
			return svc
		}
	}
	return nil
}

// readable returns the services in a subscription (and group, if given)
// that the principal may read, as ARM filters lists.
func (s *Server) readable(p *principal, sub, rg string) []*Service {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Service
	for _, svc := range s.services {
		if (sub != "" && !eq(svc.SubscriptionID, sub)) || (rg != "" && !eq(svc.ResourceGroup, rg)) {
			continue
		}
		if s.allowedLocked(p.oid, "Microsoft.ApiManagement/service/read", ServiceID(svc.SubscriptionID, svc.ResourceGroup, svc.Name)) {
			out = append(out, svc)
		}
	}
	return out
}

func (s *Server) listServices(q *req, sub, rg string) {
	var items []any
	for _, svc := range s.readable(q.p, sub, rg) {
		items = append(items, serviceJSON(svc))
	}
	s.list(q, items, "$skip")
}

func (s *Server) getService(c *apimCall) {
	c.w.Header().Set("ETag", etag(c.svc.Name+c.svc.GatewayURL))
	writeJSON(c.w, http.StatusOK, serviceJSON(c.svc))
}

// notFound writes APIM's 404 for a missing entity, e.g. "Api not found.".
func notFound(w http.ResponseWriter, entity string) {
	writeError(w, http.StatusNotFound, "ResourceNotFound", entity+" not found.")
}
