package diagnose

import (
	"errors"
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// Sources say where the effective policy comes from (spec/cli.md,
// "The effective policy (offline)"): policy files per scope, or an APIOps
// folder with the API and operation named or routed from a URL; fragments
// and named values; and the request's key context.
type Sources struct {
	Policies  []string // [SCOPE=]FILE
	Fragments []string // ID=FILE
	Values    policy.NamedValues
	APIOps    string
	// Service is a service already read (live, over ARM): used as an
	// APIOps folder would be.
	Service     *policy.Service
	API         string
	Operation   string
	Product     string
	NoProduct   bool
	URL, Method string
	Headers     map[string]string
	// KeySent says a subscription key is sent (--subscription-key-present,
	// or the key call actually sends).
	KeySent bool
	// KeyOwner is the subscription the key sent belongs to, when it was
	// found (call --apim with the right to list secrets); it decides the
	// product context unless Product or NoProduct says otherwise.
	KeyOwner *policy.KeyOwner
}

// Empty says no policy source was given.
func (s *Sources) Empty() bool { return len(s.Policies) == 0 && s.APIOps == "" && s.Service == nil }

// Target is one effective policy to evaluate, with what it was composed for.
type Target struct {
	Effective *policy.Effective
	Service   *policy.Service // nil for files
	API       *policy.API
	Operation *policy.Operation
	Context   policy.Context
	// Complete says the source holds every scope (an APIOps folder): a
	// scope without a document has none, rather than one not given.
	Complete bool
	// Label says what was composed, for people ("API orders, operation get-order, product starter").
	Label string
}

// UsageError is a source that cannot be used as given: exit 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, a ...any) error { return &UsageError{Msg: fmt.Sprintf(format, a...)} }

// Targets reads the sources and composes what the gateway would run. A URL
// that no API or operation matches comes back as *policy.NotFoundError.
// With a key of an unknown product there is one target per possibility.
func (s *Sources) Targets() ([]Target, error) {
	if s.Service != nil {
		return s.serviceTargets(s.Service)
	}
	if s.APIOps != "" {
		return s.apiopsTargets()
	}
	return s.fileTargets()
}

func (s *Sources) fileTargets() ([]Target, error) {
	set := policy.Set{Fragments: map[string]*policy.Document{}, Values: s.Values}
	var files []string
	product := s.Product
	for _, spec := range s.Policies {
		sc, file := policy.SplitScope(spec)
		d, err := policy.ReadFile(file, sc)
		if err != nil {
			return nil, err
		}
		if sc == policy.ScopeProduct && s.NoProduct {
			return nil, usagef("--policy product=%s and --no-product contradict each other: a key without a product runs no product policy", file)
		}
		if sc == policy.ScopeProduct && product == "" {
			product = file
		}
		set.Docs = append(set.Docs, d)
		files = append(files, spec) // as the user wrote it
	}
	for _, spec := range s.Fragments {
		id, file, ok := strings.Cut(spec, "=")
		if !ok || id == "" || file == "" {
			return nil, usagef("--fragment wants ID=FILE, not %q", spec)
		}
		d, err := policy.ReadFile(file, policy.ScopeFragment)
		if err != nil {
			return nil, err
		}
		d.ID = id
		set.Fragments[id] = d
	}
	eff, err := policy.Compose(set)
	if err != nil {
		return nil, usagef("%v", err)
	}
	t := Target{Effective: eff, Label: strings.Join(files, ", ")}
	if product != "" {
		t.Context = policy.Context{Product: &policy.Product{Name: product}, Why: "the product policy given"}
	}
	return []Target{t}, nil
}

func (s *Sources) apiopsTargets() ([]Target, error) {
	svc, err := policy.ReadAPIOps(s.APIOps)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return s.serviceTargets(svc)
}

// serviceTargets routes the request in a service (from an APIOps folder or
// read live) and composes what the gateway runs for it.
func (s *Sources) serviceTargets(svc *policy.Service) ([]Target, error) {
	for k, v := range s.Values { // the command line's values win over the folder's
		if old, ok := svc.Values[k]; ok && old.Secret {
			v.Secret = true // still a secret when given by hand: never printed
		}
		svc.Values[k] = v
	}
	var api *policy.API
	var op *policy.Operation
	switch {
	case s.URL != "":
		method := s.Method
		if method == "" {
			method = "GET"
		}
		m, err := svc.Route(method, s.URL, s.Headers)
		if err != nil {
			return nil, err
		}
		api, op = m.API, m.Operation
	case s.API != "":
		if api = svc.FindAPI(s.API); api == nil {
			return nil, usagef("--api %s: the folder has no such API (it has: %s)", s.API, apiNames(svc))
		}
		if s.Operation != "" {
			if op = api.FindOperation(s.Operation); op == nil {
				return nil, usagef("--operation %s: API %s has no such operation (it has: %s)", s.Operation, api.Name, opNames(api))
			}
		}
	default:
		return nil, usagef("--apiops and --apim need --api NAME (and --operation) or --url URL to know which API's policy to evaluate; without a token it lints every API")
	}
	ctxs, err := svc.Contexts(api, s.Product, s.NoProduct, s.KeySent)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if s.KeyOwner != nil && s.KeySent && s.Product == "" && !s.NoProduct {
		if c, ok := svc.OwnerContext(api, s.KeyOwner); ok {
			ctxs = []policy.Context{c}
		}
	}
	var out []Target
	for _, c := range ctxs {
		eff, err := policy.Compose(svc.Set(api, op, c))
		if err != nil {
			return nil, usagef("%v", err)
		}
		out = append(out, Target{Effective: eff, Service: svc, API: api, Operation: op, Context: c, Complete: true, Label: targetLabel(api, op, c)})
	}
	return out, nil
}

func targetLabel(a *policy.API, op *policy.Operation, c policy.Context) string {
	l := "API " + a.Name
	if op != nil {
		l += ", operation " + op.Name + " (" + op.Method + " " + op.URLTemplate + ")"
	}
	if c.Product != nil {
		l += ", product " + c.Product.Name
	} else {
		l += ", no product"
	}
	return l
}

func apiNames(s *policy.Service) string {
	var n []string
	for _, a := range s.APIs {
		n = append(n, a.Name)
	}
	return strings.Join(n, ", ")
}

func opNames(a *policy.API) string {
	var n []string
	for _, o := range a.Operations {
		n = append(n, o.Name)
	}
	return strings.Join(n, ", ")
}

// NotFoundReport is the gateway's 404 for a URL that matches no API or no
// operation, as a report (verdict rejected, status 404).
func NotFoundReport(nf *policy.NotFoundError) *Report {
	f := finding.Finding{Code: finding.APINotFound, Severity: finding.SeverityError, Side: finding.SideClient, Primary: true,
		Message:  fmt.Sprintf("%s %s matches no API of the service: the gateway answers 404 before any policy runs", nf.Method, nf.Path),
		Expected: "a path under one of: " + strings.Join(nf.Existing, ", "), Actual: nf.Path,
		Fix: "use the API's path (with its version segment or ;rev=N) as the gateway serves it"}
	msg := "Resource not found"
	if nf.API != nil {
		f.Code = finding.OperationNotFound
		f.Message = fmt.Sprintf("%s %s reaches API %s, and none of its operations has that method and URL template: the gateway answers 404", nf.Method, nf.Path, nf.API.Name)
		f.Expected = "one of: " + strings.Join(nf.Existing, ", ")
		f.Fix = "use one of the operations' methods and paths, or add the operation to the API"
		msg = "Unable to match incoming request to an operation."
	}
	return &Report{Verdict: Rejected, Status: 404, Message: msg, Basis: "policy", Findings: []finding.Finding{f}, Checks: []Check{{Name: "route", Result: "fail", Detail: f.Message}}}
}

// AsNotFound says whether err is a routing miss.
func AsNotFound(err error) (*policy.NotFoundError, bool) {
	var nf *policy.NotFoundError
	ok := errors.As(err, &nf)
	return nf, ok
}
