package acquire

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/netx"
)

// clientOptions is what every azidentity credential gets: our HTTP client
// (TLS roots, timeouts, the IMDS redirect), the authority host, and retries
// cut short: a wrong secret must answer in a second, not after azcore's
// default back-off. Managed identity keeps two quick retries, since IMDS
// answers 410 for a while when it is updating.
func clientOptions(req Request) azcore.ClientOptions {
	retry := policy.RetryOptions{MaxRetries: -1}
	if req.Method == ManagedIdentity {
		retry = policy.RetryOptions{MaxRetries: 2, RetryDelay: 300 * time.Millisecond, MaxRetryDelay: time.Second}
	}
	o := azcore.ClientOptions{Retry: retry, Transport: transport(req)}
	if a := req.Authority; a != nil {
		if a.Scheme == "http" { // loopback only: netx.ParseAuthority refuses any other http host
			a = httpsForm(a)
		}
		o.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: a.String()}
	}
	return o
}

// disableDiscovery: instance discovery asks login.microsoftonline.com about
// the authority; for any other host (a test tenant, Azure Stack) it would go
// to the internet and fail slowly, so it is off.
func disableDiscovery(req Request) bool {
	return req.Authority != nil && !netx.IsMicrosoftAuthority(req.Authority)
}

func newCredential(req Request) (azcore.TokenCredential, error) {
	opts := clientOptions(req)
	need := func(v, what string) error {
		if v == "" {
			return &Error{Method: req.Method, Usage: true, Finding: finding.CredentialMissing,
				Message: fmt.Sprintf("%s needs %s", req.Method, what)}
		}
		return nil
	}
	switch req.Method {
	case ClientSecret:
		if err := errors.Join(need(req.Tenant, "--tenant (or AZURE_TENANT_ID)"), need(req.ClientID, "--client-id (or AZURE_CLIENT_ID)"),
			need(req.ClientSecret, "a secret: AZURE_CLIENT_SECRET, --client-secret-file PATH|-, or --client-secret")); err != nil {
			return nil, firstError(err)
		}
		c, err := azidentity.NewClientSecretCredential(req.Tenant, req.ClientID, req.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery(req)})
		return built(req, c, err)
	case ClientCertificate:
		if err := errors.Join(need(req.Tenant, "--tenant (or AZURE_TENANT_ID)"), need(req.ClientID, "--client-id (or AZURE_CLIENT_ID)"),
			need(req.CertificatePath, "--certificate FILE (or AZURE_CLIENT_CERTIFICATE_PATH)")); err != nil {
			return nil, firstError(err)
		}
		certs, key, err := LoadCertificate(req.CertificatePath, req.CertificatePassword)
		if err != nil {
			return nil, err
		}
		c, err := azidentity.NewClientCertificateCredential(req.Tenant, req.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery(req),
				SendCertificateChain: req.SendCertificateChain})
		return built(req, c, err)
	case WorkloadIdentity:
		if err := errors.Join(need(req.Tenant, "--tenant (or AZURE_TENANT_ID)"), need(req.ClientID, "--client-id (or AZURE_CLIENT_ID)"),
			need(req.FederatedTokenFile, "--federated-token-file FILE (or AZURE_FEDERATED_TOKEN_FILE)")); err != nil {
			return nil, firstError(err)
		}
		if _, err := os.Stat(req.FederatedTokenFile); err != nil {
			return nil, &InputError{What: "federated token file", Path: req.FederatedTokenFile, Err: err}
		}
		c, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: opts, DisableInstanceDiscovery: disableDiscovery(req),
			TenantID: req.Tenant, ClientID: req.ClientID, TokenFilePath: req.FederatedTokenFile})
		return built(req, c, err)
	case ManagedIdentity:
		if err := CheckIdentityEndpoints(req.Getenv); err != nil {
			return nil, err
		}
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		switch {
		case req.MIClientID != "":
			o.ID = azidentity.ClientID(req.MIClientID)
		case req.MIResourceID != "":
			o.ID = azidentity.ResourceID(req.MIResourceID)
		case req.MIObjectID != "":
			o.ID = azidentity.ObjectID(req.MIObjectID)
		}
		c, err := azidentity.NewManagedIdentityCredential(o)
		return built(req, c, err)
	case AZD:
		c, err := azidentity.NewAzureDeveloperCLICredential(&azidentity.AzureDeveloperCLICredentialOptions{TenantID: req.Tenant})
		return built(req, c, err)
	case AzureCLI:
		if len(req.Scopes) != 1 {
			return nil, &Error{Method: req.Method, Usage: true, Finding: finding.InvalidScope,
				Message: "the Azure CLI gets a token for exactly one resource: pass one --resource or --scope"}
		}
		c, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: req.Tenant})
		return built(req, c, err)
	}
	return nil, &Error{Usage: true, Message: fmt.Sprintf("unknown method %q (one of %s)", req.Method, methodNames())}
}

