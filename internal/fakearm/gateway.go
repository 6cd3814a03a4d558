package fakearm

import (
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/policy"
)

// GatewayService returns what a gateway in front of the named service
// enforces, from the same tables the fake serves over ARM (not from what a
// client read of them): the service as policy.Service, and each active
// subscription's keys with the product they are for ("" for a key scoped
// to an API, to all APIs, or the all-access one), for internal/fakeapim's
// service mode.
func (s *Server) GatewayService(name string) (*policy.Service, map[string]string, error) {
	var svc *Service
	for _, c := range s.services {
		if eq(c.Name, name) {
			svc = c
		}
	}
	if svc == nil {
		return nil, nil, fmt.Errorf("fakearm: no service %s", name)
	}
	id := ServiceID(svc.SubscriptionID, svc.ResourceGroup, svc.Name)
	var err error
	doc := func(src string, scope policy.Scope, file string) *policy.Document {
		if src == "" || err != nil {
			return nil
		}
		var d *policy.Document
		if d, err = policy.Read([]byte(src)); err == nil {
			d.Scope, d.File = scope, file
		}
		return d
	}
	out := &policy.Service{Name: id, Source: id, Policy: doc(svc.GlobalPolicy, policy.ScopeGlobal, id+"/policies/policy"),
		VersionSets: map[string]*policy.VersionSet{}, Fragments: map[string]*policy.Document{}, Values: policy.NamedValues{}}
	for _, v := range svc.VersionSets {
		out.VersionSets[strings.ToLower(v.Name)] = &policy.VersionSet{Name: v.Name, Scheme: v.Scheme, QueryName: v.QueryName, HeaderName: v.HeaderName}
	}
	for _, a := range svc.APIs {
		res := a.Name
		if a.NotCurrent {
			res += ";rev=" + a.Revision
		}
		api := &policy.API{Name: res, ID: id + "/apis/" + res, DisplayName: a.DisplayName, Path: a.Path, Version: a.APIVersion,
			VersionSet: out.VersionSets[strings.ToLower(a.VersionSet)], Revision: a.Revision, IsCurrent: !a.NotCurrent,
			SubscriptionRequired: a.SubscriptionRequired, KeyHeader: a.KeyHeader, KeyQuery: a.KeyQuery, Type: a.Type,
			Policy: doc(a.Policy, policy.ScopeAPI, id+"/apis/"+res+"/policies/policy")}
		for _, o := range a.Operations {
			oid := api.ID + "/operations/" + o.Name
			api.Operations = append(api.Operations, &policy.Operation{Name: o.Name, ID: oid, DisplayName: o.DisplayName,
				Method: strings.ToUpper(o.Method), URLTemplate: o.URLTemplate, Policy: doc(o.Policy, policy.ScopeOperation, oid+"/policies/policy")})
		}
		out.APIs = append(out.APIs, api)
	}
	for _, p := range svc.Products {
		out.Products = append(out.Products, &policy.Product{Name: p.Name, ID: id + "/products/" + p.Name, DisplayName: p.DisplayName,
			SubscriptionRequired: p.SubscriptionRequired, State: p.State, APINames: p.APIs,
			Policy: doc(p.Policy, policy.ScopeProduct, id+"/products/"+p.Name+"/policies/policy")})
	}
	for _, f := range svc.Fragments {
		if d := doc(f.Value, policy.ScopeFragment, id+"/policyFragments/"+f.Name); d != nil {
			d.ID = f.Name
			out.Fragments[f.Name] = d
		}
	}
	for _, v := range svc.NamedValues {
		out.Values[v.DisplayName] = policy.NamedValue{Value: v.Value, HasValue: true, Secret: v.Secret, Source: "fakearm"}
	}
	if err != nil {
		return nil, nil, err
	}
	out.Link()
	keys := map[string]string{}
	for _, sub := range svc.Subscriptions {
		if !eq(sub.State, "active") {
			continue
		}
		product := ""
		if p, ok := strings.CutPrefix(sub.Scope, "/products/"); ok {
			product = p
		}
		keys[sub.PrimaryKey], keys[sub.SecondaryKey] = product, product
	}
	return out, keys, nil
}
