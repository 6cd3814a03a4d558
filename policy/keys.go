package policy

import (
	"fmt"
	"strings"
)

// KeyOwner is what is known of the subscription a key sent belongs to, found
// by comparing the key with each subscription's keys (ARM's listSecrets).
// Subscription is nil when every subscription was compared and none holds
// the key: the gateway refuses it as invalid.
type KeyOwner struct {
	Subscription *Subscription
}

// The kinds of subscription scope (api-management-subscriptions).
const (
	KeyScopeProduct   = "product"    // {S}/products/{id}
	KeyScopeAPI       = "api"        // {S}/apis/{id}
	KeyScopeAllAPIs   = "all-apis"   // {S}/apis
	KeyScopeAllAccess = "all-access" // {S}/ (the built-in all-access subscription)
)

// Target reads the subscription's scope: its kind and, for a product or an
// API, the resource's name. The scope is a resource ID ({S}/products/x) or
// the same relative to the service (/products/x), as APIM takes it on
// creation; kind is "" for a scope of another form (a workspace's).
func (s *Subscription) Target() (kind, name string) {
	rel := s.Scope
	low := strings.ToLower(rel)
	const svc = "/providers/microsoft.apimanagement/service/"
	if i := strings.Index(low, svc); i >= 0 {
		rest := rel[i+len(svc):]
		if j := strings.Index(rest, "/"); j >= 0 {
			rel = rest[j:]
		} else {
			rel = ""
		}
	}
	segs := strings.Split(strings.Trim(rel, "/"), "/")
	switch {
	case len(segs) == 1 && segs[0] == "":
		return KeyScopeAllAccess, ""
	case len(segs) == 1 && strings.EqualFold(segs[0], "apis"):
		return KeyScopeAllAPIs, ""
	case len(segs) == 2 && strings.EqualFold(segs[0], "apis"):
		return KeyScopeAPI, segs[1]
	case len(segs) == 2 && strings.EqualFold(segs[0], "products"):
		return KeyScopeProduct, segs[1]
	}
	return "", ""
}

// Active says whether the gateway accepts the subscription's keys: only an
// active subscription's are.
func (s *Subscription) Active() bool { return s.State == "" || strings.EqualFold(s.State, "active") }

// Covers says whether a key of the subscription is valid for a request to
// a: an active subscription scoped to a product that holds a, to a itself,
// to all APIs, or the all-access one.
func (s *Subscription) Covers(a *API) bool {
	if !s.Active() {
		return false
	}
	kind, name := s.Target()
	switch kind {
	case KeyScopeProduct:
		for _, p := range a.Products {
			if strings.EqualFold(p.Name, name) {
				return true
			}
		}
		return false
	case KeyScopeAPI:
		return strings.EqualFold(name, apiBase(a.Name))
	}
	return kind != ""
}

func (s *Subscription) label() string {
	l := "subscription " + s.Name
	if s.DisplayName != "" && s.DisplayName != s.Name {
		l += " (" + s.DisplayName + ")"
	}
	return l
}

func apiBase(name string) string {
	b, _, _ := strings.Cut(name, ";rev=")
	return b
}

// OwnerContext is the product context of a request to a with a key whose
// subscription is known (or known to be none). ok is false when the
// subscription's scope has a form this does not know: the caller then
// evaluates every product that could apply.
func (s *Service) OwnerContext(a *API, o *KeyOwner) (ctx Context, ok bool) {
	sub := o.Subscription
	if sub == nil {
		return Context{Refused: KeyInvalid,
			Why: "the key sent is no key of any subscription of the service (each subscription's keys were compared): the gateway refuses it as invalid"}, true
	}
	ctx.Subscription = sub.ID
	refuse := func(format string, args ...any) (Context, bool) {
		ctx.Refused, ctx.Why = KeyInvalid, fmt.Sprintf(format, args...)
		return ctx, true
	}
	if !sub.Active() {
		return refuse("the key sent is of %s, which is %s: the gateway accepts only an active subscription's keys", sub.label(), sub.State)
	}
	kind, name := sub.Target()
	switch kind {
	case KeyScopeProduct:
		p := s.FindProduct(name)
		if p == nil || !a.HasProduct(p) {
			ctx.Product = p
			return refuse("the key sent is of %s, scoped to product %s, which does not contain API %s (its products: %s): the gateway refuses it as invalid",
				sub.label(), name, a.Name, productNames(a.Products))
		}
		ctx.Product, ctx.Why = p, "the key sent is of "+sub.label()+", scoped to product "+p.Name
	case KeyScopeAPI:
		if !strings.EqualFold(name, apiBase(a.Name)) {
			return refuse("the key sent is of %s, scoped to API %s, not to API %s: the gateway refuses it as invalid", sub.label(), name, a.Name)
		}
		ctx.Why = "the key sent is of " + sub.label() + ", scoped to API " + name + ": no product policy runs"
	case KeyScopeAllAPIs:
		ctx.Why = "the key sent is of " + sub.label() + ", scoped to all APIs: no product policy runs"
	case KeyScopeAllAccess:
		ctx.Why = "the key sent is of " + sub.label() + ", the built-in all-access subscription: no product policy runs"
	default:
		return Context{}, false
	}
	return ctx, true
}