func methodNames() string {
	var s []string
	for _, m := range Methods {
		s = append(s, string(m))
	}
	return strings.Join(s, ", ")
}

func firstError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return j.Unwrap()[0]
	}
	return err
}

// built turns a constructor failure (an http authority, an invalid tenant
// string) into an Error that says which method and what to change.
func built[T azcore.TokenCredential](req Request, c T, err error) (azcore.TokenCredential, error) {
	if err != nil {
		msg := err.Error()
		fix := ""
		if strings.Contains(msg, "without https") {
			fix = "azidentity requests tokens only over https: give the authority host as https://"
		}
		return nil, &Error{Method: req.Method, Usage: true, Finding: finding.CredentialMissing, Message: msg, Fix: fix, Err: err}
	}
	return c, nil
}

// InputError is a credential file that cannot be used (exit 2).
type InputError struct {
	What, Path string
	Err        error
	Fix        string
}

func (e *InputError) Error() string { return fmt.Sprintf("%s %s: %v", e.What, e.Path, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// LoadCertificate reads a PEM (certificate and private key) or PKCS#12/PFX
// file. azidentity reads PFX files encrypted with 3DES only; the AES that
// OpenSSL 3 and recent Windows exports use is named in the error, with the
// conversion that fixes it.
func LoadCertificate(path, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	b, err := iostreams.ReadFile(path, 1<<20) // a certificate file is a few KiB
	if err != nil {
		return nil, nil, &InputError{What: "certificate", Path: path, Err: err}
	}
	pw := []byte(password)
	isPEM := bytes.Contains(b, []byte("-----BEGIN"))
	if isPEM {
		pw = nil // a PEM key is not encrypted; the password is for PFX files
	}
	certs, key, err := azidentity.ParseCertificates(b, pw)
	if err == nil {
		return certs, key, nil
	}
	if isPEM {
		return nil, nil, &InputError{What: "certificate", Path: path, Err: errors.New("the PEM file needs both the certificate and its unencrypted private key"),
			Fix: "put the CERTIFICATE and the PRIVATE KEY blocks in one file (cat cert.pem key.pem > both.pem); an encrypted key can be decrypted with openssl pkcs8 -in key.pem -out key-plain.pem"}
	}
	ie := &InputError{What: "certificate", Path: path, Err: err,
		Fix: "give a PEM file with the certificate and its private key, or a PFX; set the PFX password with AZURE_CLIENT_CERTIFICATE_PASSWORD"}
	msg := err.Error()
	ie.Err = errors.New("not a certificate azidentity can read (" + firstLine(msg) + ")")
	switch {
	case strings.Contains(msg, "unknown digest algorithm") || strings.Contains(msg, "unknown algorithm") || strings.Contains(msg, "OID"):
		ie.Fix = "this PFX is encrypted with AES, which azidentity cannot read; convert it: openssl pkcs12 -in cert.pfx -nodes -out cert.pem (then --certificate cert.pem), or re-export it with 3DES (openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1)"
	case strings.Contains(msg, "password"):
		ie.Fix = "the PFX password is wrong or missing: set AZURE_CLIENT_CERTIFICATE_PASSWORD"
	}
	return nil, nil, ie
}

// transport sends everything through req.HTTP; what would go to IMDS
// (169.254.169.254) goes to req.IMDSEndpoint instead when set.
func transport(req Request) policy.Transporter {
	c := req.HTTP
	if c == nil {
		c = netx.NewClient(30*time.Second, nil)
	}
	loopback := req.Authority != nil && req.Authority.Scheme == "http"
	if req.IMDSEndpoint == nil && !loopback {
		return c
	}
	cc := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if loopback {
		base = &loopbackHTTP{base: base, host: req.Authority.Host}
	}
	if req.IMDSEndpoint != nil {
		base = &imdsRedirect{base: base, to: req.IMDSEndpoint, logf: req.Logf}
	}
	cc.Transport = base
	return &cc
}

// IMDSHost is the instance metadata service's link-local address.
const IMDSHost = "169.254.169.254"

type imdsRedirect struct {
	base http.RoundTripper
	to   *url.URL
	logf func(string, ...any)
}

func (t *imdsRedirect) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() == IMDSHost {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = t.to.Scheme, t.to.Host
		r.Host = t.to.Host
		if t.logf != nil {
			t.logf("IMDS request sent to %s (ENTRATOKEN_IMDS_ENDPOINT)", t.to.Host)
		}
	}
	return t.base.RoundTrip(r)
}
