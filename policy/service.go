package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Service is what the gateway knows of an APIM instance that decides a
// request: its APIs and operations with their policies, its products, the
// global policy, fragments and named values. An APIOps folder and ARM both
// fill it; diagnose evaluates what it composes without knowing the source.
type Service struct {
	Name string
	// Source says where the service was read from, for messages: an APIOps
	// folder, or an ARM resource ID.
	Source      string
	Policy      *Document // global (All APIs); nil when there is none
	APIs        []*API
	Products    []*Product
	VersionSets map[string]*VersionSet
	Fragments   map[string]*Document
	Values      NamedValues
	// Subscriptions the source could read (ARM), for telling which
	// product a key belongs to; empty for an APIOps folder.
	Subscriptions []*Subscription
}

// API is one API (one revision of one version).
type API struct {
	Name        string // resource name: "orders", "orders;rev=2"
	DisplayName string
	ID          string // ARM resource ID when read live
	Path        string // "orders"; "" for an API at the host's root
	Version     string // apiVersion ("" for a version set's original)
	VersionSet  *VersionSet
	Revision    string // apiRevision ("1" when unknown)
	IsCurrent   bool
	// SubscriptionRequired is the API's own setting (the gateway's key
	// check runs before any policy). KeyHeader and KeyQuery are its
	// subscriptionKeyParameterNames.
	SubscriptionRequired bool
	KeyHeader, KeyQuery  string
	Type                 string // http, soap, websocket, graphql, ...
	Policy               *Document
	Operations           []*Operation
	Products             []*Product
}

// Operation is one operation of an API.
type Operation struct {
	Name        string
	DisplayName string
	ID          string
	Method      string // GET, POST, ..., or * for any
	URLTemplate string // "/orders/{id}", "/*", "/add?a={a}"
	Policy      *Document
}

// Product is one product with the APIs it holds.
type Product struct {
	Name                 string
	DisplayName          string
	ID                   string
	SubscriptionRequired bool // false: an open product
	State                string
	APINames             []string
	Policy               *Document
}

// VersionSet groups an API's versions (api-management-versions).
type VersionSet struct {
	Name       string
	Scheme     string // Segment, Query, Header
	QueryName  string // versionQueryName (Query scheme)
	HeaderName string // versionHeaderName (Header scheme)
}

// Subscription is a subscription of the service; its scope decides which
// product's policies a key of it runs (api-management-subscriptions).
type Subscription struct {
	Name, DisplayName, ID string
	// Scope is the subscription's scope as ARM gives it (see Target).
	Scope, State string
}

// Link connects APIs and products both ways and sorts lists, after a
// source has filled the service.
func (s *Service) Link() {
	byName := map[string]*API{}
	for _, a := range s.APIs {
		a.Products = nil
		byName[strings.ToLower(a.Name)] = a
	}
	for _, p := range s.Products {
		for _, n := range p.APINames {
			if a := byName[strings.ToLower(n)]; a != nil {
				a.Products = append(a.Products, p)
			}
		}
	}
	// A revision is in the products of its API: products hold APIs, not revisions.
	for _, a := range s.APIs {
		if base, _, ok := strings.Cut(a.Name, ";rev="); ok {
			if b := byName[strings.ToLower(base)]; b != nil {
				a.Products = b.Products
			}
		}
	}
	sort.Slice(s.APIs, func(i, j int) bool { return s.APIs[i].Name < s.APIs[j].Name })
	sort.Slice(s.Products, func(i, j int) bool { return s.Products[i].Name < s.Products[j].Name })
}

// Documents returns every policy document of the service: global, products,
// APIs, operations and fragments, in that order.
func (s *Service) Documents() []*Document {
	var out []*Document
	add := func(d *Document) {
		if d != nil {
			out = append(out, d)
		}
	}
	add(s.Policy)
	for _, p := range s.Products {
		add(p.Policy)
	}
	for _, a := range s.APIs {
		add(a.Policy)
		for _, o := range a.Operations {
			add(o.Policy)
		}
	}
	for _, id := range sortedKeys(s.Fragments) {
		add(s.Fragments[id])
	}
	return out
}

