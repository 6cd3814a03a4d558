package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/acquire"
	"github.com/entratoken/entratoken/armsource"
	"github.com/entratoken/entratoken/federation"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// PreflightOptions describe the workload identity pre-flight (spec/cli.md,
// "The Entra registrations"): the federated token, the identity it stands
// for, and who reads that identity's federated credentials.
type PreflightOptions struct {
	TokenFile    string // --federated-token-file / --federated-token / AZURE_FEDERATED_TOKEN_FILE
	ClientID     string // the workload identity: --client-id / AZURE_CLIENT_ID
	MIResourceID string // a user-assigned identity named directly
	Evidence     APIMOptions
	Graph        EntraOptions // --graph-endpoint, --graph-audience
}

// appFederation reads an app registration's federated identity credentials
// over Microsoft Graph. Application returns nil, nil, nil when the tenant
// has no application with that client ID; a read that fails returns an
// error with a Finding (EVIDENCE_FORBIDDEN naming the permission).
type appFederation interface {
	Application(ctx context.Context, clientID string) (*federation.Identity, []federation.Credential, error)
}

// findingError is a read that failed with a finding (armsource.ReadError
// and the Graph client's errors).
type findingError interface{ Finding() finding.Finding }

// addPreflightFlags adds acquire --preflight's own flags (the identity's
// flags are acquire's: --client-id, --mi-resource-id, --federated-token-file).
func addPreflightFlags(cmd *cobra.Command, on *bool, p *PreflightOptions) {
	cmd.Flags().BoolVar(on, "preflight", false, "workload-identity: check the federated token against the identity's federated credentials (read with --credential) and ask Entra for nothing")
	addEvidenceFlags(cmd, &p.Evidence)
	addGraphFlags(cmd, &p.Graph)
}

// preflight runs acquire --preflight.
func (f *Factory) acquirePreflight(ctx context.Context, o *AcquireOptions) error {
	p := &o.PreflightOpts
	p.TokenFile, p.ClientID, p.MIResourceID = o.FederatedToken, o.ClientID, o.MIResourceID
	return f.runPreflight(ctx, p)
}

// preflightDoc is the JSON answer of acquire --preflight and diagnose
// --federated-token (docs/reference.md, "Workload identity pre-flight").
type preflightDoc struct {
	Verdict        string               `json:"verdict"` // accepted, rejected, unknown
	Message        string               `json:"message"`
	FederatedToken tokenView            `json:"federated_token"`
	Identity       federation.Identity  `json:"identity"`
	Source         string               `json:"source"` // where the credentials were read
	Credentials    []federation.Outcome `json:"credentials"`
	Matched        string               `json:"matched,omitempty"`
	Nearest        string               `json:"nearest,omitempty"`
	Findings       []finding.Finding    `json:"findings"`
	Checks         []preflightCheck     `json:"checks"`
	result         federation.Result
}

type tokenView struct {
	Issuer      string   `json:"iss"`
	Subject     string   `json:"sub"`
	Audiences   []string `json:"aud"`
	IssuedAt    string   `json:"iat,omitempty"`
	Expires     string   `json:"exp,omitempty"`
	Fingerprint string   `json:"fingerprint"`
	Signature   string   `json:"signature"`
	Describes   string   `json:"describes,omitempty"` // a GitHub subject in words
}

type preflightCheck struct {
	Name   string `json:"name"`
	Result string `json:"result"` // pass, fail, skip
	Detail string `json:"detail"`
}

const signatureNote = "not verified here: Entra verifies it with the issuer's published keys when the token is exchanged"

// runPreflight reads the federated token and the identity's credentials
// and compares them. Exit 0 on a match, 1 when none matches (or only an
// unevaluated flexible credential might), 2 for an unreadable token, 3
// when the credentials cannot be read.
func (f *Factory) runPreflight(ctx context.Context, p *PreflightOptions) error {
	tok, err := readFederatedToken(p.TokenFile)
	if err != nil {
		return err
	}
	f.addSecret(tok.Raw)
	if p.ClientID == "" && p.MIResourceID == "" {
		return flagErrorf("say which identity the workload federates as: --client-id (or AZURE_CLIENT_ID), or --mi-resource-id for a user-assigned identity")
	}
	cred, err := f.preflightCredential(&p.Evidence, p.ClientID)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.Globals.Timeout)
	defer cancel()
	id, creds, source, err := f.federatedCredentials(ctx, p, cred)
	if err != nil {
		var fe findingError
		var re *armsource.ReadError
		switch {
		case errors.As(err, &re):
			return f.preflightUnreadable(findingBody(re.Finding))
		case errors.As(err, &fe):
			return f.preflightUnreadable(findingBody(fe.Finding()))
		}
		return err
	}
	doc := buildPreflight(tok, id, creds, source, time.Now())
	if err := f.writePreflight(doc); err != nil {
		return err
	}
	if doc.Verdict == "accepted" {
		return nil
	}
	return errFailed
}

