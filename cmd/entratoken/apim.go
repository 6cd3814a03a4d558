package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/acquire"
	"github.com/entratoken/entratoken/armsource"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// APIMOptions are the flags that read the effective policy live over ARM
// (spec/cli.md, "The effective policy (live, over ARM)").
type APIMOptions struct {
	Service            string // --apim ID | NAME | auto
	ResourceGroup      string
	Subscription       string
	Endpoint, Audience string
	Credential         string
	CredentialTenant   string
	CredentialClientID string
	SaveEvidence       string
	ShowSecrets        bool

	live     *armsource.Evidence
	findings []finding.Finding
	client   *armsource.Client // what read live, for the key's subscription
	owner    *policy.KeyOwner  // the subscription of the key call sends, when found
}

func addAPIMFlags(cmd *cobra.Command, o *APIMOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Service, "apim", "", "read the effective policy live over ARM: the service's resource `ID`, NAME (with --resource-group), or auto (by the URL's host)")
	fl.StringVarP(&o.ResourceGroup, "resource-group", "g", "", "with --apim NAME: the service's resource group")
	fl.StringVar(&o.Subscription, "subscription", "", "with --apim NAME: the Azure subscription ID (default AZURE_SUBSCRIPTION_ID)")
	addEvidenceFlags(cmd, o)
	fl.StringVar(&o.SaveEvidence, "save-evidence", "", "write what was read over ARM to `DIR` in the APIOps layout (replay with --apiops DIR), and what was read over Graph to DIR/entra")
	if fl.Lookup("show-secrets") == nil { // call has its own, which also means this
		fl.BoolVar(&o.ShowSecrets, "show-secrets", false, "with --save-evidence: also write the values of secret named values")
	}
}

// addEvidenceFlags adds the flags that say who reads evidence over ARM, and
// where ARM is.
func addEvidenceFlags(cmd *cobra.Command, o *APIMOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Endpoint, "arm-endpoint", "", "Azure Resource Manager's URL (default ENTRATOKEN_ARM_ENDPOINT or https://management.azure.com)")
	fl.StringVar(&o.Audience, "arm-audience", "", "the audience of ARM tokens (default https://management.azure.com)")
	fl.StringVar(&o.Credential, "credential", "auto", "how to sign in to read evidence: auto (environment, managed identity, azd, az) or an acquire method")
	fl.StringVar(&o.CredentialTenant, "credential-tenant", "", "the tenant of the credential that reads evidence (default AZURE_TENANT_ID)")
	fl.StringVar(&o.CredentialClientID, "credential-client-id", "", "the client ID of the credential that reads evidence (default AZURE_CLIENT_ID)")
}

// validateAPIM checks the --apim flags against the others.
func (o *DiagnoseOptions) validateAPIM() error {
	a := &o.APIM
	switch {
	case a.Service == "" && (a.SaveEvidence != "" && !o.Entra.On || a.ResourceGroup != ""):
		return flagErrorf("--save-evidence and --resource-group need --apim SERVICE (--save-evidence also works with --entra)")
	case a.Service == "":
		return nil
	case o.APIOps != "" || len(o.Policies) > 0:
		return flagErrorf("flag '--apim' and flags '--apiops'/'--policy' are mutually exclusive: the live service is the policy source")
	case o.API != "" || o.Operation != "":
		return flagErrorf("with --apim, give the request's --url: the API and operation are found from it as the gateway does")
	case o.HasToken && o.URL == "":
		return flagErrorf("--apim needs --url URL to know which API's effective policy decides (without a token, --apim alone lints the service)")
	}
	return nil
}