// FindAPI returns the API with the resource name (case-insensitive).
func (s *Service) FindAPI(name string) *API {
	for _, a := range s.APIs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// FindProduct returns the product with the resource name.
func (s *Service) FindProduct(name string) *Product {
	for _, p := range s.Products {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// FindOperation returns the API's operation with the resource name.
func (a *API) FindOperation(name string) *Operation {
	for _, o := range a.Operations {
		if strings.EqualFold(o.Name, name) {
			return o
		}
	}
	return nil
}

// OpenProduct returns the API's one open product (subscriptionRequired
// false), whose policies run for a request without a key; nil when there is
// none. APIM allows at most one open product per API.
func (a *API) OpenProduct() *Product {
	for _, p := range a.Products {
		if !p.SubscriptionRequired {
			return p
		}
	}
	return nil
}

// HasProduct says whether the API is in the product.
func (a *API) HasProduct(p *Product) bool {
	for _, q := range a.Products {
		if q == p {
			return true
		}
	}
	return false
}

// Context says which product's policies a request runs.
type Context struct {
	// Product is the product whose policies run; nil for none.
	Product *Product
	// Why says how it was decided, for the report.
	Why string
	// Refused is set when the gateway's key check refuses the request
	// before any policy runs: "missing" or "invalid".
	Refused string
	// Subscription is the resource ID of the subscription the key sent
	// belongs to, when that is known (see OwnerContext).
	Subscription string
}

// Key refusals of the gateway's subscription check.
const (
	KeyMissing = "missing"
	KeyInvalid = "invalid"
)

// Contexts says in which product context a request to a runs, following
// api-management-subscriptions ("How API Management handles requests with or
// without subscription keys"). Without a key: the API's open product if it
// has one (even when the API itself requires a subscription); else, when the
// API requires a subscription, the gateway refuses (missing key); else no
// product. With a key: the key's subscription scope decides; a product key
// is valid only for the product's APIs, and an API-scoped, all-APIs or
// all-access key runs no product policy. product names the key's product
// (--product), noProduct says the key is of the second kind (--no-product).
// A key whose product is not known gives one context per possibility.
func (s *Service) Contexts(a *API, product string, noProduct, keySent bool) ([]Context, error) {
	switch {
	case product != "":
		p := s.FindProduct(product)
		if p == nil {
			var names []string
			for _, q := range s.Products {
				names = append(names, q.Name)
			}
			return nil, fmt.Errorf("--product %s: no such product (there are: %s)", product, strings.Join(names, ", "))
		}
		if !a.HasProduct(p) {
			return []Context{{Product: p, Refused: KeyInvalid,
				Why: fmt.Sprintf("a key of product %s, which does not contain API %s (its products: %s): the gateway refuses it as invalid", p.Name, a.Name, productNames(a.Products))}}, nil
		}
		return []Context{{Product: p, Why: "a key of product " + p.Name}}, nil
	case noProduct:
		return []Context{{Why: "a key scoped to the API, to all APIs, or the all-access key: no product policy runs"}}, nil
	case !keySent:
		if p := a.OpenProduct(); p != nil {
			return []Context{{Product: p, Why: "no key: the request runs in the context of the API's open product " + p.Name}}, nil
		}
		if a.SubscriptionRequired {
			return []Context{{Refused: KeyMissing, Why: "no key, and the API requires a subscription and is in no open product"}}, nil
		}
		return []Context{{Why: "no key; the API requires none and is in no open product: no product policy runs"}}, nil
	}
	var out []Context
	for _, p := range a.Products {
		if p.SubscriptionRequired {
			out = append(out, Context{Product: p, Why: "if the key is of product " + p.Name})
		}
	}
	return append(out, Context{Why: "if the key is scoped to the API, to all APIs, or is the all-access key (no product policy)"}), nil
}

func productNames(ps []*Product) string {
	if len(ps) == 0 {
		return "none"
	}
	var n []string
	for _, p := range ps {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}

// Set returns what the gateway composes for a request to op of a in ctx:
// the global, product, API and operation documents (op may be nil: the API
// alone), with the service's fragments and named values.
func (s *Service) Set(a *API, op *Operation, ctx Context) Set {
	set := Set{Fragments: s.Fragments, Values: s.Values}
	set.Docs = append(set.Docs, s.Policy)
	if ctx.Product != nil {
		set.Docs = append(set.Docs, ctx.Product.Policy)
	}
	set.Docs = append(set.Docs, a.Policy)
	if op != nil {
		set.Docs = append(set.Docs, op.Policy)
	}
	return set
}

// Label names an API for people: its name, version and revision.
func (a *API) Label() string {
	l := a.Name
	if a.Version != "" && !strings.Contains(l, a.Version) {
		l += " (version " + a.Version + ")"
	}
	return l
}

// URL returns the path the gateway serves the API at: /path[/version][;rev=N].
func (a *API) URL() string {
	p := "/" + strings.Trim(a.Path, "/")
	if a.VersionSet != nil && strings.EqualFold(a.VersionSet.Scheme, "Segment") && a.Version != "" {
		p = strings.TrimSuffix(p, "/") + "/" + a.Version
	}
	if !a.IsCurrent && a.Revision != "" {
		p += ";rev=" + a.Revision
	}
	return p
}

func (o *Operation) String() string { return fmt.Sprintf("%s %s", o.Method, o.URLTemplate) }
