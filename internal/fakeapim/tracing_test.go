package fakeapim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/trace"
)

// armTracer answers as fakearm's VerifyDebugCredentialFor does for a few
// fixed credentials: "cred-orders" is valid for orders, "cred-old" has
// expired, "cred-off" is of a service that does not trace.
type armTracer struct {
	mu     sync.Mutex
	traces map[string][]byte
}

func (a *armTracer) VerifyDebugCredentialFor(tok, api string, _ time.Time) error {
	switch {
	case tok == "cred-old":
		return fmt.Errorf("%w at 2024-01-01T00:00:00Z", fakearm.ErrDebugCredentialExpired)
	case tok == "cred-off":
		return fakearm.ErrNoTracing
	case tok != "cred-orders":
		return fakearm.ErrDebugCredentialInvalid
	case api != "orders":
		return fmt.Errorf("%w: issued for orders, request for %s", fakearm.ErrDebugCredentialWrongAPI, api)
	}
	return nil
}

func (a *armTracer) RecordTrace(id string, t json.RawMessage) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.traces[id] = t
	return nil
}

// TestTracing: a traced request's trace is the evaluator's own run (the
// validate-jwt step with IdentityModel's message, not the policy's custom
// answer), carries the request's secrets as a real trace does, and reads
// back with package trace; the credential's other answers are headers.
func TestTracing(t *testing.T) {
	tenant := fakeentra.New()
	defer tenant.Close()
	arm := &armTracer{traces: map[string][]byte{}}
	g, err := New(Options{Service: testService(t), Keys: map[string]string{"starter-key": "starter", "partners-key": "partners"}, Tenant: tenant, Tracer: arm})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	good := tenant.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	wrongAud := tenant.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Audience: "api://someone-else"})
	send := func(path, tok, key, cred string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", g.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if key != "" {
			req.Header.Set("Ocp-Apim-Subscription-Key", key)
		}
		req.Header.Set("Apim-Debug-Authorization", cred)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	view := func(resp *http.Response) (*trace.View, string) {
		t.Helper()
		id := resp.Header.Get("Apim-Trace-Id")
		arm.mu.Lock()
		raw := arm.traces[id]
		arm.mu.Unlock()
		if id == "" || raw == nil {
			t.Fatalf("no trace (Apim-Trace-Id %q)", id)
		}
		tr, err := trace.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return trace.Build(tr), string(raw)
	}

	v, raw := view(send("orders/42", good, "starter-key", "cred-orders"))
	if v.Outcome != trace.Passed || v.API != "/orders" || v.Operation != "GET /{id}" || v.Product != "starter" {
		t.Errorf("passed: %+v", v)
	}
	if !strings.Contains(raw, "starter-key") || !strings.Contains(raw, good) || !strings.Contains(raw, "cred-orders") {
		t.Errorf("the raw trace lacks the request's secrets: %s", raw)
	}

	v, _ = view(send("orders/42", wrongAud, "starter-key", "cred-orders"))
	st, ok := v.FailedStep()
	if v.Outcome != trace.Refused || !ok || st.Source != "validate-jwt" || !strings.HasPrefix(st.Message, "JWT Validation Failed: IDX10214") {
		t.Fatalf("IDX refusal: %+v", v)
	}
	if len(v.Findings) == 0 || v.Findings[0].Code != finding.AudienceMismatch || !strings.Contains(v.Findings[0].Actual, "api://someone-else") {
		t.Errorf("findings %+v", v.Findings)
	}

	// The partners policy answers "Partner access only"; the trace keeps
	// the library's message.
	v, _ = view(send("orders/42", good, "partners-key", "cred-orders"))
	if st, _ := v.FailedStep(); v.Outcome != trace.Refused || strings.Contains(st.Message, "Partner access only") || st.Message == "" {
		t.Errorf("custom message: %+v", v)
	}

	v, _ = view(send("orders/42", good, "", "cred-orders"))
	if v.Outcome != trace.Refused || len(v.Steps) != 2 || v.Findings[0].Code != finding.SubscriptionKeyMiss {
		t.Errorf("key refusal: %+v", v)
	}

	for cred, want := range map[string][2]string{
		"cred-old": {"Apim-Debug-Authorization-Expired", "at 2024-01-01T00:00:00Z"},
		"nothing":  {"", ""},
		"cred-off": {"", ""},
	} {
		resp := send("orders/42", good, "starter-key", cred)
		for _, h := range []string{"Apim-Trace-Id", "Apim-Debug-Authorization-Expired", "Apim-Debug-Authorization-WrongAPI"} {
			if got := resp.Header.Get(h); (h == want[0]) != (got != "") || h == want[0] && got != want[1] {
				t.Errorf("%s: %s = %q", cred, h, got)
			}
		}
		if resp.StatusCode != 200 {
			t.Errorf("%s: the request itself got %d", cred, resp.StatusCode)
		}
	}
	resp := send("status/health", good, "", "cred-orders")
	if got := resp.Header.Get("Apim-Debug-Authorization-WrongAPI"); got != "status" || resp.Header.Get("Apim-Trace-Id") != "" {
		t.Errorf("wrong API: %q", got)
	}
}
