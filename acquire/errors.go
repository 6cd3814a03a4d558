package acquire

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/entratoken/entratoken/internal/aadsts"
	"github.com/entratoken/entratoken/internal/finding"
)

// Error is a failed acquisition, with Entra's own fields when Entra answered
// (RFC 6749 §5.2 plus Entra's error_codes, trace_id, correlation_id).
type Error struct {
	Method        Method
	Finding       string // a finding code
	AADSTS        string // e.g. AADSTS7000215, when Entra answered
	Message       string // Entra's message, or the cause
	Fix           string
	Expected      string
	Actual        string
	TraceID       string
	CorrelationID string
	Status        int
	// Usage marks errors in the request itself, found before anything was
	// sent (exit 2): a named scope for an app-only flow, a missing flag.
	Usage bool
	// Attempts says what auto tried.
	Attempts []Attempt
	Err      error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.AADSTS != "" {
		msg = e.AADSTS + ": " + msg
	}
	if e.Method != "" && e.Method != Auto {
		msg = string(e.Method) + ": " + msg
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Answered reports whether Entra (or the identity endpoint) itself refused,
// as opposed to the method being unavailable here.
func (e *Error) Answered() bool { return e.Status != 0 || e.AADSTS != "" }

// classify turns an azidentity error into an Error: Entra's error JSON when
// there is a response, the AADSTS code in a CLI's output, a timeout, or the
// reason a method is unavailable here.
func classify(ctx context.Context, req Request, err error) *Error {
	e := &Error{Method: req.Method, Err: err}
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil {
		e.Status = afe.RawResponse.StatusCode
		body, _ := runtime.Payload(afe.RawResponse)
		if r, ok := aadsts.Parse(body); ok {
			e.Finding, e.Message, e.Fix = aadsts.Explain(r)
			if c := r.Code(); c != 0 {
				e.AADSTS = fmt.Sprintf("AADSTS%d", c)
			}
			e.TraceID, e.CorrelationID = r.TraceID, r.CorrelationID
			if e.Message == "" {
				e.Message = r.Error
			}
			refine(req, e)
			return e
		}
		e.Finding = finding.TokenRequestFailed
		e.Message = fmt.Sprintf("%s answered HTTP %d: %s", afe.RawResponse.Request.URL.Host, e.Status, firstLine(string(body)))
		refine(req, e)
		return e
	}
	msg := err.Error()
	// azidentity's errors do not unwrap, and the HTTP client's own timeout
	// may fire before the context's: recognise a timeout by either.
	lowerMsg := strings.ToLower(msg)
	timedOut := ctx.Err() != nil || strings.Contains(lowerMsg, "deadline exceeded") || strings.Contains(lowerMsg, "client.timeout")
	if timedOut {
		e.Finding = finding.TokenRequestFailed
		e.Message = "no answer in time (--timeout): " + firstLine(lastPart(msg))
		e.Fix = "check the network path to the authority (proxy, firewall), or raise --timeout"
		if req.Method == ManagedIdentity {
			e.Finding = finding.ManagedIdentityUnavail
			e.Fix = "no managed identity endpoint answered: run this where the identity is (App Service, Functions, a VM), or check that the identity is enabled"
		}
		return e
	}
	if code := aadsts.CodeIn(msg); code != 0 {
		// The CLIs print Entra's answer on stderr; azidentity passes it on.
		e.AADSTS = fmt.Sprintf("AADSTS%d", code)
		e.Finding, e.Message, e.Fix = aadsts.Explain(aadsts.Response{Description: msg[strings.Index(msg, "AADSTS"):]})
		e.Status = 400
		refine(req, e)
		return e
	}
	e.Message = firstLine(lastPart(msg))
	switch lower := strings.ToLower(msg); {
	case strings.Contains(lower, "executable not found") || strings.Contains(lower, "not found on path") || strings.Contains(lower, "is not recognized"):
		e.Finding = finding.CLINotInstalled
		e.Message = fmt.Sprintf("%s is not installed (not on PATH)", cliName(req.Method))
		e.Fix = installHint(req.Method)
	case strings.Contains(lower, "azd auth login") || strings.Contains(lower, "az login") || strings.Contains(lower, "not logged in"):
		e.Finding = finding.CLINotLoggedIn
		e.Message = fmt.Sprintf("%s has no signed-in account", cliName(req.Method))
		e.Fix = loginHint(req.Method)
	case req.Method == ManagedIdentity:
		e.Finding = finding.ManagedIdentityUnavail
		e.Fix = "run this where the managed identity is: in App Service or Functions (IDENTITY_ENDPOINT and IDENTITY_HEADER are set there, also in the Kudu console) or on a VM with an identity; a user-assigned identity must be assigned to this resource"
		if strings.Contains(lower, "identity not found") || strings.Contains(lower, "isn't assigned") {
			e.Message = "the requested user-assigned identity is not assigned to this resource"
			e.Fix = "assign it (the resource's Identity > User assigned), or check --client-id / --mi-resource-id / --mi-object-id"
		}
	default:
		e.Finding = finding.TokenRequestFailed
		e.Fix = "run with -v to see each step"
	}
	return e
}

// refine adds what only this tool knows: the corrected scope, the secret ID
// mistake, the CLI consent trap.
func refine(req Request, e *Error) {
	switch e.AADSTS {
	case "AADSTS65001":
		if req.Method == AZD || req.Method == AzureCLI {
			e.Fix = fmt.Sprintf("%s signs in as the first-party app 04b07795-8ddb-461a-bbee-02f9e1bf7b46 (Microsoft Azure CLI), which your API has not authorized: add that client ID under the API's Expose an API > Authorized client applications (for its scope), or grant admin consent; in CI use the app's own identity instead", cliName(req.Method))
		}
	case "AADSTS1002012":
		if len(req.Scopes) > 0 {
			if r := Resource(req.Scopes[0]); r != "" {
				e.Expected, e.Actual = ScopeFor(r), req.Scopes[0]
				e.Fix = "request " + ScopeFor(r) + " (or --resource " + r + ")"
			}
		}
	}
}

func cliName(m Method) string {
	if m == AZD {
		return "azd (the Azure Developer CLI)"
	}
	return "az (the Azure CLI)"
}

func installHint(m Method) string {
	if m == AZD {
		return "install azd (https://aka.ms/azd-install) or use another --method"
	}
	return "install the Azure CLI (https://aka.ms/installazurecli) or use another --method"
}

func loginHint(m Method) string {
	if m == AZD {
		return "run: azd auth login (add --tenant-id T for another tenant)"
	}
	return "run: az login (add --tenant T for another tenant)"
}

// lastPart drops azidentity's "XCredential: " prefixes and troubleshooting
// links from its messages.
func lastPart(msg string) string {
	if i := strings.Index(msg, "To troubleshoot"); i > 0 {
		msg = msg[:i]
	}
	for _, p := range []string{"ManagedIdentityCredential: ", "AzureDeveloperCLICredential: ", "AzureCLICredential: ",
		"ClientSecretCredential: ", "ClientCertificateCredential: ", "WorkloadIdentityCredential: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return strings.TrimSpace(msg)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
