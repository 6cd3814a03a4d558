package fakearm

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// normalise fills a service's defaults and checks that its references hold
// (version sets, products' APIs, subscriptions' scopes), copying every
// slice so the caller's seed is never changed.
func normalise(svc *Service) error {
	if svc.Name == "" || svc.SubscriptionID == "" || svc.ResourceGroup == "" {
		return fmt.Errorf("fakearm: a service needs a name, subscription and resource group")
	}
	svc.Location = cmp.Or(svc.Location, "West Europe")
	svc.SKU = cmp.Or(svc.SKU, "Developer")
	svc.Capacity = cmp.Or(svc.Capacity, 1)
	svc.GatewayURL = cmp.Or(svc.GatewayURL, "https://"+svc.Name+".azure-api.net")
	svc.AdditionalLocations = slices.Clone(svc.AdditionalLocations)
	svc.Hostnames = slices.Clone(svc.Hostnames)
	def := strings.TrimPrefix(svc.GatewayURL, "https://")
	if !slices.ContainsFunc(svc.Hostnames, func(h Hostname) bool { return eq(h.HostName, def) }) {
		svc.Hostnames = append([]Hostname{{Type: "Proxy", HostName: def}}, svc.Hostnames...)
	}
	svc.APIs = slices.Clone(svc.APIs)
	for i := range svc.APIs {
		a := &svc.APIs[i]
		a.Revision = cmp.Or(a.Revision, "1")
		a.KeyHeader = cmp.Or(a.KeyHeader, "Ocp-Apim-Subscription-Key")
		a.KeyQuery = cmp.Or(a.KeyQuery, "subscription-key")
		a.Type = cmp.Or(a.Type, "http")
		if len(a.Protocols) == 0 {
			a.Protocols = []string{"https"}
		}
		a.Operations = slices.Clone(a.Operations)
		for j := range a.Operations {
			a.Operations[j].DisplayName = cmp.Or(a.Operations[j].DisplayName, a.Operations[j].Name)
		}
		a.DisplayName = cmp.Or(a.DisplayName, a.Name)
		if a.VersionSet != "" && svc.versionSet(a.VersionSet) == nil {
			return fmt.Errorf("fakearm: API %s names version set %s, which %s lacks", a.Name, a.VersionSet, svc.Name)
		}
	}
	svc.Products = slices.Clone(svc.Products)
	for i := range svc.Products {
		p := &svc.Products[i]
		p.State = cmp.Or(p.State, "published")
		p.DisplayName = cmp.Or(p.DisplayName, p.Name)
		for _, a := range p.APIs {
			if svc.api(a) == nil {
				return fmt.Errorf("fakearm: product %s names API %s, which %s lacks", p.Name, a, svc.Name)
			}
		}
	}
	svc.Subscriptions = slices.Clone(svc.Subscriptions)
	for i := range svc.Subscriptions {
		sub := &svc.Subscriptions[i]
		sub.State = cmp.Or(sub.State, "active")
		if err := svc.checkScope(sub.Scope); err != nil {
			return fmt.Errorf("fakearm: subscription %s: %w", sub.Name, err)
		}
	}
	svc.NamedValues = slices.Clone(svc.NamedValues)
	for i := range svc.NamedValues {
		nv := &svc.NamedValues[i]
		nv.DisplayName = cmp.Or(nv.DisplayName, nv.Name)
	}
	svc.Fragments = slices.Clone(svc.Fragments)
	svc.VersionSets = slices.Clone(svc.VersionSets)
	svc.Workspaces = slices.Clone(svc.Workspaces)
	return nil
}

func (svc *Service) checkScope(scope string) error {
	switch {
	case scope == "/" || scope == "/apis":
		return nil
	case strings.HasPrefix(scope, "/products/"):
		if svc.product(strings.TrimPrefix(scope, "/products/")) == nil {
			return fmt.Errorf("scope %s: no such product", scope)
		}
		return nil
	case strings.HasPrefix(scope, "/apis/"):
		if svc.api(strings.TrimPrefix(scope, "/apis/")) == nil {
			return fmt.Errorf("scope %s: no such API", scope)
		}
		return nil
	}
	return fmt.Errorf("scope %q: want /products/{id}, /apis/{id}, /apis or /", scope)
}

// id is an API revision's resource name: Name, or Name;rev=N when not current.
func (a *API) id() string {
	if a.NotCurrent {
		return a.Name + ";rev=" + a.Revision
	}
	return a.Name
}

// api finds an API revision: "orders" is the current one, "orders;rev=N"
// revision N (the current one included).
func (svc *Service) api(id string) *API {
	name, rev, hasRev := strings.Cut(id, ";rev=")
	for i := range svc.APIs {
		a := &svc.APIs[i]
		if !eq(a.Name, name) {
			continue
		}
		if (hasRev && a.Revision == rev) || (!hasRev && !a.NotCurrent) {
			return a
		}
	}
	return nil
}

func (a *API) operation(id string) *Operation {
	for i := range a.Operations {
		if eq(a.Operations[i].Name, id) {
			return &a.Operations[i]
		}
	}
	return nil
}

func (svc *Service) product(id string) *Product {
	for i := range svc.Products {
		if eq(svc.Products[i].Name, id) {
			return &svc.Products[i]
		}
	}
	return nil
}

func (svc *Service) versionSet(id string) *VersionSet {
	for i := range svc.VersionSets {
		if eq(svc.VersionSets[i].Name, id) {
			return &svc.VersionSets[i]
		}
	}
	return nil
}

func (svc *Service) fragment(id string) *Fragment {
	for i := range svc.Fragments {
		if eq(svc.Fragments[i].Name, id) {
			return &svc.Fragments[i]
		}
	}
	return nil
}

func (svc *Service) namedValue(id string) *NamedValue {
	for i := range svc.NamedValues {
		if eq(svc.NamedValues[i].Name, id) {
			return &svc.NamedValues[i]
		}
	}
	return nil
}

func (svc *Service) subscription(id string) *Subscription {
	for i := range svc.Subscriptions {
		if eq(svc.Subscriptions[i].Name, id) {
			return &svc.Subscriptions[i]
		}
	}
	return nil
}

func (svc *Service) workspace(id string) *Workspace {
	for i := range svc.Workspaces {
		if eq(svc.Workspaces[i].Name, id) {
			return &svc.Workspaces[i]
		}
	}
	return nil
}
