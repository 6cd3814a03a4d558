package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
)

// addCallSourceFlags gives call the sources of the effective policy that
// diagnose takes, under call's names: --diagnose-policy is diagnose's
// --policy; the URL, the method and the key context are the call's own.
func addCallSourceFlags(cmd *cobra.Command, s *DiagnoseOptions) {
	fl := cmd.Flags()
	fl.StringArrayVar(&s.Policies, "diagnose-policy", nil, "on 401/403, diagnose the token against this APIM policy `[SCOPE=]FILE` (global, product, api, operation; repeatable)")
	fl.StringArrayVar(&s.NamedValues, "named-value", nil, "value of a {{named value}} in the policy: name=value (repeatable)")
	fl.StringVar(&s.NamedValuesFile, "named-values", "", "named values from a JSON object `FILE`")
	fl.StringArrayVar(&s.Fragments, "fragment", nil, "policy fragment for <include-fragment>: `ID=FILE` (repeatable)")
	fl.StringVar(&s.APIOps, "apiops", "", "on 401/403, diagnose against the effective policy from this APIOps `DIR`, routed by the call's URL and method")
	fl.StringVar(&s.Product, "product", "", "the product whose key is sent (its policy runs); default: every product the key could belong to")
	fl.BoolVar(&s.NoProduct, "no-product", false, "the key is scoped to the API, to all APIs, or is the all-access key: no product policy runs")
}

// prepareCallDiagnosis reads and checks the policy a refusal would be
// diagnosed against, in the call's context (its URL, method and key), and
// refuses now what could not be evaluated later: an unreadable or invalid
// policy, a named value or fragment that decides and was not given.
func (f *Factory) prepareCallDiagnosis(ctx context.Context, o *CallOptions, r call.Request) error {
	s := &o.Sources
	if err := s.validateCallAPIM(); err != nil {
		return err
	}
	if s.APIM.Service != "" {
		return f.prepareLive(ctx, o, r)
	}
	if len(s.Policies) == 0 && s.APIOps == "" {
		return nil
	}
	s.SubscriptionKey = r.SubscriptionKey != ""
	if s.APIOps != "" {
		s.URL, s.Method = r.URL, callMethod(r)
	}
	if err := s.validateSources(); err != nil {
		return err
	}
	return f.callTargets(o)
}

// callTargets composes the effective policies a refusal would be
// diagnosed against and refuses now what could not be evaluated later (a
// named value or fragment that decides and was not given).
func (f *Factory) callTargets(o *CallOptions) error {
	targets, nf, err := o.Sources.targets(f, true)
	if err != nil || nf != nil {
		// A route miss: the gateway will answer 404, nothing to diagnose a
		// refusal with, and the call is still worth sending to see that answer.
		return err
	}
	for _, t := range targets {
		if err := diagnose.Needed(t); err != nil {
			return err
		}
	}
	o.targets = targets
	return nil
}
