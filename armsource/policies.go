package armsource

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/apimanagement/armapimanagement/v3"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// policy reads the policy of one scope (owner is the scope's resource ID):
// nil when it has none (allPolicies does not list it, or a 404). rawxml is
// read first; one that does not parse is read again as xml.
func (r *reader) policy(ctx context.Context, scope policy.Scope, owner, _ string) *policy.Document {
	id := owner + "/policies/policy"
	if r.exists != nil && !r.exists[strings.ToLower(id)] {
		r.count(false)
		return nil
	}
	raw, err := r.getPolicy(ctx, owner, armapimanagement.PolicyExportFormatRawxml)
	if isNotFound(err) {
		r.count(false)
		return nil
	}
	if err != nil {
		r.count(true)
		r.fail(failure(fmt.Sprintf(actionRead, policyType(scope)), "the "+string(scope)+" policy "+id, ReaderRole, err))
		return nil
	}
	d, perr := policy.Read([]byte(raw))
	if perr != nil {
		if x, err := r.getPolicy(ctx, owner, armapimanagement.PolicyExportFormatXML); err == nil {
			if d2, err := policy.Read([]byte(x)); err == nil {
				d, perr, raw = d2, nil, x
			}
		}
	}
	if perr != nil {
		r.count(true)
		r.fail(finding.Finding{Code: finding.PolicyInvalid, Severity: finding.SeverityError, Side: finding.SideAPIM,
			Message: fmt.Sprintf("the %s policy %s does not parse: %v", scope, id, perr), Source: &finding.Source{Scope: string(scope), File: id},
			Fix: "fix the policy in the portal or the APIOps repository"})
		return nil
	}
	d.Scope, d.File = scope, id
	r.mu.Lock()
	r.ev.raw[d] = raw
	r.ev.Policies++
	r.mu.Unlock()
	return d
}

func (r *reader) count(failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if failed {
		r.ev.PolicyFailures++
	} else {
		r.ev.Policies++
	}
}

func policyType(s policy.Scope) string {
	switch s {
	case policy.ScopeAPI:
		return "apis/policies"
	case policy.ScopeOperation:
		return "apis/operations/policies"
	case policy.ScopeProduct:
		return "products/policies"
	}
	return "policies"
}

// getPolicy reads the policy document of the scope whose resource ID is owner.
func (r *reader) getPolicy(ctx context.Context, owner string, format armapimanagement.PolicyExportFormat) (string, error) {
	rg, svc, pol := r.ref.ResourceGroup, r.ref.Name, armapimanagement.PolicyIDNamePolicy
	rest := owner
	if i := strings.Index(strings.ToLower(owner), "/service/"+strings.ToLower(svc)); i >= 0 {
		rest = owner[i+len("/service/")+len(svc):]
	}
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	var c *armapimanagement.PolicyContract
	switch {
	case rest == "":
		resp, err := r.f.NewPolicyClient().Get(ctx, rg, svc, pol, &armapimanagement.PolicyClientGetOptions{Format: &format})
		if err != nil {
			return "", err
		}
		c = &resp.PolicyContract
	case len(segs) == 2 && segs[0] == "apis":
		resp, err := r.f.NewAPIPolicyClient().Get(ctx, rg, svc, segs[1], pol, &armapimanagement.APIPolicyClientGetOptions{Format: &format})
		if err != nil {
			return "", err
		}
		c = &resp.PolicyContract
	case len(segs) == 4 && segs[0] == "apis" && segs[2] == "operations":
		resp, err := r.f.NewAPIOperationPolicyClient().Get(ctx, rg, svc, segs[1], segs[3], pol, &armapimanagement.APIOperationPolicyClientGetOptions{Format: &format})
		if err != nil {
			return "", err
		}
		c = &resp.PolicyContract
	case len(segs) == 2 && segs[0] == "products":
		resp, err := r.f.NewProductPolicyClient().Get(ctx, rg, svc, segs[1], pol, &armapimanagement.ProductPolicyClientGetOptions{Format: &format})
		if err != nil {
			return "", err
		}
		c = &resp.PolicyContract
	default:
		return "", fmt.Errorf("%s is not a policy scope this tool reads", owner)
	}
	if c.Properties == nil || c.Properties.Value == nil {
		return "", fmt.Errorf("the policy %s/policies/policy has no value", owner)
	}
	return *c.Properties.Value, nil
}

