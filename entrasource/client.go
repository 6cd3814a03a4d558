// Package entrasource reads the Entra side of a diagnosis over Microsoft
// Graph (v1.0): the API's application and service principal, the client's
// service principal, its app role assignments and delegated grants, its
// secrets' and certificates' end dates, and federated identity
// credentials (shared/reference/evidence-sources.md §3). It is plain REST
// through azcore's runtime pipeline (bearer token policy, retries that
// honour Retry-After) with small typed structs, every body bounded and
// every @odata.nextLink followed only on the endpoint's own origin.
//
// Reads never write. A read that fails is an *Error, which Finding turns
// into EVIDENCE_FORBIDDEN (naming the Graph permission) or
// EVIDENCE_UNAVAILABLE; Check turns what was read into findings.
package entrasource

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/entratoken/entratoken/internal/netx"
)

// DefaultEndpoint is Microsoft Graph in the public cloud; it is also the
// audience of its tokens.
const DefaultEndpoint = "https://graph.microsoft.com"

// maxBody bounds one response body (a page).
const maxBody = 4 << 20

// maxPages bounds one list.
const maxPages = 200

// maxList bounds the bytes of one list, all its pages (maxPages pages of
// maxBody would be 800 MiB). A var for tests.
var maxList = 32 << 20

// Options say how to reach Graph.
type Options struct {
	// Endpoint is Graph's base URL, without /v1.0 (--graph-endpoint);
	// default DefaultEndpoint. https, or http to a loopback host.
	Endpoint string
	// Audience is the token audience (--graph-audience); default
	// DefaultEndpoint.
	Audience string
	// Credential reads the evidence: never the token under test.
	Credential azcore.TokenCredential
	// HTTP carries every request (the tool's client: TLS roots, redirect
	// and loopback rules, timeouts).
	HTTP *http.Client
	// Timeout bounds the retries (429 after Retry-After, 5xx).
	Timeout time.Duration
	// Logf, when set, is told each read (URLs, never secrets).
	Logf func(format string, args ...any)
}

// Client reads Entra objects over Graph.
type Client struct {
	opts Options
	base *url.URL // .../v1.0
	pl   runtime.Pipeline
}

