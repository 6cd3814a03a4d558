package armsource

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/apimanagement/armapimanagement/v3"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// Request says what one diagnosis needs: the request's method, URL and
// headers (routed as the gateway routes), or All for a lint of the whole
// service.
type Request struct {
	Method, URL string
	Headers     map[string]string
	All         bool
}

// Evidence is what was read: the service (only what the request needs, or
// everything with All), the findings of what could not be read, and the
// raw documents for Save.
type Evidence struct {
	Ref      ServiceRef
	Service  *policy.Service
	Findings []finding.Finding
	// Policies counts the scopes whose policy was read or known to be
	// absent; PolicyFailures those that could not be read.
	Policies, PolicyFailures int

	raw     map[*policy.Document]string
	nvNames map[string]string // display name -> resource name
}

// NoPolicy says that no policy at any scope could be read: the diagnosis
// has nothing to stand on (diagnose exits 3).
func (e *Evidence) NoPolicy() bool { return e.Policies == 0 && e.PolicyFailures > 0 }

type reader struct {
	c   *Client
	f   *armapimanagement.ClientFactory
	ref ServiceRef
	ev  *Evidence
	sem chan struct{}
	mu  sync.Mutex
	// exists holds the policy IDs (lower case) allPolicies lists; nil
	// when allPolicies could not be read, so every scope is asked.
	exists map[string]bool
}

const (
	actionRead    = "Microsoft.ApiManagement/service/%s/read"
	actionListVal = "Microsoft.ApiManagement/service/namedValues/listValue/action"
)

// Read fills a policy.Service from ARM for the request.
func (c *Client) Read(ctx context.Context, ref ServiceRef, req Request) (*Evidence, error) {
	f, err := c.factory(ref)
	if err != nil {
		return nil, err
	}
	svc := &policy.Service{Name: ref.ID(), Source: ref.ID(), VersionSets: map[string]*policy.VersionSet{},
		Fragments: map[string]*policy.Document{}, Values: policy.NamedValues{}}
	r := &reader{c: c, f: f, ref: ref, sem: make(chan struct{}, c.opts.Concurrency),
		ev: &Evidence{Ref: ref, Service: svc, raw: map[*policy.Document]string{}, nvNames: map[string]string{}}}

	// Round 1: what everything else depends on.
	var apiErr error
	r.all(
		func() { apiErr = r.apis(ctx) },
		func() { r.allPolicies(ctx) },
		func() { r.namedValues(ctx) },
	)
	if apiErr != nil {
		return nil, apiErr
	}
	// Round 2: the API(s) the request reaches, and the global policy.
	var targets []*policy.API
	if req.All {
		targets = svc.APIs
	} else if _, err := svc.Route(orGET(req.Method), req.URL, req.Headers); err != nil {
		if nf, ok := err.(*policy.NotFoundError); ok && nf.API != nil {
			targets = []*policy.API{nf.API}
		} else if !ok {
			return nil, &UsageError{Msg: err.Error()}
		}
	}
	products := map[string]*policy.Product{}
	fns := []func(){func() { svc.Policy = r.policy(ctx, policy.ScopeGlobal, ref.ID(), "") }}
	if len(targets) == 0 && !req.All {
		fns = nil // the gateway answers 404 before any policy
	}
	bases := map[string]bool{}
	for _, a := range targets {
		fns = append(fns, func() { r.operations(ctx, a) }, func() { a.Policy = r.policy(ctx, policy.ScopeAPI, a.ID, "") })
		if base := baseName(a.Name); !bases[base] {
			bases[base] = true
			fns = append(fns, func() { r.apiProducts(ctx, base, products) })
		}
	}
	r.all(fns...)
	// Round 3: the operation's (or every operation's) and the products' policies.
	fns = nil
	for _, a := range targets {
		ops := a.Operations
		if !req.All {
			ops = nil
			if m, err := svc.Route(orGET(req.Method), req.URL, req.Headers); err == nil {
				ops = []*policy.Operation{m.Operation}
			}
		}
		for _, o := range ops {
			fns = append(fns, func() { o.Policy = r.policy(ctx, policy.ScopeOperation, o.ID, "") })
		}
	}
	for _, p := range products {
		svc.Products = append(svc.Products, p)
		fns = append(fns, func() { p.Policy = r.policy(ctx, policy.ScopeProduct, p.ID, "") })
	}
	r.all(fns...)
	svc.Link()
	// Round 4: the fragments the documents include, and the secret named
	// values the documents refer to; then those the fragments refer to.
	tried, first := map[string]bool{}, refs(svc)
	r.all(func() { r.fragments(ctx) }, func() { r.secrets(ctx, first, tried) })
	r.secrets(ctx, refs(svc), tried)
	return r.ev, nil
}

func orGET(m string) string {
	if m == "" {
		return "GET"
	}
	return strings.ToUpper(m)
}

func baseName(api string) string {
	b, _, _ := strings.Cut(api, ";rev=")
	return b
}

// all runs fns concurrently, at most Concurrency at a time, and waits.
func (r *reader) all(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.sem <- struct{}{}
			defer func() { <-r.sem }()
			fn()
		}()
	}
	wg.Wait()
}

func (r *reader) fail(f finding.Finding) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ev.Findings = append(r.ev.Findings, f)
}

// pages reads every page of a list.
func pages[T any](ctx context.Context, p *runtime.Pager[T], each func(T)) error {
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		each(page)
	}
	return nil
}

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
		return &ReadError{Finding: f}
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
