package main

import (
	"github.com/spf13/cobra"
)

// addFederatedFlags adds diagnose --federated-token FILE --entra: the
// workload identity pre-flight as a diagnosis.
func addFederatedFlags(cmd *cobra.Command, o *DiagnoseOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Federated.TokenFile, "federated-token", "", "with --entra: check this federated token `FILE` (GitHub Actions, AKS, any OIDC issuer) against the federated credentials of --client-id")
	fl.StringVar(&o.Federated.ClientID, "client-id", "", "with --federated-token: the workload identity's client ID (default AZURE_CLIENT_ID): an app registration or a user-assigned identity")
	fl.StringVar(&o.Federated.MIResourceID, "mi-resource-id", "", "with --federated-token: the user-assigned identity's resource `ID` (default: found by its client ID with Azure Resource Graph)")
}

// diagnoseFederated runs the pre-flight for diagnose --federated-token.
func (f *Factory) diagnoseFederated(cmd *cobra.Command, o *DiagnoseOptions) error {
	switch {
	case !o.Entra.On:
		return flagErrorf("--federated-token is checked against the identity's federated credentials, read live: add --entra")
	case o.HasToken || len(o.Policies) > 0 || o.APIOps != "" || o.APIM.Service != "" || o.ResponseFile != "":
		return flagErrorf("--federated-token is diagnosed alone: the federated token is what the workload presents to Entra, not a token for APIM; drop the access token, --policy, --apiops, --apim and --response")
	case f.Globals.Offline:
		return flagErrorf("--offline: --federated-token --entra reads the identity's federated credentials over ARM or Graph")
	}
	p := o.Federated
	if p.ClientID == "" && p.MIResourceID == "" {
		p.ClientID = f.Getenv("AZURE_CLIENT_ID")
	}
	p.Evidence, p.Graph = o.APIM, o.Entra
	f.markRan()
	return f.runPreflight(cmd.Context(), &p)
}
