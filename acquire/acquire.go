// Package acquire gets Microsoft Entra ID access tokens the way callers do:
// client secret, client certificate, managed identity (App Service and
// Functions through IDENTITY_ENDPOINT, VMs through IMDS), workload identity
// federation, the Azure Developer CLI and the Azure CLI, every one through
// azidentity (github.com/Azure/azure-sdk-for-go/sdk/azidentity). It applies
// Entra's scope rules before any request (OAuth 2.0 client credentials,
// RFC 6749 §4.4, with Entra's /.default rule) and turns every refusal into
// Entra's own error (AADSTS code, message, trace and correlation IDs) plus a
// cause and a fix (internal/aadsts).
package acquire

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Method is how a token is acquired.
type Method string

// Methods, as named on the command line.
const (
	ClientSecret      Method = "client-secret"
	ClientCertificate Method = "client-certificate"
	ManagedIdentity   Method = "managed-identity"
	WorkloadIdentity  Method = "workload-identity"
	AZD               Method = "azd"
	AzureCLI          Method = "azure-cli"
	Auto              Method = "auto"
)

// Methods lists every method in the order auto tries them (env first).
var Methods = []Method{ClientSecret, ClientCertificate, WorkloadIdentity, ManagedIdentity, AZD, AzureCLI, Auto}

// AppOnly reports whether m yields app-only tokens, whose scope must be
// <resource>/.default.
func (m Method) AppOnly() bool {
	switch m {
	case ClientSecret, ClientCertificate, ManagedIdentity, WorkloadIdentity:
		return true
	}
	return false
}

// Request describes one acquisition.
type Request struct {
	Method   Method
	Tenant   string
	ClientID string
	Scopes   []string

	ClientSecret         string // never logged or printed
	CertificatePath      string
	CertificatePassword  string // never logged or printed
	SendCertificateChain bool
	FederatedTokenFile   string
	// NoScopeFix sends named scopes to app-only flows anyway, to reproduce
	// Entra's own refusal.
	NoScopeFix bool

	// Managed identity: at most one selects a user-assigned identity.
	MIClientID, MIResourceID, MIObjectID string

	Authority *url.URL
	// HTTP carries every request (TLS roots, timeouts). IMDSEndpoint, when set,
	// receives what would go to 169.254.169.254.
	HTTP         *http.Client
	IMDSEndpoint *url.URL
	// Getenv reads the environment for auto (nil: no environment).
	Getenv func(string) string
	// Logf, when set, is told each step (never secrets).
	Logf func(format string, args ...any)
}

// Result is an acquired token.
type Result struct {
	Token     string
	ExpiresOn time.Time
	Scopes    []string
	Method    Method
	TenantID  string
	ClientID  string
	// Attempts says, for auto, what was tried and why it was or was not used.
	Attempts []Attempt
}

// Attempt is one method auto considered.
type Attempt struct {
	Method  Method `json:"method"`
	Outcome string `json:"outcome"` // used, skipped, failed
	Reason  string `json:"reason"`
}

// Acquire gets a token as req describes.
func Acquire(ctx context.Context, req Request) (*Result, error) {
	if req.Method == Auto {
		return acquireAuto(ctx, req)
	}
	if len(req.Scopes) == 0 {
		return nil, &Error{Method: req.Method, Usage: true, Message: "no scope: pass --resource R or --scope S"}
	}
	if req.Method.AppOnly() {
		if e := CheckAppOnlyScopes(req.Method, req.Scopes); e != nil && !req.NoScopeFix {
			return nil, e
		}
	}
	cred, err := newCredential(req)
	if err != nil {
		return nil, err
	}
	req.logf("%s: requesting a token for %s", req.Method, strings.Join(req.Scopes, " "))
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: req.Scopes, TenantID: tenantForCLI(req)})
	if err != nil {
		return nil, classify(ctx, req, err)
	}
	return &Result{Token: tok.Token, ExpiresOn: tok.ExpiresOn.UTC(), Scopes: req.Scopes, Method: req.Method,
		TenantID: req.Tenant, ClientID: clientIDOf(req)}, nil
}

func (r Request) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

func tenantForCLI(r Request) string {
	if r.Method == AZD || r.Method == AzureCLI {
		return r.Tenant
	}
	return ""
}

func clientIDOf(r Request) string {
	switch r.Method {
	case ManagedIdentity:
		return r.MIClientID
	case AZD, AzureCLI:
		return ""
	}
	return r.ClientID
}
