package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/acquire"
	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/token"
)

// AcquireOptions holds what the acquire command needs. The acquisition
// flags are shared with call (addAcquireFlags), so both get tokens one way.
type AcquireOptions struct {
	Method           string
	ClientID         string
	Scopes           []string
	Resource         string
	ClientSecret     string // from --client-secret (warned), --client-secret-file, or AZURE_CLIENT_SECRET
	ClientSecretFile string
	Certificate      string
	SendCertChain    bool
	FederatedToken   string
	MIResourceID     string
	MIObjectID       string
	NoScopeFix       bool
	Decode           bool
	Preflight        bool // workload-identity: check the federated credentials, ask Entra for nothing
	PreflightOpts    PreflightOptions
	secretFromFlag   bool
	placeholderOnly  bool // call --curl shows the token as $TOKEN: nothing is acquired, --offline is no obstacle
}

func newAcquireCmd(f *Factory, runF func(context.Context, *AcquireOptions) error) *cobra.Command {
	o := &AcquireOptions{}
	cmd := &cobra.Command{
		Use:   "acquire --resource R | --scope S [--method M]",
		Short: "Get an access token the way your caller does",
		Long: `Get an access token from Microsoft Entra ID by the route your caller uses, and print it
alone on stdout (so TOKEN=$(entratoken acquire ...) works), with a summary on stderr.

Methods (--method): client-secret, client-certificate (PEM or PFX), managed-identity (App
Service and Functions through IDENTITY_ENDPOINT, VMs through IMDS), workload-identity
(AZURE_FEDERATED_TOKEN_FILE, as GitHub Actions and AKS use), azd, azure-cli, and auto
(the default), which tries the environment's app credential, managed identity, azd and az
in that order and says why each was not used.

Scopes: --resource R asks for R/.default. App-only methods (secret, certificate, managed
identity, workload identity) can only ask for <resource>/.default: the token then carries
the app roles assigned to the client. A named scope is refused before anything is sent
(SCOPE_NOT_DEFAULT, exit 2) unless --no-scope-fix. Delegated routes (azd, az) may ask for a
named scope (api://x/Orders.Read) to get just that permission, or <resource>/.default for
every permission the client was granted.

Secrets come from AZURE_CLIENT_SECRET or --client-secret-file (PATH, or - for stdin);
--client-secret works but is visible to other users in the process list. No secret is
ever printed. On GitHub Actions the token is masked (::add-mask::) before it is printed.

--preflight (workload-identity) asks Entra for nothing: it reads the federated credentials of
the identity (--client-id: a user-assigned identity over ARM, found with Resource Graph or named
by --mi-resource-id; an app registration over Graph) with --credential (default auto: your az
or azd sign-in, never the workload's own federated token) and compares the federated token's
iss, sub and aud with each. Exit 0 when one matches, 1 when none does (the nearest named, with
the differing field and the fix), 3 when they cannot be read.

Failures exit 3 with Entra's own code and message, the trace and correlation IDs, and the
fix (see entratoken explain AADSTS<code>).`,
		Example: `  entratoken acquire --method client-secret --tenant contoso.onmicrosoft.com --client-id $APP_ID --resource api://contoso-orders
  TOKEN=$(entratoken acquire --method managed-identity --resource api://contoso-orders)
  entratoken acquire --method azd --scope api://contoso-orders/Orders.Read --decode
  entratoken acquire --resource api://contoso-orders -o json
  entratoken acquire --method workload-identity --client-id $AZURE_CLIENT_ID --federated-token-file token.jwt --preflight`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.complete(f); err != nil {
				return err
			}
			f.markRan()
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			if o.Preflight {
				return f.acquirePreflight(cmd.Context(), o)
			}
			return runAcquire(cmd.Context(), f, o)
		},
	}
	addAcquireFlags(cmd, o)
	cmd.Flags().BoolVar(&o.Decode, "decode", false, "also print the inspect view of the token on stderr")
	addPreflightFlags(cmd, &o.Preflight, &o.PreflightOpts)
	return cmd
}

