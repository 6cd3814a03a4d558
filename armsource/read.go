package armsource

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
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

	// Info is the service's own resource (GET {S}); nil when not read.
	Info *ServiceInfo

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
		func() { r.service(ctx) },
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
	if !req.All {
		if f := hostFinding(r.ev.Info, ref.ID(), req.URL); f != nil {
			r.ev.Findings = append(r.ev.Findings, *f)
		}
	}
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

// maxPages bounds one list read through an SDK pager.
const maxPages = 1000

// pages reads every page of a list.
func pages[T any](ctx context.Context, p *runtime.Pager[T], each func(T)) error {
	for n := 0; p.More(); n++ {
		if n == maxPages { // a nextLink that never ends
			return fmt.Errorf("ARM answered more than %d pages: not read further", maxPages)
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		each(page)
	}
	return nil
}
