package diagnose

import (
	"fmt"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// APIM's answers to its own subscription check (observed texts, reference §3.4).
const (
	MissingKeyMessage = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."
	InvalidKeyMessage = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."
)

func evidenceOf(t *Target) *Evidence {
	ev := &Evidence{Scopes: []EvidenceScope{}}
	if t.Service != nil {
		ev.Service = t.Service.Name
	}
	if t.API != nil {
		ev.API = orID(t.API.ID, t.API.Name)
	}
	if t.Operation != nil {
		ev.Operation = orID(t.Operation.ID, t.Operation.Name)
	}
	if t.Context.Product != nil {
		ev.Product = orID(t.Context.Product.ID, t.Context.Product.Name)
	}
	ev.Context = t.Context.Why
	ev.Subscription = t.Context.Subscription
	for _, d := range t.Effective.Docs {
		ev.Scopes = append(ev.Scopes, EvidenceScope{Scope: string(d.Scope.OrAPI()), ID: d.File})
	}
	return ev
}

func orID(id, name string) string {
	if id != "" {
		return id
	}
	return name
}

// keyRefusal is the gateway's own subscription check, which runs before any
// policy (api-management-subscriptions).
func keyRefusal(t *Target) *outcome {
	o := &outcome{status: 401}
	f := finding.Finding{Code: finding.SubscriptionKeyMiss, Side: finding.SideClient,
		Message:  "the gateway refuses before any policy runs: " + t.Context.Why,
		Expected: "a key of a subscription to " + apiName(t), Actual: "(no key)",
		Fix: "send a key of a product that contains the API in Ocp-Apim-Subscription-Key (APIM portal > Subscriptions), or add the API to an open product"}
	msg := MissingKeyMessage
	switch {
	case t.Context.Refused == policy.KeyInvalid && t.Context.Product != nil:
		f.Code, f.Actual, msg = finding.SubscriptionKeyInvalid, "a key of product "+t.Context.Product.Name, InvalidKeyMessage
		f.Fix = fmt.Sprintf("use a key of a product that contains %s, or add %s to product %s", apiName(t), apiName(t), t.Context.Product.Name)
	case t.Context.Refused == policy.KeyInvalid:
		f.Code, f.Actual, msg = finding.SubscriptionKeyInvalid, "a key the gateway does not accept for "+apiName(t), InvalidKeyMessage
		f.Expected = "a key of an active subscription to " + apiName(t) + ", to a product that contains it, or to all APIs"
		f.Fix = "copy the key again from the portal (Subscriptions) and check that the subscription is active and its scope covers " + apiName(t)
	}
	o.fail(f, msg)
	o.check("subscription-key", "fail", t.Context.Why)
	return o
}

func apiName(t *Target) string {
	if t.API == nil {
		return "the API"
	}
	return "API " + t.API.Name
}

// steps lists the inbound pipeline's statements with what happened to them.
func steps(p *Policy, results map[*policy.Node]string) []Step {
	var out []Step
	var walk func(section string, nodes []*policy.Node)
	walk = func(section string, nodes []*policy.Node) {
		for _, n := range nodes {
			if n.Expanded {
				walk(section, n.Children)
				continue
			}
			if r, ok := results[n]; ok {
				s := Step{Section: section, Policy: n.Name, Result: r, Line: n.Line}
				if src := policy.Source(n); src != nil {
					s.Scope, s.File = src.Scope, src.File
				}
				out = append(out, s)
			}
			if n.Name == "choose" || n.Name == "when" || n.Name == "otherwise" {
				walk(section, n.Children)
			}
		}
	}
	for _, name := range policy.Sections {
		if nodes, ok := p.Section(name); ok {
			walk(name, nodes)
		}
	}
	return out
}