// readFederatedToken reads and decodes the federated token file: a usage
// error (exit 2) when it cannot be read or is no JWT with iss, sub, aud.
func readFederatedToken(path string) (*federation.Token, error) {
	if path == "" {
		return nil, flagErrorf("no federated token: --federated-token-file FILE (or AZURE_FEDERATED_TOKEN_FILE)")
	}
	b, err := iostreams.ReadFile(path, federation.MaxTokenSize+1)
	if err != nil {
		return nil, flagErrorf("federated token file %s: %v", path, err)
	}
	tok, err := federation.Decode(string(b))
	if err != nil {
		return nil, flagErrorf("federated token file %s: %v", path, err)
	}
	return tok, nil
}

// preflightCredential is the evidence credential, never the workload
// identity itself: its federated token is hidden from auto, and a
// credential that would be the workload's own client is refused.
func (f *Factory) preflightCredential(a *APIMOptions, workload string) (*acquire.Credential, error) {
	if acquire.Method(a.Credential) == acquire.WorkloadIdentity {
		return nil, flagErrorf("--credential workload-identity: the pre-flight never signs in with the federated token it checks; read the credentials with your own sign-in (az login, azd auth login) or another identity (--credential client-secret --credential-client-id ID)")
	}
	cred := f.evidenceCredential(a)
	req := &cred.Request
	req.FederatedTokenFile = ""
	getenv := f.Getenv
	req.Getenv = func(name string) string {
		switch name {
		case "AZURE_FEDERATED_TOKEN_FILE":
			return ""
		case "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH":
			if workload != "" && strings.EqualFold(getenv("AZURE_CLIENT_ID"), workload) {
				return "" // the workload's own environment
			}
		}
		return getenv(name)
	}
	if self := cmp.Or(req.ClientID, req.MIClientID); workload != "" && strings.EqualFold(self, workload) {
		return nil, flagErrorf("--credential %s would sign in as the workload identity itself (client %s): name another identity with --credential-client-id, or use your own sign-in (--credential azure-cli or azd)", a.Credential, workload)
	}
	return cred, nil
}

// federatedCredentials finds the identity (a user-assigned identity over
// ARM, else an application over Graph) and reads its credentials.
func (f *Factory) federatedCredentials(ctx context.Context, p *PreflightOptions, cred *acquire.Credential) (federation.Identity, []federation.Credential, string, error) {
	a := &p.Evidence
	var none federation.Identity
	cl, err := armsource.New(armsource.Options{Endpoint: cmp.Or(a.Endpoint, f.Getenv("ENTRATOKEN_ARM_ENDPOINT")),
		Audience: a.Audience, Credential: cred, HTTP: f.HTTPClient(), Timeout: f.Globals.Timeout, Logf: f.verboseLogf()})
	if err != nil {
		return none, nil, "", flagErrorf("--arm-endpoint: %v", err)
	}
	if err := signIn(ctx, cred, cmp.Or(a.Audience, armsource.DefaultEndpoint)); err != nil {
		return none, nil, "", err
	}
	var uami *federation.Identity
	if p.MIResourceID != "" {
		ref, err := armsource.ParseIdentityID(p.MIResourceID)
		if err != nil {
			return none, nil, "", flagErrorf("--mi-resource-id: %v", err)
		}
		got, err := cl.Identity(ctx, ref)
		if err != nil {
			return none, nil, "", err
		}
		if p.ClientID != "" && !strings.EqualFold(got.ClientID, p.ClientID) {
			return none, nil, "", flagErrorf("--mi-resource-id %s has the client ID %s, not --client-id %s: the token exchange would be for another identity", ref.ResourceID, got.ClientID, p.ClientID)
		}
		uami = &got
	} else {
		var ue *armsource.UsageError
		uami, err = cl.FindIdentity(ctx, p.ClientID)
		if errors.As(err, &ue) {
			return none, nil, "", flagErrorf("--client-id: %s", ue.Msg)
		} else if err != nil {
			return none, nil, "", err
		}
	}
	if uami != nil {
		creds, err := cl.FederatedCredentials(ctx, *uami)
		return *uami, creds, "ARM " + uami.ResourceID + "/federatedIdentityCredentials", err
	}
	g, err := f.newAppFederation(ctx, &p.Graph, cred)
	if err != nil {
		return none, nil, "", err
	}
	app, creds, err := g.Application(ctx, p.ClientID)
	if err != nil {
		return none, nil, "", err
	}
	if app == nil {
		return none, nil, "", &armsource.ReadError{Finding: finding.Finding{Code: finding.EvidenceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
			Message: fmt.Sprintf("the client ID %s is neither an application of the tenant (Microsoft Graph) nor a user-assigned identity the credential can read (Azure Resource Graph)", p.ClientID),
			Fix:     "check --client-id (AZURE_CLIENT_ID) and --credential-tenant; for a user-assigned identity, read as someone with Reader on it, or name it with --mi-resource-id"}}
	}
	return *app, creds, "Microsoft Graph /applications/" + app.ObjectID + "/federatedIdentityCredentials", nil
}

// preflightUnreadable ends with exit 3: the credentials could not be read.
func (f *Factory) preflightUnreadable(body errorBody) error {
	body.Message, body.Fix = f.redact(body.Message), f.redact(body.Fix)
	if f.Globals.Output == "json" {
		_ = writeJSON(f.IO.Out, errorDoc{Error: body})
	} else {
		writeErrorText(f, body)
	}
	return &silentError{code: exitNoToken}
}
