package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
)

// addCallEntraFlags gives call diagnose's --entra, with the evidence
// credential's flags (shared with --apim, where both are given).
func addCallEntraFlags(cmd *cobra.Command, o *CallOptions) {
	addEntraFlags(cmd, &o.Entra)
	fl := cmd.Flags()
	a := &o.Sources.APIM
	if fl.Lookup("credential") == nil { // --apim defines them too
		fl.StringVar(&a.Credential, "credential", "auto", "how to sign in to read evidence: auto (environment, managed identity, azd, az) or an acquire method")
		fl.StringVar(&a.CredentialTenant, "credential-tenant", "", "the tenant of the credential that reads evidence (default AZURE_TENANT_ID)")
		fl.StringVar(&a.CredentialClientID, "credential-client-id", "", "the client ID of the credential that reads evidence (default AZURE_CLIENT_ID)")
	}
}

// callEntra adds the Entra evidence to the diagnosis of a refusal: Graph
// is read only after a 401/403, so a call that passes costs nothing.
func (f *Factory) callEntra(ctx context.Context, o *CallOptions, r call.Request, rep *diagnose.Report) {
	if !o.Entra.On || rep == nil || r.Token == "" {
		return
	}
	var pol *diagnose.Policy
	if len(o.targets) > 0 {
		pol = o.targets[0].Effective.Document()
	}
	if err := f.addEntra(ctx, &o.Entra, &o.Sources.APIM, entraInput{raw: r.Token, pol: pol}, rep); err != nil {
		rep.Checks = append(rep.Checks, diagnose.Check{Name: "entra", Result: "skip", Detail: "not checked: " + f.redact(err.Error())})
	}
}
