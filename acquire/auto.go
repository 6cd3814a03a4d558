package acquire

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/finding"
)

// imdsProbe bounds how long auto waits for IMDS: off Azure, 169.254.169.254
// never answers, and DefaultAzureCredential waits about a second too.
const imdsProbe = 2 * time.Second

// acquireAuto tries, in order, the environment's app credentials (secret,
// certificate, federated token), managed identity, azd and az, like
// DefaultAzureCredential, and records for each why it was skipped, why it
// failed, or that it was used. An answer from Entra (a wrong secret, a
// missing consent) ends the chain: trying a different identity would hide
// the real problem.
func acquireAuto(ctx context.Context, req Request) (*Result, error) {
	getenv := req.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if len(req.Scopes) == 0 {
		return nil, &Error{Method: Auto, Usage: true, Message: "no scope: pass --resource R or --scope S"}
	}
	var attempts []Attempt
	note := func(m Method, outcome, reason string) { attempts = append(attempts, Attempt{m, outcome, reason}) }
	appOnlyOK := CheckAppOnlyScopes(Auto, req.Scopes) == nil || req.NoScopeFix

	try := func(sub Request, timeout time.Duration) (*Result, *Error) {
		c := ctx
		if timeout > 0 {
			var cancel context.CancelFunc
			c, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		res, err := Acquire(c, sub)
		if err == nil {
			note(sub.Method, "used", "")
			return res, nil
		}
		e, ok := err.(*Error)
		if !ok {
			e = &Error{Method: sub.Method, Finding: finding.TokenRequestFailed, Message: err.Error(), Err: err}
		}
		if e.AADSTS != "" {
			note(sub.Method, "failed", e.AADSTS+": "+e.Message)
		} else {
			note(sub.Method, "failed", e.Message)
		}
		return nil, e
	}
	finish := func(res *Result) (*Result, error) {
		res.Attempts = attempts
		return res, nil
	}
	stop := func(e *Error) (*Result, error) {
		e.Attempts = attempts
		return nil, e
	}

	// 1. The environment's app credential.
	env := req
	env.Method = "" // set below from what the environment holds
	env.ClientID = cmp.Or(req.ClientID, getenv("AZURE_CLIENT_ID"))
	env.ClientSecret = cmp.Or(req.ClientSecret, getenv("AZURE_CLIENT_SECRET"))
	env.CertificatePath = cmp.Or(req.CertificatePath, getenv("AZURE_CLIENT_CERTIFICATE_PATH"))
	env.CertificatePassword = cmp.Or(req.CertificatePassword, getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
	env.FederatedTokenFile = cmp.Or(req.FederatedTokenFile, getenv("AZURE_FEDERATED_TOKEN_FILE"))
	switch {
	case env.ClientSecret != "":
		env.Method = ClientSecret
	case env.CertificatePath != "":
		env.Method = ClientCertificate
	case env.FederatedTokenFile != "":
		env.Method = WorkloadIdentity
	}
	envConfigured := env.Method != ""
	switch {
	case !envConfigured:
		note("environment", "skipped", "no AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE (or the matching flags)")
	case !appOnlyOK:
		note(env.Method, "skipped", fmt.Sprintf("app-only flows need <resource>/.default, and %s is a named scope", strings.Join(req.Scopes, " ")))
	default:
		if res, e := try(env, 0); res != nil {
			return finish(res)
		} else if e.Answered() || e.Usage {
			return stop(e)
		}
	}

	// 2. Managed identity.
	mi := req
	mi.Method = ManagedIdentity
	if mi.MIClientID == "" && mi.MIResourceID == "" && mi.MIObjectID == "" && !envConfigured {
		mi.MIClientID = getenv("AZURE_CLIENT_ID") // as DefaultAzureCredential does
	}
	appService := getenv("IDENTITY_ENDPOINT") != "" && getenv("IDENTITY_HEADER") != ""
	switch {
	case !appOnlyOK:
		note(ManagedIdentity, "skipped", "managed identity tokens are app-only and need <resource>/.default")
	case len(req.Scopes) != 1:
		note(ManagedIdentity, "skipped", "managed identity gets a token for exactly one resource")
	default:
		timeout := imdsProbe
		if appService {
			timeout = 0
		}
		res, e := try(mi, timeout)
		if res != nil {
			return finish(res)
		} else if e.Answered() {
			return stop(e)
		}
		if !appService && !e.Usage { // a refused endpoint (CheckIdentityEndpoints) says so itself
			attempts[len(attempts)-1].Reason = "no App Service identity (IDENTITY_ENDPOINT, IDENTITY_HEADER unset) and IMDS did not answer: " + attempts[len(attempts)-1].Reason
		}
	}

	// 3. and 4. The developer CLIs.
	for _, m := range []Method{AZD, AzureCLI} {
		cli := req
		cli.Method = m
		if m == AzureCLI && len(req.Scopes) != 1 {
			note(m, "skipped", "az gets a token for exactly one resource")
			continue
		}
		if res, e := try(cli, 0); res != nil {
			return finish(res)
		} else if e.Answered() {
			return stop(e)
		}
	}
	return stop(&Error{Method: Auto, Finding: finding.CredentialMissing,
		Message: "no method could get a token here",
		Fix:     "configure one: AZURE_CLIENT_ID with AZURE_CLIENT_SECRET (or a certificate, or a federated token file), a managed identity, azd auth login, or az login; or choose one with --method"})
}
