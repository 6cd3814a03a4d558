package armsource

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/trace"
)

// TestTraceEndToEnd: the evidence read over ARM runs a simulated gateway
// that honours the debug credentials this ARM issues; trace.Get gets the
// trace of a refused request and it agrees with the evaluator's own
// prediction; a service that does not trace gives TRACE_UNAVAILABLE.
func TestTraceEndToEnd(t *testing.T) {
	for _, noTracing := range []bool{false, true} {
		e := fakeentra.New()
		t.Cleanup(e.Close)
		o := fakearm.Contoso()
		o.Entra = e
		o.Services[0].NoTracing = noTracing
		s, err := fakearm.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		armTok := e.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Version: entra.V1, Audience: fakeentra.ARMAudience, ClientID: fakeentra.EvidenceContributorClientID,
			Claims: map[string]any{"oid": fakeentra.EvidenceContributorObjectID, "sub": fakeentra.EvidenceContributorObjectID}})
		c, err := New(Options{Endpoint: s.URL, Credential: static{armTok}, HTTP: s.Client(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		ev, err := c.Read(ctx, contoso, Request{Method: "GET", URL: "https://contoso.azure-api.net/orders/42"})
		if err != nil {
			t.Fatal(err)
		}
		gw, err := fakeapim.New(fakeapim.Options{Service: ev.Service, Tenant: e, Tracer: s, Keys: map[string]string{fakearm.StarterKey: "starter"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(gw.Close)
		m, err := ev.Service.Route("GET", "https://contoso.azure-api.net/orders/42", nil)
		if err != nil {
			t.Fatal(err)
		}
		// A token without the role the policy requires.
		tok := e.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{})
		var status int
		send := func(ctx context.Context, cred string) (http.Header, error) {
			req, _ := http.NewRequestWithContext(ctx, "GET", gw.URL+"orders/42", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Ocp-Apim-Subscription-Key", fakearm.StarterKey)
			req.Header.Set(trace.HeaderCredential, cred)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, err
			}
			resp.Body.Close()
			status = resp.StatusCode
			return resp.Header, nil
		}
		out, err := trace.Get(ctx, c.Tracer(contoso), TraceFinding, m.API.ID, func(string) {}, send)
		if err != nil {
			t.Fatal(err)
		}
		if noTracing {
			if out.Trace != nil || out.Finding == nil || out.Finding.Code != finding.TraceUnavailable {
				t.Errorf("a service that does not trace: %+v", out)
			}
			continue
		}
		if out.Finding != nil || out.Trace == nil || status != 401 {
			t.Fatalf("status %d, %+v", status, out.Finding)
		}
		v := trace.Build(out.Trace)
		st, _ := v.FailedStep()
		if v.Outcome != trace.Refused || st.Source != "validate-jwt" || v.API != "/orders" || v.Product != "starter" {
			t.Errorf("view %+v", v)
		}
	}
}