// fragments reads every fragment the documents include (and those the
// fragments include), each once.
func (r *reader) fragments(ctx context.Context) {
	svc := r.ev.Service
	seen := map[string]bool{}
	for {
		var ids []string
		for _, d := range svc.Documents() {
			walk(d.Root, func(n *policy.Node) {
				if n.Name == "include-fragment" {
					if id := strings.TrimSpace(n.AttrOr("fragment-id", "")); id != "" && !seen[id] {
						seen[id] = true
						ids = append(ids, id)
					}
				}
			})
		}
		if len(ids) == 0 {
			return
		}
		sort.Strings(ids)
		var fns []func()
		for _, id := range ids {
			fns = append(fns, func() { r.fragment(ctx, id) })
		}
		r.all(fns...)
	}
}

func (r *reader) fragment(ctx context.Context, id string) {
	format := armapimanagement.PolicyFragmentContentFormatRawxml
	resp, err := r.f.NewPolicyFragmentClient().Get(ctx, r.ref.ResourceGroup, r.ref.Name, id, &armapimanagement.PolicyFragmentClientGetOptions{Format: &format})
	if isNotFound(err) {
		return // the composition says the fragment is missing
	}
	if err != nil {
		r.fail(failure(fmt.Sprintf(actionRead, "policyFragments"), "the policy fragment "+id, ReaderRole, err))
		return
	}
	if resp.Properties == nil || resp.Properties.Value == nil {
		return
	}
	raw := *resp.Properties.Value
	d, err := policy.Read([]byte(raw))
	if err != nil {
		r.fail(finding.Finding{Code: finding.PolicyInvalid, Severity: finding.SeverityError, Side: finding.SideAPIM,
			Message: fmt.Sprintf("the policy fragment %s does not parse: %v", id, err), Fix: "fix the fragment in the portal or the APIOps repository"})
		return
	}
	d.Scope, d.File, d.ID = policy.ScopeFragment, to0(resp.ID), id
	if d.File == "" {
		d.File = r.ref.ID() + "/policyFragments/" + id
	}
	r.mu.Lock()
	r.ev.Service.Fragments[id] = d
	r.ev.raw[d] = raw
	r.mu.Unlock()
}

func walk(n *policy.Node, fn func(*policy.Node)) {
	if n == nil {
		return
	}
	fn(n)
	for _, c := range n.Children {
		walk(c, fn)
	}
}

// refs returns the named values the documents refer to.
func refs(svc *policy.Service) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		for _, n := range policy.Refs(s) {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	for _, d := range svc.Documents() {
		walk(d.Root, func(n *policy.Node) {
			for _, a := range n.Attrs {
				add(a.Value)
			}
			add(n.Text)
		})
	}
	sort.Strings(out)
	return out
}

// namedValues lists the named values (a secret one without its value).
func (r *reader) namedValues(ctx context.Context) {
	svc := r.ev.Service
	err := pages(ctx, r.f.NewNamedValueClient().NewListByServicePager(r.ref.ResourceGroup, r.ref.Name, nil), func(p armapimanagement.NamedValueClientListByServiceResponse) {
		for _, c := range p.Value {
			if c == nil || c.Name == nil || c.Properties == nil {
				continue
			}
			name := cmpOr(to0(c.Properties.DisplayName), *c.Name)
			v := policy.NamedValue{Secret: to0(c.Properties.Secret) || c.Properties.KeyVault != nil, Source: to0(c.ID)}
			if c.Properties.Value != nil {
				v.Value, v.HasValue = *c.Properties.Value, true
			}
			svc.Values[name] = v
			r.ev.nvNames[name] = *c.Name
		}
	})
	if err != nil {
		r.fail(failure(fmt.Sprintf(actionRead, "namedValues"), "the named values of "+r.ref.ID(), ReaderRole, err))
	}
}

// secrets asks for the value of each secret named value the documents
// refer to (listValue, a POST action the Reader role does not have).
// Each name is tried once (tried).
func (r *reader) secrets(ctx context.Context, names []string, tried map[string]bool) {
	svc := r.ev.Service
	var fns []func()
	for _, name := range names {
		r.mu.Lock()
		v, ok := svc.Values[name]
		skip := !ok || v.HasValue || !v.Secret || tried[name]
		tried[name] = true
		r.mu.Unlock()
		if skip {
			continue
		}
		res := r.ev.nvNames[name]
		fns = append(fns, func() {
			resp, err := r.f.NewNamedValueClient().ListValue(ctx, r.ref.ResourceGroup, r.ref.Name, res, nil)
			if err != nil {
				f := failure(actionListVal, "the value of the secret named value "+name, ContributorRole, err)
				f.Severity = finding.SeverityInfo
				if f.Code == finding.EvidenceForbidden {
					f.Message += "; its value stays unknown, which matters only where it decides"
				}
				r.fail(f)
				return
			}
			r.mu.Lock()
			v.Value, v.HasValue = to0(resp.Value), resp.Value != nil
			svc.Values[name] = v
			r.mu.Unlock()
		})
	}
	r.all(fns...)
}
