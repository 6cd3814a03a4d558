package armsource

// This file gets the gateway's own trace of a request over ARM
// (shared/reference/evidence-sources.md §2.1): a debug credential for one
// API (gateways/managed/listDebugCredentials, purpose tracing, at most an
// hour), then, with the Apim-Trace-Id the gateway answered, the trace
// (gateways/managed/listTrace). Both are POST actions that Reader roles do
// not have.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/apimanagement/armapimanagement/v3"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/trace"
)

// The ARM actions the trace needs, as a 403 names them.
const (
	ActionDebugCredentials = "Microsoft.ApiManagement/service/gateways/listDebugCredentials/action"
	ActionListTrace        = "Microsoft.ApiManagement/service/gateways/listTrace/action"
)

// managedGateway is the instance's own gateway; a self-hosted gateway has
// its own id, and the new tracing API does not support it yet (§2.3).
const managedGateway = "managed"

// TraceError is a step of the trace that failed: its finding
// (TRACE_UNAVAILABLE) says why and what would fix it.
type TraceError struct{ Finding finding.Finding }

func (e *TraceError) Error() string { return e.Finding.Message }

// APIResourceID returns an API's full resource ID (what listDebugCredentials
// requires): apiID as it is when it is one already, else the API of ref
// with that name ("orders", "orders;rev=2").
func APIResourceID(ref ServiceRef, apiID string) string {
	if strings.HasPrefix(apiID, "/") {
		return apiID
	}
	return ref.ID() + "/apis/" + apiID
}

// DebugCredential gets a debug credential for tracing requests to one API
// of the service (its full resource ID or its name), valid for an hour:
// the value to send as Apim-Debug-Authorization. It is a secret.
func (c *Client) DebugCredential(ctx context.Context, ref ServiceRef, apiID string) (string, error) {
	g, err := c.gateways(ref)
	if err != nil {
		return "", err
	}
	id := APIResourceID(ref, apiID)
	c.logf("ARM: POST %s/gateways/%s/listDebugCredentials (api %s)", ref.ID(), managedGateway, id)
	resp, err := g.ListDebugCredentials(ctx, ref.ResourceGroup, ref.Name, managedGateway, armapimanagement.GatewayListDebugCredentialsContract{
		APIID:                  to.Ptr(id),
		Purposes:               []*armapimanagement.GatewayListDebugCredentialsContractPurpose{to.Ptr(armapimanagement.GatewayListDebugCredentialsContractPurposeTracing)},
		CredentialsExpireAfter: to.Ptr("PT1H"),
	}, nil)
	if err != nil {
		return "", traceFailure(ActionDebugCredentials, "a debug credential for API "+id, err)
	}
	if resp.Token == nil || *resp.Token == "" {
		return "", &TraceError{Finding: unavailable("ARM answered listDebugCredentials without a token", "retry; if it persists, trace the request in the portal (Test tab, Trace)")}
	}
	return *resp.Token, nil
}

// Trace fetches the trace the gateway made of a request (the Apim-Trace-Id
// it answered).
func (c *Client) Trace(ctx context.Context, ref ServiceRef, traceID string) (*trace.Trace, error) {
	g, err := c.gateways(ref)
	if err != nil {
		return nil, err
	}
	c.logf("ARM: POST %s/gateways/%s/listTrace (trace %s)", ref.ID(), managedGateway, traceID)
	resp, err := g.ListTrace(ctx, ref.ResourceGroup, ref.Name, managedGateway, armapimanagement.GatewayListTraceContract{TraceID: to.Ptr(traceID)}, nil)
	if err != nil {
		return nil, traceFailure(ActionListTrace, "the trace "+traceID, err)
	}
	b, err := json.Marshal(resp.Value)
	if err != nil {
		return nil, &TraceError{Finding: unavailable("the trace could not be read: "+err.Error(), "retry")}
	}
	t, err := trace.Parse(b)
	if err != nil {
		return nil, &TraceError{Finding: unavailable("ARM's answer to listTrace is "+err.Error(), "retry; or save the trace from the portal and run entratoken trace explain FILE")}
	}
	if t.TraceID == "" {
		t.TraceID = traceID
	}
	return t, nil
}