// New checks the options and builds the pipeline.
func New(o Options) (*Client, error) {
	if o.Credential == nil {
		return nil, fmt.Errorf("entrasource: no credential")
	}
	o.Endpoint = strings.TrimRight(cmp.Or(o.Endpoint, DefaultEndpoint), "/")
	u, err := netx.CheckURL(o.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("the Graph endpoint: %v", err)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("the Graph endpoint %q has a query or fragment", o.Endpoint)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v1.0") + "/v1.0"
	o.Audience = strings.TrimRight(cmp.Or(o.Audience, DefaultEndpoint), "/")
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	bearer := runtime.NewBearerTokenPolicy(o.Credential, []string{o.Audience + "/.default"},
		&azpolicy.BearerTokenOptions{InsecureAllowCredentialWithHTTP: u.Scheme == "http"}) // http only to loopback (CheckURL)
	co := &azpolicy.ClientOptions{
		Retry: azpolicy.RetryOptions{MaxRetries: 3, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: o.Timeout,
			StatusCodes: []int{http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
				http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}},
		Telemetry: azpolicy.TelemetryOptions{Disabled: true},
	}
	if o.HTTP != nil {
		co.Transport = o.HTTP
	}
	pl := runtime.NewPipeline("entratoken", "graph", runtime.PipelineOptions{PerRetry: []azpolicy.Policy{bearer}}, co)
	return &Client{opts: o, base: u, pl: pl}, nil
}

// Endpoint is the base URL requests go to (…/v1.0).
func (c *Client) Endpoint() string { return c.base.String() }

// Error is a Graph read that failed: the HTTP status (0: no answer), Graph's
// error code and message, and what was being read.
type Error struct {
	What    string // "the API's application api://contoso-orders"
	Path    string // the request path, e.g. /applications(appId='…')
	Status  int
	Code    string // Authorization_RequestDenied, Request_ResourceNotFound, ...
	Message string
	Err     error // the transport error when Status is 0
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s could not be read: %v", e.What, netx.StripURLError(e.Err))
	}
	return fmt.Sprintf("%s could not be read: Graph answered %d %s: %s", e.What, e.Status, cmp.Or(e.Code, http.StatusText(e.Status)), e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// NotFound says whether Graph answered 404.
func (e *Error) NotFound() bool { return e.Status == http.StatusNotFound }

// quote is an OData string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// get reads one object at path (below /v1.0, with its query) into v and
// returns the body as read.
func (c *Client) get(ctx context.Context, what, path string, v any) (json.RawMessage, error) {
	u := c.base.String() + path
	return c.do(ctx, what, path, u, v)
}

func (c *Client) do(ctx context.Context, what, path, u string, v any) (json.RawMessage, error) {
	if c.opts.Logf != nil {
		c.opts.Logf("graph: GET %s", u)
	}
	// One read, its retries and their Retry-After waits included, within
	// the timeout (azcore waits up to MaxRetryDelay per retry).
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := runtime.NewRequest(ctx, http.MethodGet, u)
	if err != nil {
		return nil, &Error{What: what, Path: path, Err: err}
	}
	req.Raw().Header.Set("Accept", "application/json")
	// A filter on appRoleAssignments and grants is read with
	// ConsistencyLevel: eventual by some clients; entratoken sends none, so
	// answers come from the same replica rules as the portal's.
	resp, err := c.pl.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
			err = fmt.Errorf("no answer within --timeout %s (retries and Graph's Retry-After included): %w", c.opts.Timeout, err)
		}
		return nil, &Error{What: what, Path: path, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, &Error{What: what, Path: path, Err: err}
	}
	if len(body) > maxBody {
		return nil, &Error{What: what, Path: path, Err: fmt.Errorf("the answer is larger than %d bytes", maxBody)}
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		return nil, &Error{What: what, Path: path, Status: resp.StatusCode, Code: e.Error.Code, Message: oneLine(e.Error.Message)}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, &Error{What: what, Path: path, Status: resp.StatusCode, Code: "InvalidJSON", Message: "the answer is not the JSON Graph sends: " + oneLine(err.Error())}
	}
	return body, nil
}

// list reads every page of a collection at path into items and returns
// the objects as read.
func list[T any](ctx context.Context, c *Client, what, path string) ([]T, []json.RawMessage, error) {
	var out []T
	var raws []json.RawMessage
	u := c.base.String() + path
	size := 0
	for page := 0; u != ""; page++ {
		if page == maxPages {
			return nil, nil, &Error{What: what, Path: path, Err: fmt.Errorf("more than %d pages", maxPages)}
		}
		var p struct {
			Value []json.RawMessage `json:"value"`
			Next  string            `json:"@odata.nextLink"`
		}
		body, err := c.do(ctx, what, path, u, &p)
		if err != nil {
			return nil, nil, err
		}
		if size += len(body); size > maxList {
			return nil, nil, &Error{What: what, Path: path, Err: fmt.Errorf("the list is larger than %d MiB (%d pages)", maxList>>20, page+1)}
		}
		for _, r := range p.Value {
			var item T
			if err := json.Unmarshal(r, &item); err != nil {
				return nil, nil, &Error{What: what, Path: path, Status: http.StatusOK, Code: "InvalidJSON", Message: oneLine(err.Error())}
			}
			out, raws = append(out, item), append(raws, r)
		}
		u = ""
		if p.Next != "" {
			// The next page carries the credential: only ever on Graph's own origin.
			next, err := url.Parse(p.Next)
			if err != nil || !netx.SameOrigin(next, c.base) {
				return nil, nil, &Error{What: what, Path: path, Status: http.StatusOK, Code: "InvalidNextLink",
					Message: "the next page is on another origin than " + c.base.Scheme + "://" + c.base.Host + ": not followed"}
			}
			u = next.String()
		}
	}
	return out, raws, nil
}

// oneLine keeps an error message short and on one line.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
