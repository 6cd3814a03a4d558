package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/entratoken/entratoken/armsource"
	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/policy"
	"github.com/entratoken/entratoken/trace"
)

type staticCred struct{ tok string }

func (s staticCred) GetToken(context.Context, azpolicy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: s.tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// TestTracedCall: the pieces of call --apim-trace against a simulated ARM
// and a gateway that honours its debug credentials: the request sent with
// the credential, the trace fetched, redacted, saved, explained, and
// agreeing with the evaluator's prediction; a reader's credential gets
// TRACE_UNAVAILABLE and the request still goes.
func TestTracedCall(t *testing.T) {
	f, req, ref, gw, contributor, reader, m := tracedSetup(t, false)
	ctx := context.Background()
	resp, out, err := f.tracedDo(ctx, http.DefaultClient, contributor.Tracer(ref), m.API.ID, req)
	if err != nil || resp.Status != 401 || out.Trace == nil || out.Finding != nil {
		t.Fatalf("traced call: %v %+v", err, out.Finding)
	}
	rep := &diagnose.Report{Verdict: diagnose.Rejected, Steps: []diagnose.Step{{Section: "inbound", Policy: "validate-jwt", Result: "FAIL: answers 401 (ROLE_MISSING)"}}}
	dir := t.TempDir()
	at, err := f.explainTrace(out, rep, dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if at.Agreement != trace.Agree || at.View == nil || at.View.Outcome != trace.Refused || at.View.Product != "starter" {
		t.Fatalf("report %+v", at)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "trace", at.View.TraceID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(at)
	for _, secret := range []string{req.Token, fakearm.StarterKey, "sn="} {
		if strings.Contains(string(saved), secret) || strings.Contains(string(doc), secret) {
			t.Errorf("%.20s… in the saved trace or the report", secret)
		}
	}
	if _, err := trace.Parse(saved); err != nil {
		t.Errorf("the saved trace does not read back: %v", err)
	}
	// --show-secrets keeps the trace's secrets in the saved file, never the
	// token under test.
	dir2 := t.TempDir()
	at2, err := f.explainTrace(out, rep, dir2, true)
	if err != nil {
		t.Fatal(err)
	}
	saved2, err := os.ReadFile(filepath.Join(dir2, "trace", at2.View.TraceID+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(saved2), req.Token) || !strings.Contains(string(saved2), fakearm.StarterKey) {
		t.Errorf("--show-secrets: the token under test saved, or the key not:\n%.2000s", saved2)
	}
	if _, err := trace.Parse(saved2); err != nil {
		t.Errorf("the saved trace does not read back: %v", err)
	}
	var w strings.Builder
	writeTraceReport(&w, f.IO.Palette(), at)
	if !strings.Contains(w.String(), "validate-jwt") || !strings.Contains(w.String(), "agrees with the prediction") {
		t.Errorf("text:\n%s", w.String())
	}

	// The prediction said accepted: the trace wins.
	at, _ = f.explainTrace(out, &diagnose.Report{Verdict: diagnose.Accepted}, "", false)
	if at.Agreement != trace.Disagree || at.Findings[len(at.Findings)-1].Code != finding.PredictionDisagrees {
		t.Errorf("disagreement: %+v", at)
	}

	before, _ := gw.Counts()
	resp, out, err = f.tracedDo(ctx, http.DefaultClient, reader.Tracer(ref), m.API.ID, req)
	if after, _ := gw.Counts(); err != nil || resp.Status != 401 || after != before+1 {
		t.Fatalf("a reader's call: %v, sent %d", err, after-before)
	}
	at, _ = f.explainTrace(out, rep, "", false)
	if at.View != nil || at.Agreement != trace.Unavailable || len(at.Findings) != 1 || at.Findings[0].Code != finding.TraceUnavailable ||
		at.Findings[0].Expected != armsource.ActionDebugCredentials {
		t.Errorf("reader: %+v", at)
	}

	// A service whose gateway does not trace: no header, TRACE_UNAVAILABLE.
	f, req, ref, _, contributor, _, m = tracedSetup(t, true)
	resp, out, err = f.tracedDo(ctx, http.DefaultClient, contributor.Tracer(ref), m.API.ID, req)
	if err != nil || resp.Status != 401 || out.Trace != nil || out.Finding == nil || out.Finding.Code != finding.TraceUnavailable ||
		!strings.Contains(out.Finding.Message, "did not trace") {
		t.Errorf("no tracing: %v %+v", err, out.Finding)
	}
}

// tracedSetup starts a simulated ARM (the Contoso seed; noTracing: its
// tier does not trace) and a gateway in front of the service as the
// contributor read it, and returns a call of orders/42 with the starter key
// and a token without the role the policy requires.
func tracedSetup(t *testing.T, noTracing bool) (f *Factory, req call.Request, ref armsource.ServiceRef, gw *fakeapim.Gateway,
	contributor, reader *armsource.Client, m *policy.Match) {
	e := fakeentra.New()
	t.Cleanup(e.Close)
	o := fakearm.Contoso()
	o.Entra = e
	o.Services[0].NoTracing = noTracing
	arm, err := fakearm.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(arm.Close)
	ref = armsource.ServiceRef{Subscription: fakearm.ContosoSubscription, ResourceGroup: fakearm.ContosoResourceGroup, Name: fakearm.ContosoService}
	client := func(clientID, objectID string) *armsource.Client {
		tok := e.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Version: entra.V1, Audience: fakeentra.ARMAudience, ClientID: clientID,
			Claims: map[string]any{"oid": objectID, "sub": objectID}})
		c, err := armsource.New(armsource.Options{Endpoint: arm.URL, Credential: staticCred{tok}, HTTP: arm.Client(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	contributor = client(fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorObjectID)
	reader = client(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
	ev, err := contributor.Read(context.Background(), ref, armsource.Request{Method: "GET", URL: "https://contoso.azure-api.net/orders/42"})
	if err != nil {
		t.Fatal(err)
	}
	gw, err = fakeapim.New(fakeapim.Options{Service: ev.Service, Tenant: e, Tracer: arm, Keys: map[string]string{fakearm.StarterKey: "starter"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gw.Close)
	m, err = ev.Service.Route("GET", "https://contoso.azure-api.net/orders/42", nil)
	if err != nil {
		t.Fatal(err)
	}
	tok := e.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{}) // no role: validate-jwt refuses
	req = call.Request{Method: "GET", URL: gw.URL + "orders/42", Token: tok, SubscriptionKey: fakearm.StarterKey}
	ios, _, _, _ := iostreams.Test()
	f = &Factory{IO: ios, Getenv: func(string) string { return "" }}
	f.addSecret(tok)
	f.addSecret(fakearm.StarterKey)
	return f, req, ref, gw, contributor, reader, m
}
