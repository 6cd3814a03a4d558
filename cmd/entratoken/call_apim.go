package main

import (
	"context"

	"github.com/entratoken/entratoken/armsource"
	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
)

// validateCallAPIM checks call's --apim flags against the other sources.
func (s *DiagnoseOptions) validateCallAPIM() error {
	a := &s.APIM
	switch {
	case a.Service == "" && (a.SaveEvidence != "" || a.ResourceGroup != ""):
		return flagErrorf("--save-evidence and --resource-group need --apim SERVICE")
	case a.Service != "" && (s.APIOps != "" || len(s.Policies) > 0):
		return flagErrorf("flag '--apim' and flags '--apiops'/'--diagnose-policy' are mutually exclusive: the live service is the policy source")
	}
	return nil
}

// prepareLive reads the live evidence of call --apim before anything is
// sent, with the evidence credential (never the token under test): the
// service, the route of the call's URL, the policies; and, with a key and
// the right to list secrets, which subscription the key sent belongs to.
// A usage error, a credential that cannot sign in and a service that does
// not exist stop the call; evidence that cannot be read only becomes
// findings, and the call is diagnosed with what it has.
func (f *Factory) prepareLive(ctx context.Context, o *CallOptions, r call.Request) error {
	s := &o.Sources
	a := &s.APIM
	a.ShowSecrets = o.ShowSecrets
	s.URL, s.Method = r.URL, callMethod(r)
	s.SubscriptionKey = r.SubscriptionKey != ""
	headers := map[string]string{}
	for _, h := range r.Headers {
		headers[h.Name] = h.Value
	}
	fail, err := f.readLive(ctx, a, armsource.Request{Method: s.Method, URL: s.URL, Headers: headers})
	switch {
	case err != nil:
		return err
	case fail != nil && fail.notFound:
		writeFailure(f, fail.body)
		return &silentError{code: exitNoToken}
	case fail != nil:
		o.liveFail = fail
		return nil
	}
	if r.SubscriptionKey != "" && s.Product == "" && !s.NoProduct {
		if m, err := a.live.Service.Route(s.Method, s.URL, headers); err == nil {
			owner, fs := a.client.KeyOwner(ctx, a.live.Ref, r.SubscriptionKey, m.API)
			a.owner = owner
			a.findings = append(a.findings, fs...)
		}
	}
	return f.callTargets(o)
}

// liveDiagnosis adds to a diagnosis what the live read left open: the
// findings of what could not be read and, when no policy could be read at
// all, why the diagnosis rests on the gateway's answer and the token alone.
func (o *CallOptions) liveDiagnosis(rep *diagnose.Report, src string) string {
	if fail := o.liveFail; fail != nil {
		rep.Findings = append(rep.Findings, fail.more...)
		rep.Findings = append(rep.Findings, finding.Finding{Code: fail.body.Finding, Severity: finding.SeverityWarning, Side: finding.SideClient,
			Message: fail.body.Message, Expected: fail.body.Expected, Actual: fail.body.Actual, Fix: fail.body.Fix})
		return "the gateway's answer and the token alone: the live policy of --apim could not be read (see " + fail.body.Finding + " below)"
	}
	o.Sources.addEvidence(rep)
	if len(o.targets) == 1 && o.targets[0].Context.Subscription != "" {
		src += " (" + o.targets[0].Context.Why + ")" // the product came from the key
	}
	return src
}

// writeFailure writes an error body in the form asked for.
func writeFailure(f *Factory, b errorBody) {
	b.Message, b.Fix = f.redact(b.Message), f.redact(b.Fix)
	if f.Globals.Output == "json" {
		_ = writeJSON(f.IO.Out, errorDoc{Error: b})
		return
	}
	writeErrorText(f, b)
}

func callMethod(r call.Request) string {
	switch {
	case r.Method != "":
		return r.Method
	case r.Body != nil:
		return "POST"
	}
	return "GET"
}
