package fakearm

import (
	"net/http"
	"strings"
)

// scoped is the policy document at one scope.
type scoped struct {
	id, typ string // the scope's resource id and the policy's resource type
	value   string // raw XML; "" = no policy at this scope
}

// scope resolves the scope a policy path names, answering 404 for a missing
// API, operation, product or workspace.
func (c *apimCall) scope() (scoped, bool) {
	switch {
	case strings.HasPrefix(c.pattern, "policies"):
		return scoped{c.id, "Microsoft.ApiManagement/service/policies", c.svc.GlobalPolicy}, true
	case strings.HasPrefix(c.pattern, "apis/*/operations/*/"):
		a, o := c.operation()
		if o == nil {
			return scoped{}, false
		}
		return scoped{c.id + "/apis/" + a.id() + "/operations/" + o.Name, "Microsoft.ApiManagement/service/apis/operations/policies", o.Policy}, true
	case strings.HasPrefix(c.pattern, "apis/"):
		a := c.api()
		if a == nil {
			return scoped{}, false
		}
		return scoped{c.id + "/apis/" + a.id(), "Microsoft.ApiManagement/service/apis/policies", a.Policy}, true
	case strings.HasPrefix(c.pattern, "products/"):
		p := c.product()
		if p == nil {
			return scoped{}, false
		}
		return scoped{c.id + "/products/" + p.Name, "Microsoft.ApiManagement/service/products/policies", p.Policy}, true
	case strings.HasPrefix(c.pattern, "workspaces/"):
		w := c.svc.workspace(c.names[0])
		if w == nil {
			notFound(c.w, "Workspace")
			return scoped{}, false
		}
		return scoped{c.id + "/workspaces/" + w.Name, "Microsoft.ApiManagement/service/workspaces/policies", w.Policy}, true
	}
	return scoped{}, false
}

func policyJSON(sc scoped, format string) obj {
	v := sc.value
	if format != "rawxml" {
		v = toXML(v)
	}
	return obj{"id": sc.id + "/policies/policy", "type": sc.typ, "name": "policy", "properties": obj{"format": format, "value": v}}
}

// getPolicy serves GET .../policies/policy?format=xml|rawxml: 404 when the
// scope has no policy (APIOps reads that as "none"), the document as stored
// for rawxml, entity-escaped expressions for xml (the default), the format
// echoed, and an ETag.
func (s *Server) getPolicy(c *apimCall) {
	sc, ok := c.scope()
	if !ok {
		return
	}
	if !eq(c.names[len(c.names)-1], "policy") || sc.value == "" {
		writeError(c.w, http.StatusNotFound, "ResourceNotFound", "Entity with specified identifier not found")
		return
	}
	format := strings.ToLower(c.r.URL.Query().Get("format"))
	switch format {
	case "":
		format = "xml"
	case "xml", "rawxml":
	default:
		validation(c.w, "Invalid format '"+c.r.URL.Query().Get("format")+"'. Supported formats: xml, rawxml.")
		return
	}
	c.w.Header().Set("ETag", etag(sc.value))
	writeJSON(c.w, http.StatusOK, policyJSON(sc, format))
}

// listPolicies serves GET .../policies: the scope's one policy, if any.
func (s *Server) listPolicies(c *apimCall) {
	sc, ok := c.scope()
	if !ok {
		return
	}
	var items []any
	if sc.value != "" {
		items = append(items, policyJSON(sc, "xml"))
	}
	s.list(c.req, items, "$skip")
}

// scopes returns every scope that has a policy, broadest first.
func (svc *Service) scopes(svcID string) []scoped {
	var out []scoped
	add := func(id, typ, v string) {
		if v != "" {
			out = append(out, scoped{id, typ, v})
		}
	}
	add(svcID, "Microsoft.ApiManagement/service/policies", svc.GlobalPolicy)
	for _, w := range svc.Workspaces {
		add(svcID+"/workspaces/"+w.Name, "Microsoft.ApiManagement/service/workspaces/policies", w.Policy)
	}
	for _, p := range svc.Products {
		add(svcID+"/products/"+p.Name, "Microsoft.ApiManagement/service/products/policies", p.Policy)
	}
	for i := range svc.APIs {
		a := &svc.APIs[i]
		add(svcID+"/apis/"+a.id(), "Microsoft.ApiManagement/service/apis/policies", a.Policy)
		for _, o := range a.Operations {
			add(svcID+"/apis/"+a.id()+"/operations/"+o.Name, "Microsoft.ApiManagement/service/apis/operations/policies", o.Policy)
		}
	}
	return out
}

// listAllPolicies serves GET {S}/allPolicies (ApiManagementAllPolicies.json):
// which scopes have a policy, not the documents.
func (s *Server) listAllPolicies(c *apimCall) {
	var items []any
	for _, sc := range c.svc.scopes(c.id) {
		name := strings.NewReplacer("/", "-", ";", "-", "=", "-").Replace(strings.TrimPrefix(strings.TrimPrefix(sc.id, c.id), "/"))
		if name == "" {
			name = "service"
		}
		items = append(items, obj{"id": c.id + "/allpolicies/" + name, "type": "Microsoft.ApiManagement/service/allpolicies", "name": name,
			"properties": obj{"referencePolicyId": sc.id + "/policies/policy", "complianceState": "Compliant"}})
	}
	s.list(c.req, items, "$skip")
}

func fragmentJSON(svcID string, f *Fragment, format string) obj {
	v := f.Value
	if format != "rawxml" {
		v = toXML(v)
	}
	return obj{"id": svcID + "/policyFragments/" + f.Name, "type": "Microsoft.ApiManagement/service/policyFragments", "name": f.Name,
		"properties": obj{"format": format, "description": f.Description, "value": v, "provisioningState": "Succeeded"}}
}

func (s *Server) listFragments(c *apimCall) {
	var items []any
	for i := range c.svc.Fragments {
		items = append(items, fragmentJSON(c.id, &c.svc.Fragments[i], "xml"))
	}
	if items, ok := filter(c.req, items, propFields); ok {
		s.list(c.req, items, "$skip")
	}
}

func (s *Server) getFragment(c *apimCall) {
	f := c.svc.fragment(c.names[0])
	if f == nil {
		notFound(c.w, "PolicyFragment")
		return
	}
	format := strings.ToLower(c.r.URL.Query().Get("format"))
	if format != "rawxml" {
		format = "xml"
	}
	c.w.Header().Set("ETag", etag(f.Value))
	writeJSON(c.w, http.StatusOK, fragmentJSON(c.id, f, format))
}

// listReferences serves POST {S}/policyFragments/{id}/listReferences: the
// policies that include the fragment (ListPolicyFragmentReferences.json).
func (s *Server) listReferences(c *apimCall) {
	f := c.svc.fragment(c.names[0])
	if f == nil {
		notFound(c.w, "PolicyFragment")
		return
	}
	var items []any
	for _, sc := range c.svc.scopes(c.id) {
		if includes(sc.value, f.Name) {
			items = append(items, obj{"id": sc.id + "/policies/policy", "type": sc.typ, "name": "policy"})
		}
	}
	s.list(c.req, items, "$skip")
}

// includes reports whether a document has <include-fragment fragment-id="name"/>.
func includes(doc, name string) bool {
	for _, q := range []string{`"`, `'`} {
		if strings.Contains(strings.ToLower(doc), strings.ToLower(`fragment-id=`+q+name+q)) {
			return true
		}
	}
	return false
}