// credential is the identity that reads evidence: --credential with
// --credential-tenant/--credential-client-id or the environment, never the
// flags that describe the token under test.
func (f *Factory) evidenceCredential(a *APIMOptions) *acquire.Credential {
	// What signs the evidence credential in is a secret of this run, as
	// acquire's own are: whatever prints an error passes it masked.
	f.addSecret(f.Getenv("AZURE_CLIENT_SECRET"))
	f.addSecret(f.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
	req := f.acquireRequest(&AcquireOptions{Method: a.Credential, ClientID: a.CredentialClientID})
	req.Tenant = cmp.Or(a.CredentialTenant, f.Getenv("AZURE_TENANT_ID"))
	if req.Method != acquire.Auto && req.Method != acquire.ManagedIdentity {
		req.ClientID = cmp.Or(req.ClientID, f.Getenv("AZURE_CLIENT_ID"))
		req.ClientSecret = f.Getenv("AZURE_CLIENT_SECRET")
		req.CertificatePath = f.Getenv("AZURE_CLIENT_CERTIFICATE_PATH")
		req.FederatedTokenFile = f.Getenv("AZURE_FEDERATED_TOKEN_FILE")
	}
	return &acquire.Credential{Request: req}
}

// credentialFlags renames acquire's flags in its messages to the ones that
// set the evidence credential.
var credentialFlags = strings.NewReplacer("--tenant (", "--credential-tenant (", "--client-id (", "--credential-client-id (")

// signIn gets the evidence credential's token for an audience first, so a
// credential that cannot is explained as acquire explains it (exit 3).
func signIn(ctx context.Context, cred *acquire.Credential, aud string) error {
	_, err := cred.GetToken(ctx, azpolicy.TokenRequestOptions{Scopes: []string{strings.TrimRight(aud, "/") + "/.default"}})
	var ae *acquire.Error
	if errors.As(err, &ae) { // name the evidence credential's flags, not the token's
		ae.Message = credentialFlags.Replace(ae.Message)
		ae.Fix = credentialFlags.Replace(ae.Fix)
	}
	return err
}

// liveFailure is a service whose evidence could not be had: no service
// has the host or the ID (notFound), the APIs could not be read, or no
// policy could. diagnose ends with exit 3; call sends the request anyway
// (unless notFound) and diagnoses with what it has.
type liveFailure struct {
	body     errorBody
	more     []finding.Finding
	notFound bool
}

// readLive reads the live evidence of the service --apim names for req: the
// evidence credential signs in first, then the service is resolved and
// read. The error is one that ends the command as it is (usage, sign-in);
// a service that could not be read is a liveFailure. On success the
// evidence is kept in a (and saved with --save-evidence).
func (f *Factory) readLive(ctx context.Context, a *APIMOptions, req armsource.Request) (*liveFailure, error) {
	cred := f.evidenceCredential(a)
	cl, err := armsource.New(armsource.Options{Endpoint: cmp.Or(a.Endpoint, f.Getenv("ENTRATOKEN_ARM_ENDPOINT")),
		Audience: a.Audience, Credential: cred, HTTP: f.HTTPClient(), Timeout: f.Globals.Timeout, Logf: f.verboseLogf()})
	if err != nil {
		return nil, flagErrorf("--arm-endpoint: %v", err)
	}
	if err := signIn(ctx, cred, cmp.Or(a.Audience, armsource.DefaultEndpoint)); err != nil {
		return nil, err
	}
	ref, err := cl.Resolve(ctx, a.Service, a.ResourceGroup, cmp.Or(a.Subscription, f.Getenv("AZURE_SUBSCRIPTION_ID")), req.URL)
	var nf *armsource.NotFoundError
	var amb *armsource.AmbiguousError
	var ue *armsource.UsageError
	var re *armsource.ReadError
	switch {
	case errors.As(err, &ue):
		return nil, flagErrorf("%s", ue.Msg)
	case errors.As(err, &amb):
		return nil, flagErrorf("--apim auto: %s", amb.Error())
	case errors.As(err, &nf):
		return &liveFailure{notFound: true, body: errorBody{Code: "APIM_NOT_FOUND", Finding: finding.EvidenceUnavailable, Message: nf.Error(),
			Fix: "name the service: --apim NAME -g RG (or its resource ID)"}}, nil
	case errors.As(err, &re):
		return &liveFailure{body: findingBody(re.Finding)}, nil
	case err != nil:
		return nil, err
	}
	ev, err := cl.Read(ctx, ref, req)
	switch {
	case errors.As(err, &ue):
		return nil, flagErrorf("%s", ue.Msg)
	case errors.As(err, &re):
		return &liveFailure{body: findingBody(re.Finding), notFound: re.NotFound}, nil
	case err != nil:
		return nil, err
	}
	if ev.NoPolicy() {
		return &liveFailure{body: errorBody{Code: finding.EvidenceUnavailable, Finding: finding.EvidenceUnavailable,
			Message: "no policy of " + ref.ID() + " could be read: the diagnosis has nothing to stand on", Fix: "see the findings; or diagnose from saved evidence (--apiops DIR)"}, more: ev.Findings}, nil
	}
	for _, v := range ev.Service.Values {
		if v.Secret && v.HasValue {
			f.addSecret(v.Value)
		}
	}
	a.live, a.findings, a.client = ev, ev.Findings, cl
	if a.SaveEvidence != "" {
		if err := ev.Save(a.SaveEvidence, a.ShowSecrets); err != nil {
			return nil, flagErrorf("%v", err)
		}
	}
	return nil, nil
}

// readAPIM reads the live evidence before the diagnosis. done says the
// command's output is already written (a lint of the service, or exit 3
// because no policy could be read).
func (f *Factory) readAPIM(ctx context.Context, o *DiagnoseOptions, raw string) (bool, error) {
	fail, err := f.readLive(ctx, &o.APIM, armsource.Request{Method: o.Method, URL: o.URL, Headers: headerMap(o.Headers), All: o.URL == ""})
	switch {
	case err != nil:
		return true, err
	case fail != nil:
		return true, f.noEvidence(ctx, o, raw, fail.body, fail.more)
	}
	ev := o.APIM.live
	if raw == "" && o.URL == "" { // lint the live service, as --apiops does
		rep, err := diagnose.LintService(ev.Service)
		if err != nil {
			return true, flagErrorf("%v", err)
		}
		rep.Findings = append(rep.Findings, ev.Findings...)
		o.maskSecrets(rep)
		return true, f.writeDiagnosis(rep, o, fmt.Sprintf("API Management service %s (%d APIs, %d products)", ev.Ref.ID(), len(ev.Service.APIs), len(ev.Service.Products)))
	}
	return false, nil
}

// liveService is the service read over ARM, for diagnose.Sources.
func (o *DiagnoseOptions) liveService() *policy.Service {
	if o.APIM.live == nil {
		return nil
	}
	return o.APIM.live.Service
}

// addEvidence adds the findings of what could not be read, and makes an
// accepted verdict unknown when a policy that could decide was not read.
func (o *DiagnoseOptions) addEvidence(rep *diagnose.Report) {
	ev := o.APIM.live
	if ev == nil {
		return
	}
	rep.Findings = append(rep.Findings, o.APIM.findings...)
	defer o.maskSecrets(rep)
	if ev.PolicyFailures > 0 && rep.Verdict == diagnose.Accepted {
		rep.Verdict, rep.Status, rep.Message = diagnose.Unknown, 0, ""
		rep.Findings = append(rep.Findings, finding.Finding{Code: finding.EvidenceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
			Message: fmt.Sprintf("%d policy scope(s) could not be read: the policies that were read accept the request, and one that was not could refuse it", ev.PolicyFailures),
			Fix:     "grant the read the findings name, then diagnose again"})
	}
}

// noEvidence ends the command with exit 3 when no policy could be read:
// the error, plus what the token alone says.
func (f *Factory) noEvidence(ctx context.Context, o *DiagnoseOptions, raw string, body errorBody, more []finding.Finding) error {
	rep := &diagnose.Report{Findings: []finding.Finding{}, Checks: []diagnose.Check{}}
	if raw != "" {
		r, err := diagnose.Run(ctx, diagnose.Input{Token: raw, Resolver: f.Resolver(), Authority: f.authority,
			Keys: diagnose.KeySource{JWKS: o.JWKS, OpenIDConfig: o.OpenIDConfig}})
		if err == nil {
			rep = r
		}
	}
	rep.Findings = append(rep.Findings, more...)
	body.Message, body.Fix = f.redact(body.Message), f.redact(body.Fix)
	if f.Globals.Output == "json" {
		_ = writeJSON(f.IO.Out, struct {
			Error    errorBody         `json:"error"`
			Verdict  string            `json:"verdict,omitempty"`
			Findings []finding.Finding `json:"findings"`
			Checks   []diagnose.Check  `json:"checks"`
		}{body, rep.Verdict, rep.Findings, rep.Checks})
	} else {
		if raw != "" || len(more) > 0 {
			rep.WriteText(f.IO.Out, f.IO.Palette(), "token-only checks: the live policy could not be read")
		}
		writeErrorText(f, body)
	}
	return &silentError{code: exitNoToken}
}

func findingBody(fd finding.Finding) errorBody {
	return errorBody{Code: fd.Code, Finding: fd.Code, Message: fd.Message, Fix: fd.Fix, Expected: fd.Expected, Actual: fd.Actual}
}

func headerMap(hs []string) map[string]string {
	m := map[string]string{}
	for _, h := range hs {
		k, v, _ := strings.Cut(h, ":")
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return m
}

func (f *Factory) verboseLogf() func(string, ...any) {
	if f.Globals.Verbose {
		return f.logf
	}
	return nil
}