// addAcquireFlags adds the flags that say how to get a token.
func addAcquireFlags(cmd *cobra.Command, o *AcquireOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Method, "method", "auto", "client-secret, client-certificate, managed-identity, workload-identity, azd, azure-cli or auto")
	fl.StringVar(&o.ClientID, "client-id", "", "the app's client ID (env AZURE_CLIENT_ID); with managed-identity, a user-assigned identity's client ID")
	fl.StringArrayVar(&o.Scopes, "scope", nil, "scope to request (repeatable), e.g. api://contoso-orders/.default")
	fl.StringVar(&o.Resource, "resource", "", "resource (App ID URI or client ID) to request R/.default for")
	fl.StringVar(&o.ClientSecret, "client-secret", "", "client secret (visible in the process list: prefer AZURE_CLIENT_SECRET or --client-secret-file)")
	fl.StringVar(&o.ClientSecretFile, "client-secret-file", "", "read the client secret from `PATH`, or - for stdin")
	fl.StringVar(&o.Certificate, "certificate", "", "PEM or PFX `FILE` with certificate and key (env AZURE_CLIENT_CERTIFICATE_PATH; PFX password in AZURE_CLIENT_CERTIFICATE_PASSWORD)")
	fl.BoolVar(&o.SendCertChain, "send-certificate-chain", false, "send the certificate chain (x5c), for subject name/issuer authentication")
	fl.StringVar(&o.FederatedToken, "federated-token-file", "", "workload identity: `FILE` holding the federated token (env AZURE_FEDERATED_TOKEN_FILE)")
	fl.StringVar(&o.MIResourceID, "mi-resource-id", "", "managed identity: a user-assigned identity's resource ID")
	fl.StringVar(&o.MIObjectID, "mi-object-id", "", "managed identity: a user-assigned identity's object (principal) ID")
	fl.BoolVar(&o.NoScopeFix, "no-scope-fix", false, "send a named scope to an app-only method anyway (to see Entra's own refusal)")
	_ = cmd.RegisterFlagCompletionFunc("method", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var names []string
		for _, m := range acquire.Methods {
			names = append(names, string(m))
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// complete validates the flags and fills what the environment gives.
func (o *AcquireOptions) complete(f *Factory) error {
	if f.Globals.Offline && !o.placeholderOnly {
		return flagErrorf("--offline: getting a token needs Entra (or the identity endpoint); pass a token you already have with --token, or drop --offline")
	}
	known := false
	for _, m := range acquire.Methods {
		known = known || string(m) == o.Method
	}
	if !known {
		return flagErrorf("--method must be one of %s, not %q", methodList(), o.Method)
	}
	if o.Resource != "" {
		o.Scopes = append(o.Scopes, acquire.ScopeFor(o.Resource))
	}
	if o.Preflight && acquire.Method(o.Method) != acquire.WorkloadIdentity {
		return flagErrorf("--preflight checks a workload identity federation: use it with --method workload-identity")
	}
	if len(o.Scopes) == 0 && !o.Preflight {
		return flagErrorf("say what the token is for: --resource api://your-api (or --scope api://your-api/.default)")
	}
	mi := acquire.Method(o.Method) == acquire.ManagedIdentity
	if n := countSet(o.ClientID != "" && mi, o.MIResourceID != "", o.MIObjectID != ""); n > 1 {
		return flagErrorf("flag '--client-id', flag '--mi-resource-id' and flag '--mi-object-id' are mutually exclusive")
	}
	if o.ClientSecret != "" && o.ClientSecretFile != "" {
		return flagErrorf("flag '--client-secret' and flag '--client-secret-file' are mutually exclusive")
	}
	if o.ClientSecret != "" {
		o.secretFromFlag = true
	}
	if o.ClientSecretFile != "" {
		s, err := readSecretFile("--client-secret-file", o.ClientSecretFile, f.IO.In)
		if err != nil {
			return err
		}
		o.ClientSecret = s
	}
	if !mi && o.ClientID == "" {
		o.ClientID = f.Getenv("AZURE_CLIENT_ID")
	}
	if o.ClientSecret == "" && acquire.Method(o.Method) == acquire.ClientSecret {
		o.ClientSecret = f.Getenv("AZURE_CLIENT_SECRET")
	}
	if o.Certificate == "" && acquire.Method(o.Method) == acquire.ClientCertificate {
		o.Certificate = f.Getenv("AZURE_CLIENT_CERTIFICATE_PATH")
	}
	if o.FederatedToken == "" && acquire.Method(o.Method) == acquire.WorkloadIdentity {
		o.FederatedToken = f.Getenv("AZURE_FEDERATED_TOKEN_FILE")
	}
	f.addSecret(o.ClientSecret)
	f.addSecret(f.Getenv("AZURE_CLIENT_SECRET"))
	f.addSecret(f.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
	return nil
}

func methodList() string {
	var s []string
	for _, m := range acquire.Methods {
		s = append(s, string(m))
	}
	return strings.Join(s, ", ")
}

func countSet(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// readSecretFile reads a secret from the file flag names (or stdin for -).
func readSecretFile(flag, path string, stdin io.Reader) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = iostreams.ReadAll(stdin, 64<<10)
	} else {
		b, err = iostreams.ReadFile(path, 64<<10)
	}
	if err != nil {
		return "", flagErrorf("%s %s: %v", flag, path, err)
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", flagErrorf("%s %s is empty", flag, path)
	}
	return s, nil
}

// acquireRequest builds the request the flags and environment describe.
func (f *Factory) acquireRequest(o *AcquireOptions) acquire.Request {
	req := acquire.Request{
		Method: acquire.Method(o.Method), Tenant: f.Globals.Tenant, ClientID: o.ClientID, Scopes: o.Scopes,
		ClientSecret: o.ClientSecret, CertificatePath: o.Certificate,
		CertificatePassword: f.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"), SendCertificateChain: o.SendCertChain,
		FederatedTokenFile: o.FederatedToken, MIResourceID: o.MIResourceID, MIObjectID: o.MIObjectID,
		NoScopeFix: o.NoScopeFix, Authority: f.authority, HTTP: f.HTTPClient(), Getenv: f.Getenv,
	}
	if req.Method == acquire.ManagedIdentity {
		req.MIClientID, req.ClientID = o.ClientID, ""
	}
	if v := f.Getenv("ENTRATOKEN_IMDS_ENDPOINT"); v != "" {
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			req.IMDSEndpoint = u
		}
	}
	if f.Globals.Verbose {
		req.Logf = f.logf
	}
	return req
}

func runAcquire(ctx context.Context, f *Factory, o *AcquireOptions) error {
	if o.secretFromFlag {
		fmt.Fprintln(f.IO.ErrOut, "entratoken: warning: --client-secret is visible to other users in the process list; prefer AZURE_CLIENT_SECRET or --client-secret-file")
	}
	ctx, cancel := context.WithTimeout(ctx, f.Globals.Timeout)
	defer cancel()
	res, err := acquire.Acquire(ctx, f.acquireRequest(o))
	if err != nil {
		return err
	}
	f.addSecret(res.Token)
	if f.Getenv("GITHUB_ACTIONS") == "true" {
		// The runner reads workflow commands on stderr too, so stdout stays the
		// token alone for TOKEN=$(entratoken acquire ...).
		fmt.Fprintf(f.IO.ErrOut, "::add-mask::%s\n", res.Token)
	}
	t, _ := token.Decode(res.Token) // nil for an opaque token
	tenant, client := whoFor(res, t)
	if f.Globals.Output == "json" {
		err = writeJSON(f.IO.Out, acquireJSON{AccessToken: res.Token, TokenType: "Bearer",
			ExpiresOn: res.ExpiresOn.Format(time.RFC3339), Scopes: res.Scopes, Method: string(res.Method),
			TenantID: tenant, ClientID: client, Attempts: res.Attempts})
	} else {
		_, err = fmt.Fprintln(f.IO.Out, res.Token)
		writeAcquireSummary(f, res, t, tenant, client)
	}
	if err != nil {
		return err
	}
	if o.Decode {
		rep, _ := inspect.Inspect(ctx, res.Token, inspect.Options{Resolver: f.Resolver(), Tenant: f.Globals.Tenant})
		fmt.Fprintln(f.IO.ErrOut)
		_ = rep.WriteText(f.IO.ErrOut, f.IO.ErrPalette())
	}
	return nil
}

type acquireJSON struct {
	AccessToken string            `json:"access_token"`
	TokenType   string            `json:"token_type"`
	ExpiresOn   string            `json:"expires_on"`
	Scopes      []string          `json:"scopes"`
	Method      string            `json:"method"`
	TenantID    string            `json:"tenant_id"`
	ClientID    string            `json:"client_id"`
	Attempts    []acquire.Attempt `json:"attempts,omitempty"`
}

// whoFor reads, from the token itself, the tenant and client it was issued
// to: for managed identity and the CLIs the request did not say.
func whoFor(res *acquire.Result, t *token.Token) (tenant, client string) {
	tenant, client = res.TenantID, res.ClientID
	if t != nil {
		tenant = cmp.Or(inspect.Tenant(t), tenant)
		client = cmp.Or(t.String("azp"), t.String("appid"), client)
	}
	return tenant, client
}

// writeAcquireSummary says on stderr what was acquired, in one line, and
// warns when an app-only token carries no roles.
func writeAcquireSummary(f *Factory, res *acquire.Result, t *token.Token, tenant, client string) {
	w, p := f.IO.ErrOut, f.IO.ErrPalette()
	for _, a := range res.Attempts {
		fmt.Fprintf(w, "entratoken: auto: %-18s %s", a.Method, a.Outcome)
		if a.Reason != "" {
			fmt.Fprintf(w, " (%s)", a.Reason)
		}
		fmt.Fprintln(w)
	}
	if t == nil {
		fmt.Fprintf(w, "entratoken: acquired with %s: an opaque token (not a JWT), expires %s\n", res.Method, res.ExpiresOn.Format(inspect.TimeLayout))
		return
	}
	kind := inspect.Kind(t)
	perms := "roles: " + cmp.Or(strings.Join(t.Strings("roles"), ", "), "(none)")
	if kind == "delegated" {
		perms = "scp: " + strings.Join(t.Strings("scp"), " ")
	}
	aud := t.String("aud")
	if n := entra.ResourceName(aud); n != "" {
		aud += " (" + n + ")"
	}
	exp, _, _ := t.Time("exp")
	fmt.Fprintf(w, "entratoken: acquired with %s (client %s, tenant %s): v%s %s token for %s; %s; expires %s (in %s)\n",
		p.Bold(string(res.Method)), client, tenant, inspect.Version(t), kindWord(kind), aud, perms,
		exp.Format(inspect.TimeLayout), inspect.Ago(time.Until(exp)))
	if kind == "app" && len(t.Strings("roles")) == 0 {
		switch name := entra.ResourceName(t.String("aud")); {
		case strings.HasPrefix(name, "Microsoft Graph"):
			fmt.Fprintf(w, "entratoken: %s no roles in this app-only token: no Microsoft Graph application permission is granted to the client, so Graph will answer 403 (Authorization_RequestDenied); add one (the client's API permissions > Microsoft Graph > Application permissions, then grant admin consent)\n", p.Yellow("warning:"))
		case name != "":
			// Azure Resource Manager, Key Vault, Storage...: access is
			// decided by Azure role assignments, not by roles in the token.
		default:
			fmt.Fprintf(w, "entratoken: %s no roles in this app-only token: no app role of this API is assigned to the client, so an API or APIM policy that checks roles will refuse it; assign one (the client's API permissions > Application permissions, then grant admin consent)\n", p.Yellow("warning:"))
		}
	}
}

func kindWord(kind string) string {
	if kind == "app" {
		return "app-only"
	}
	return "delegated"
}
