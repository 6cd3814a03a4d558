package fakearm

import (
	"fmt"
	"net/http"
	"strings"
)

// propFields exposes an entity's name and scalar properties to $filter.
func propFields(it any) map[string]string {
	o := it.(obj)
	out := map[string]string{"name": fmt.Sprint(o["name"])}
	if p, ok := o["properties"].(obj); ok {
		for k, v := range p {
			switch v.(type) {
			case string, bool:
				out[strings.ToLower(k)] = fmt.Sprint(v)
			}
		}
	}
	return out
}

// listAPIs serves GET {S}/apis: every revision, the current ones and the
// others ("orders;rev=2", isCurrent false), as the service lists them.
func (s *Server) listAPIs(c *apimCall) {
	expand := strings.EqualFold(c.r.URL.Query().Get("expandApiVersionSet"), "true")
	var items []any
	for i := range c.svc.APIs {
		items = append(items, apiJSON(c.id, c.svc, &c.svc.APIs[i], expand))
	}
	if items, ok := filter(c.req, items, propFields); ok {
		s.list(c.req, items, "$skip")
	}
}

// api finds the API the path names, or answers 404.
func (c *apimCall) api() *API {
	a := c.svc.api(c.names[0])
	if a == nil {
		notFound(c.w, "Api")
	}
	return a
}

func (s *Server) getAPI(c *apimCall) {
	if a := c.api(); a != nil {
		c.w.Header().Set("ETag", etag(a.id()+a.Path))
		writeJSON(c.w, http.StatusOK, apiJSON(c.id, c.svc, a, false))
	}
}

// listRevisions serves GET {S}/apis/{api}/revisions (ListApiRevisions.json).
func (s *Server) listRevisions(c *apimCall) {
	if c.api() == nil {
		return
	}
	name, _, _ := strings.Cut(c.names[0], ";rev=")
	var items []any
	for i := range c.svc.APIs {
		a := &c.svc.APIs[i]
		if eq(a.Name, name) {
			items = append(items, obj{"apiId": c.id + "/apis/" + a.Name + ";rev=" + a.Revision, "apiRevision": a.Revision,
				"createdDateTime": created, "updatedDateTime": created, "isOnline": true, "isCurrent": !a.NotCurrent})
		}
	}
	s.list(c.req, items, "$skip")
}

func (s *Server) listOperations(c *apimCall) {
	a := c.api()
	if a == nil {
		return
	}
	var items []any
	for i := range a.Operations {
		items = append(items, operationJSON(c.id+"/apis/"+a.id(), &a.Operations[i]))
	}
	if items, ok := filter(c.req, items, propFields); ok {
		s.list(c.req, items, "$skip")
	}
}

// operation finds the operation the path names, or answers 404.
func (c *apimCall) operation() (*API, *Operation) {
	a := c.api()
	if a == nil {
		return nil, nil
	}
	o := a.operation(c.names[1])
	if o == nil {
		notFound(c.w, "Operation")
	}
	return a, o
}

func (s *Server) getOperation(c *apimCall) {
	if a, o := c.operation(); o != nil {
		writeJSON(c.w, http.StatusOK, operationJSON(c.id+"/apis/"+a.id(), o))
	}
}

// listAPIProducts serves GET {S}/apis/{api}/products (ListApiProducts.json).
func (s *Server) listAPIProducts(c *apimCall) {
	a := c.api()
	if a == nil {
		return
	}
	var items []any
	for i := range c.svc.Products {
		p := &c.svc.Products[i]
		for _, name := range p.APIs {
			if eq(name, a.Name) {
				items = append(items, obj{"id": c.id + "/products/" + p.Name, "type": "Microsoft.ApiManagement/service/apis/products",
					"name": p.Name, "properties": productProperties(p)})
				break
			}
		}
	}
	s.list(c.req, items, "$skip")
}

func (s *Server) listVersionSets(c *apimCall) {
	var items []any
	for i := range c.svc.VersionSets {
		items = append(items, versionSetJSON(c.id, &c.svc.VersionSets[i]))
	}
	s.list(c.req, items, "$skip")
}

func (s *Server) getVersionSet(c *apimCall) {
	vs := c.svc.versionSet(c.names[0])
	if vs == nil {
		notFound(c.w, "ApiVersionSet")
		return
	}
	writeJSON(c.w, http.StatusOK, versionSetJSON(c.id, vs))
}

func productJSON(svcID string, p *Product) obj {
	return obj{"id": svcID + "/products/" + p.Name, "type": "Microsoft.ApiManagement/service/products", "name": p.Name, "properties": productProperties(p)}
}

func (s *Server) listProducts(c *apimCall) {
	var items []any
	for i := range c.svc.Products {
		items = append(items, productJSON(c.id, &c.svc.Products[i]))
	}
	if items, ok := filter(c.req, items, propFields); ok {
		s.list(c.req, items, "$skip")
	}
}

// product finds the product the path names, or answers 404.
func (c *apimCall) product() *Product {
	p := c.svc.product(c.names[0])
	if p == nil {
		notFound(c.w, "Product")
	}
	return p
}

func (s *Server) getProduct(c *apimCall) {
	if p := c.product(); p != nil {
		writeJSON(c.w, http.StatusOK, productJSON(c.id, p))
	}
}

// listProductAPIs serves GET {S}/products/{p}/apis (ListProductApis.json).
func (s *Server) listProductAPIs(c *apimCall) {
	p := c.product()
	if p == nil {
		return
	}
	var items []any
	for _, name := range p.APIs {
		a := c.svc.api(name)
		items = append(items, obj{"id": c.id + "/products/" + p.Name + "/apis/" + a.id(), "type": "Microsoft.ApiManagement/service/products/apis",
			"name": a.id(), "properties": apiProperties(c.id, c.svc, a, false)})
	}
	s.list(c.req, items, "$skip")
}

func workspaceJSON(svcID string, w *Workspace) obj {
	return obj{"id": svcID + "/workspaces/" + w.Name, "type": "Microsoft.ApiManagement/service/workspaces", "name": w.Name,
		"properties": obj{"displayName": firstNonEmpty(w.DisplayName, w.Name)}}
}

func (s *Server) listWorkspaces(c *apimCall) {
	var items []any
	for i := range c.svc.Workspaces {
		items = append(items, workspaceJSON(c.id, &c.svc.Workspaces[i]))
	}
	s.list(c.req, items, "$skip")
}

func (s *Server) getWorkspace(c *apimCall) {
	w := c.svc.workspace(c.names[0])
	if w == nil {
		notFound(c.w, "Workspace")
		return
	}
	writeJSON(c.w, http.StatusOK, workspaceJSON(c.id, w))
}

// listGateways serves GET {S}/gateways: self-hosted gateways only, and the
// seeded services have none (the managed gateway is not an entity).
func (s *Server) listGateways(c *apimCall) {
	s.list(c.req, nil, "$skip")
}