func (c *Client) gateways(ref ServiceRef) (*armapimanagement.GatewayClient, error) {
	f, err := c.factory(ref)
	if err != nil {
		return nil, err
	}
	return f.NewGatewayClient(), nil
}

func unavailable(msg, fix string) finding.Finding {
	return finding.Finding{Code: finding.TraceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient, Message: msg,
		Expected: "the gateway's trace of the request", Actual: "none", Fix: fix}
}

// traceFailure turns a failed debug-credential or trace request into
// TRACE_UNAVAILABLE: for a 403, the action and the built-in role that has
// it; for a 404 of the gateway, no managed gateway to trace.
func traceFailure(action, what string, err error) error {
	var re *azcore.ResponseError
	msg := oneLine(err.Error())
	if errors.As(err, &re) {
		msg = fmt.Sprintf("ARM answered %d %s", re.StatusCode, cmpOr(re.ErrorCode, http.StatusText(re.StatusCode)))
	}
	f := unavailable(fmt.Sprintf("%s could not be had: %s", what, msg), "retry, or trace the request in the portal (Test tab, Trace) and run entratoken trace explain FILE")
	switch status(err) {
	case http.StatusForbidden:
		f.Side, f.Expected, f.Actual = sideAdmin, action, "not granted to the credential that reads the evidence"
		f.Message = fmt.Sprintf("the credential may not get %s: %s (%s)", what, msg, action)
		f.Fix = fmt.Sprintf("assign the credential the %s role on the service (it has %s; Reader roles do not), or trace the request in the portal and run entratoken trace explain FILE", ContributorRole, action)
	case http.StatusNotFound:
		if action == ActionListTrace {
			f.Message = fmt.Sprintf("%s is not there: %s (the gateway keeps a trace for a short time, and not for every request)", what, msg)
		} else {
			f.Message = fmt.Sprintf("%s could not be had: %s: the service has no managed gateway that traces, or the API is not there", what, msg)
		}
	}
	return &TraceError{Finding: f}
}

// Tracer is c's debug credentials and traces for one service, as package
// trace asks for them (trace.Get).
func (c *Client) Tracer(ref ServiceRef) trace.Source { return serviceTracer{c, ref} }

type serviceTracer struct {
	c   *Client
	ref ServiceRef
}

func (s serviceTracer) DebugCredential(ctx context.Context, apiID string) (string, error) {
	return s.c.DebugCredential(ctx, s.ref, apiID)
}

func (s serviceTracer) Trace(ctx context.Context, traceID string) (*trace.Trace, error) {
	return s.c.Trace(ctx, s.ref, traceID)
}

// TraceFinding is the finding a DebugCredential or Trace error carries
// (trace.FindingOf).
func TraceFinding(err error) (finding.Finding, bool) {
	var te *TraceError
	if errors.As(err, &te) {
		return te.Finding, true
	}
	return finding.Finding{}, false
}

// SaveTrace writes a trace as DIR/trace/<traceId>.json (the layout
// --save-evidence writes; private, since a trace saved with --show-secrets
// holds them) and returns the path. Redact it first unless secrets may be
// kept. A trace id that is not a plain name is refused.
func SaveTrace(dir string, t *trace.Trace) (string, error) {
	id := t.TraceID
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", fmt.Errorf("--save-evidence: refusing the trace id %.64q as a file name", id)
		}
	}
	if id == "" {
		return "", fmt.Errorf("--save-evidence: the trace has no id")
	}
	b, err := t.JSON()
	if err != nil {
		return "", err
	}
	w := &saver{dir: dir}
	rel := "trace/" + id + ".json"
	w.write(rel, b, true)
	return filepath.Join(dir, filepath.FromSlash(rel)), w.err
}
