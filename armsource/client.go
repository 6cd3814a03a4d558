// Package armsource reads the evidence of an API Management service live
// from Azure Resource Manager (Microsoft.ApiManagement, api-version
// 2024-05-01, with armapimanagement/v3) into a policy.Service: the APIs,
// the matched API's operations and products, the policy at every scope
// (format=rawxml), the fragments and named values the effective policy
// uses. Every read that fails becomes a finding (EVIDENCE_FORBIDDEN naming
// the ARM action and a built-in role that has it, EVIDENCE_UNAVAILABLE
// otherwise). Save writes what was read in the APIOps layout, so that
// policy.ReadAPIOps replays it offline.
package armsource

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/apimanagement/armapimanagement/v3"
)

// DefaultEndpoint is Azure Resource Manager in the public cloud; it is also
// the audience of its tokens.
const DefaultEndpoint = "https://management.azure.com"

// The built-in roles the findings name.
const (
	ReaderRole      = "API Management Service Reader Role"
	ContributorRole = "API Management Service Contributor"
)

// Options say how to reach ARM.
type Options struct {
	// Endpoint is ARM's base URL (--arm-endpoint); default DefaultEndpoint.
	Endpoint string
	// Audience is the token audience (--arm-audience); default DefaultEndpoint.
	Audience string
	// Credential reads the evidence: never the token under test.
	Credential azcore.TokenCredential
	// HTTP carries every request (the tool's client: TLS roots, redirect
	// and loopback rules, timeouts).
	HTTP *http.Client
	// Timeout bounds each read with its retries (429 after Retry-After,
	// 409/412, 5xx): a read that cannot end within it fails with a finding
	// instead of holding the diagnosis.
	Timeout time.Duration
	// Concurrency bounds the reads in flight; default 8.
	Concurrency int
	// Logf, when set, is told each read (URLs, never secrets).
	Logf func(format string, args ...any)
}

// Client reads APIM evidence over ARM.
type Client struct {
	opts Options
	arm  *arm.ClientOptions
}

// New checks the options and prepares the ARM client options.
func New(o Options) (*Client, error) {
	if o.Credential == nil {
		return nil, fmt.Errorf("armsource: no credential")
	}
	o.Endpoint = strings.TrimRight(cmp.Or(o.Endpoint, DefaultEndpoint), "/")
	u, err := url.Parse(o.Endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("the ARM endpoint %q is not an https URL", o.Endpoint)
	}
	o.Audience = cmp.Or(o.Audience, DefaultEndpoint)
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	co := &arm.ClientOptions{DisableRPRegistration: true, ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: o.Endpoint, Audience: o.Audience}}},
		// 429 waits for its Retry-After; 409 and 412 are APIM's "operation
		// on the API is in progress", which APIOps retries too.
		Retry: azpolicy.RetryOptions{MaxRetries: 3, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: o.Timeout,
			StatusCodes: []int{http.StatusRequestTimeout, http.StatusConflict, http.StatusPreconditionFailed, http.StatusTooManyRequests, http.StatusInternalServerError,
				http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}},
		Telemetry:       azpolicy.TelemetryOptions{Disabled: true},
		PerCallPolicies: []azpolicy.Policy{readDeadline(o.Timeout)},
	}}
	if o.HTTP != nil {
		co.Transport = limitTransport{next: o.HTTP, origin: u}
	}
	return &Client{opts: o, arm: co}, nil
}

// ServiceRef names one APIM service.
type ServiceRef struct {
	Subscription, ResourceGroup, Name string
}

// ID is the service's ARM resource ID.
func (r ServiceRef) ID() string {
	return "/subscriptions/" + r.Subscription + "/resourceGroups/" + r.ResourceGroup + "/providers/Microsoft.ApiManagement/service/" + r.Name
}

// ParseID reads an APIM service resource ID.
func ParseID(id string) (ServiceRef, error) {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) != 8 || !strings.EqualFold(segs[0], "subscriptions") || !strings.EqualFold(segs[2], "resourceGroups") ||
		!strings.EqualFold(segs[4], "providers") || !strings.EqualFold(segs[5], "Microsoft.ApiManagement") || !strings.EqualFold(segs[6], "service") ||
		segs[1] == "" || segs[3] == "" || segs[7] == "" {
		return ServiceRef{}, fmt.Errorf("%q is not an API Management resource ID (/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.ApiManagement/service/NAME)", id)
	}
	return ServiceRef{Subscription: segs[1], ResourceGroup: segs[3], Name: segs[7]}, nil
}

func (c *Client) factory(ref ServiceRef) (*armapimanagement.ClientFactory, error) {
	return armapimanagement.NewClientFactory(ref.Subscription, c.opts.Credential, c.arm)
}

func (c *Client) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(format, args...)
	}
}

// readDeadline bounds one read, its retries and their waits included, by
// the --timeout: it runs before azcore's retry policy, so a Retry-After
// that would end past the deadline ends the read instead (azcore does not
// wait beyond its context).
type readDeadline time.Duration

func (d readDeadline) Do(req *azpolicy.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Raw().Context(), time.Duration(d))
	defer cancel()
	resp, err := req.WithContext(ctx).Next()
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && req.Raw().Context().Err() == nil {
		err = &deadlineError{d: time.Duration(d), err: err}
	}
	return resp, err
}

// deadlineError says which bound ended a read.
type deadlineError struct {
	d   time.Duration
	err error
}

func (e *deadlineError) Error() string {
	return fmt.Sprintf("no answer within --timeout %s (retries and ARM's Retry-After included): %v", e.d, e.err)
}

func (e *deadlineError) Unwrap() error { return e.err }
