package armsource

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/apimanagement/armapimanagement/v3"

	"github.com/entratoken/entratoken/policy"
)

// The lists: APIs (with their version sets), an API's operations and its
// products, every page of each.

func (r *reader) apis(ctx context.Context) error {
	cl := r.f.NewAPIClient()
	svc := r.ev.Service
	r.c.logf("ARM: the APIs of %s", r.ref.ID())
	err := pages(ctx, cl.NewListByServicePager(r.ref.ResourceGroup, r.ref.Name, &armapimanagement.APIClientListByServiceOptions{ExpandAPIVersionSet: to.Ptr(true)}),
		func(p armapimanagement.APIClientListByServiceResponse) {
			for _, c := range p.Value {
				if a := apiOf(c, svc); a != nil {
					svc.APIs = append(svc.APIs, a)
				}
			}
		})
	if err != nil {
		f := failure(fmt.Sprintf(actionRead, "apis"), "the APIs of "+r.ref.ID(), ReaderRole, err)
		if isNotFound(err) {
			f.Message = "there is no API Management service " + r.ref.ID() + " (or the credential cannot see it): ARM answered 404"
			f.Fix = "check --apim, --resource-group and --subscription (or AZURE_SUBSCRIPTION_ID), or use --apim auto"
		}
		return &ReadError{Finding: f, NotFound: isNotFound(err)}
	}
	return nil
}

func apiOf(c *armapimanagement.APIContract, svc *policy.Service) *policy.API {
	if c == nil || c.Name == nil || c.Properties == nil {
		return nil
	}
	p := c.Properties
	a := &policy.API{Name: *c.Name, ID: to0(c.ID), DisplayName: to0(p.DisplayName), Path: strings.Trim(to0(p.Path), "/"),
		Version: to0(p.APIVersion), Revision: cmpOr(to0(p.APIRevision), "1"), IsCurrent: p.IsCurrent == nil || *p.IsCurrent,
		SubscriptionRequired: p.SubscriptionRequired == nil || *p.SubscriptionRequired,
		KeyHeader:            "Ocp-Apim-Subscription-Key", KeyQuery: "subscription-key"}
	if p.APIType != nil {
		a.Type = string(*p.APIType)
	}
	if k := p.SubscriptionKeyParameterNames; k != nil {
		a.KeyHeader, a.KeyQuery = cmpOr(to0(k.Header), a.KeyHeader), cmpOr(to0(k.Query), a.KeyQuery)
	}
	if vs := p.APIVersionSet; vs != nil && vs.VersioningScheme != nil {
		name := path.Base(cmpOr(to0(vs.ID), to0(p.APIVersionSetID)))
		set := svc.VersionSets[strings.ToLower(name)]
		if set == nil {
			set = &policy.VersionSet{Name: name, Scheme: string(*vs.VersioningScheme), QueryName: to0(vs.VersionQueryName), HeaderName: to0(vs.VersionHeaderName)}
			svc.VersionSets[strings.ToLower(name)] = set
		}
		a.VersionSet = set
	}
	return a
}

func to0[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

func (r *reader) allPolicies(ctx context.Context) {
	cl := r.f.NewAllPoliciesClient()
	exists := map[string]bool{}
	err := pages(ctx, cl.NewListByServicePager(r.ref.ResourceGroup, r.ref.Name, nil), func(p armapimanagement.AllPoliciesClientListByServiceResponse) {
		for _, c := range p.Value {
			if c != nil && c.Properties != nil && c.Properties.ReferencePolicyID != nil {
				exists[strings.ToLower(*c.Properties.ReferencePolicyID)] = true
			}
		}
	})
	if err != nil { // not fatal: every scope is then asked, a 404 meaning none
		r.c.logf("ARM: allPolicies not read (%v): asking every scope", oneLine(err.Error()))
		return
	}
	r.exists = exists
}

func (r *reader) operations(ctx context.Context, a *policy.API) {
	cl := r.f.NewAPIOperationClient()
	var ops []*policy.Operation
	err := pages(ctx, cl.NewListByAPIPager(r.ref.ResourceGroup, r.ref.Name, a.Name, nil), func(p armapimanagement.APIOperationClientListByAPIResponse) {
		for _, c := range p.Value {
			if c != nil && c.Name != nil && c.Properties != nil {
				ops = append(ops, &policy.Operation{Name: *c.Name, ID: to0(c.ID), DisplayName: to0(c.Properties.DisplayName),
					Method: strings.ToUpper(to0(c.Properties.Method)), URLTemplate: to0(c.Properties.URLTemplate)})
			}
		}
	})
	if err != nil {
		r.fail(failure(fmt.Sprintf(actionRead, "apis/operations"), "the operations of API "+a.Name, ReaderRole, err))
	}
	a.Operations = ops
}

func (r *reader) apiProducts(ctx context.Context, api string, into map[string]*policy.Product) {
	cl := r.f.NewAPIProductClient()
	var got []*armapimanagement.ProductContract
	err := pages(ctx, cl.NewListByApisPager(r.ref.ResourceGroup, r.ref.Name, api, nil), func(p armapimanagement.APIProductClientListByApisResponse) {
		got = append(got, p.Value...)
	})
	if err != nil {
		r.fail(failure(fmt.Sprintf(actionRead, "apis/products"), "the products of API "+api, ReaderRole, err))
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range got {
		if c == nil || c.Name == nil || c.Properties == nil {
			continue
		}
		p := into[strings.ToLower(*c.Name)]
		if p == nil {
			p = &policy.Product{Name: *c.Name, ID: to0(c.ID), DisplayName: to0(c.Properties.DisplayName),
				SubscriptionRequired: c.Properties.SubscriptionRequired == nil || *c.Properties.SubscriptionRequired}
			if c.Properties.State != nil {
				p.State = string(*c.Properties.State)
			}
			into[strings.ToLower(*c.Name)] = p
		}
		p.APINames = append(p.APINames, api)
	}
}
