package armsource

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// static is a credential that hands out one minted token.
type static struct{ tok string }

func (s static) GetToken(context.Context, azpolicy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: s.tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func newClient(t testing.TB, clientID, objectID string, edit ...func(*fakearm.Options)) (*Client, *fakearm.Server) {
	c, s, _ := newClientToken(t, clientID, objectID, edit...)
	return c, s
}

func newClientToken(t testing.TB, clientID, objectID string, edit ...func(*fakearm.Options)) (*Client, *fakearm.Server, string) {
	t.Helper()
	e := fakeentra.New()
	t.Cleanup(e.Close)
	o := fakearm.Contoso()
	o.Entra = e
	for _, f := range edit {
		f(&o)
	}
	s, err := fakearm.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	tok := e.Tenant(fakeentra.TenantID).MustMint(t, fakeentra.Spec{Version: entra.V1, Audience: fakeentra.ARMAudience, ClientID: clientID,
		Claims: map[string]any{"oid": objectID, "sub": objectID}})
	c, err := New(Options{Endpoint: s.URL, Credential: static{tok}, HTTP: s.Client(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, s, tok
}

var contoso = ServiceRef{Subscription: fakearm.ContosoSubscription, ResourceGroup: fakearm.ContosoResourceGroup, Name: fakearm.ContosoService}

func TestReadForOneRequest(t *testing.T) {
	c, s, tok := newClientToken(t, fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorObjectID)
	ev, err := c.Read(context.Background(), contoso, Request{Method: "GET", URL: "https://contoso.azure-api.net/orders/42"})
	if !s.SawBearer(tok) {
		t.Error("the credential's token never reached ARM: SawBearer cannot prove a token was not sent")
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Findings) != 0 {
		t.Fatalf("findings: %+v", ev.Findings)
	}
	svc := ev.Service
	m, err := svc.Route("GET", "https://contoso.azure-api.net/orders/42", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.API.Name != "orders" || m.Operation.Name != "get-order" || m.API.Policy == nil || svc.Policy == nil {
		t.Fatalf("route: %+v", m)
	}
	if got := m.API.Policy.File; got != fakearm.ContosoServiceID+"/apis/orders/policies/policy" {
		t.Errorf("API policy file = %s", got)
	}
	if len(m.API.Products) != 2 {
		t.Errorf("orders' products = %v", m.API.Products)
	}
	// No document twice, and no 404 probing: allPolicies said which scopes have one.
	if rep := s.Repeated(); len(rep) != 0 {
		t.Errorf("fetched twice: %v", rep)
	}
	for _, r := range s.Requests() {
		if strings.Contains(r, "/inventory") || strings.Contains(r, "/status") {
			t.Errorf("read an API the request does not reach: %s", r)
		}
	}
	// A cold read for GET /orders/42 in pages of 2: allPolicies 5, APIs 3,
	// named values 2, the service 1; orders' operations 2 and products 1; the API's and
	// the global policy; the two products' policies (get-order has none);
	// one fragment; the secret value the global policy uses.
	if n := s.TotalHits(); n != 20 {
		t.Errorf("%d requests, want 20:\n%s", n, strings.Join(s.Requests(), "\n"))
	}
}

func TestReaderCannotListSecretValue(t *testing.T) {
	c, _ := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
	ev, err := c.Read(context.Background(), contoso, Request{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var forbidden *finding.Finding
	for i, f := range ev.Findings {
		if f.Code == finding.EvidenceForbidden {
			forbidden = &ev.Findings[i]
		}
	}
	if forbidden == nil || !strings.Contains(forbidden.Message, actionListVal) || !strings.Contains(forbidden.Fix, ContributorRole) {
		t.Fatalf("findings: %+v", ev.Findings)
	}
	if v := ev.Service.Values["backend-key"]; v.HasValue || !v.Secret {
		t.Errorf("backend-key = %+v", v)
	}
}

// The service's host names say when the URL is not this service's gateway:
// an info finding, never a change of verdict.
func TestURLHostOfAnotherService(t *testing.T) {
	c, _ := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
	for host, want := range map[string]bool{"contoso.azure-api.net": false, "API.CONTOSO.COM:443": false, "api.fabrikam.com": true} {
		ev, err := c.Read(context.Background(), contoso, Request{Method: "GET", URL: "https://" + host + "/orders/42"})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, f := range ev.Findings {
			if f.Code == finding.GatewayHostUnknown {
				got = f.Severity == finding.SeverityInfo && strings.Contains(f.Expected, "contoso.azure-api.net") && strings.Contains(f.Expected, "api.contoso.com")
			}
		}
		if got != want {
			t.Errorf("%s: GATEWAY_HOST_UNKNOWN = %v, want %v (%+v)", host, got, want, ev.Findings)
		}
		if ev.Info == nil || ev.Info.SKU == "" {
			t.Errorf("service not read: %+v", ev.Info)
		}
	}
}

func TestNoRightsIsNoPolicy(t *testing.T) {
	c, _ := newClient(t, fakeentra.EvidenceNoneClientID, fakeentra.EvidenceNoneObjectID)
	_, err := c.Read(context.Background(), contoso, Request{Method: "GET", URL: "https://contoso.azure-api.net/orders/42"})
	re, ok := err.(*ReadError)
	if !ok || re.Finding.Code != finding.EvidenceForbidden || !strings.Contains(re.Finding.Fix, ReaderRole) {
		t.Fatalf("err = %v", err)
	}
}

func TestThrottledReadIsRetried(t *testing.T) {
	c, s := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
	s.InjectThrottle("/apis")
	start := time.Now()
	ev, err := c.Read(context.Background(), contoso, Request{Method: "GET", URL: "https://contoso.azure-api.net/orders/42"})
	if err != nil || len(ev.Service.APIs) == 0 {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %s: Retry-After: 1 not honoured", d)
	}
}

// A Retry-After beyond --timeout is not waited for, and says when to come
// back; an ARM slower than --timeout ends the read within the bound. Both
// are findings that name the bound, not a held diagnosis.
func TestReadsEndWithinTimeout(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		edit       func(*fakearm.Options)
		throttle   bool
	}{
		{"Retry-After beyond the timeout", "asked to wait 30 s (Retry-After)", nil, true},
		{"slower than the timeout", "no answer within --timeout 1s", func(o *fakearm.Options) { o.Latency = 3 * time.Second }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var edits []func(*fakearm.Options)
			if tc.edit != nil {
				edits = append(edits, tc.edit)
			}
			c, s := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, edits...)
			c.opts.Timeout, c.arm.Retry.MaxRetryDelay = time.Second, time.Second
			c.arm.PerCallPolicies = []azpolicy.Policy{readDeadline(time.Second)}
			if tc.throttle {
				s.InjectThrottleFor("/apis", 30, 5)
			}
			start := time.Now()
			_, err := c.Read(context.Background(), contoso, Request{Method: "GET", URL: "https://contoso.azure-api.net/orders/42"})
			if d := time.Since(start); d > 2500*time.Millisecond {
				t.Errorf("the read took %s with --timeout 1s", d)
			}
			re, ok := err.(*ReadError)
			if !ok || re.Finding.Code != finding.EvidenceUnavailable || !strings.Contains(re.Finding.Message, tc.want) {
				t.Fatalf("err = %v, want a finding with %q", err, tc.want)
			}
		})
	}
}

func TestSaveReplays(t *testing.T) {
	c, _ := newClient(t, fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorObjectID)
	ev, err := c.Read(context.Background(), contoso, Request{Method: "POST", URL: "https://contoso.azure-api.net/orders"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "evidence")
	if err := ev.Save(dir, false); err != nil {
		t.Fatal(err)
	}
	back, err := policy.ReadAPIOps(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := back.Route("POST", "https://contoso.azure-api.net/orders", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Operation.Name != "create-order" || m.Operation.Policy == nil || m.API.Policy == nil || back.Policy == nil || len(m.API.Products) != 2 {
		t.Fatalf("replayed: %+v %+v", m.API, m.Operation)
	}
	if v := back.Values["backend-key"]; v.HasValue {
		t.Error("the secret's value was saved without --show-secrets")
	}
	if err := ev.Save(dir, false); err == nil {
		t.Error("saved into a folder that is not empty")
	}
}

func TestLastPageForms(t *testing.T) {
	for _, last := range []fakearm.LastPage{fakearm.NextLinkAbsent, fakearm.NextLinkNull, fakearm.NextLinkEmpty} {
		c, s := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
		s.SetLastPage(last)
		ev, err := c.Read(context.Background(), contoso, Request{All: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(ev.Service.APIs); n != 5 {
			t.Errorf("last page %d: %d APIs, want 5", last, n)
		}
		if rep := s.Repeated(); len(rep) != 0 {
			t.Errorf("last page %d: fetched twice: %v", last, rep)
		}
	}
}

func TestHostQueryIsTheOneResourceGraphAnswers(t *testing.T) {
	if HostQuery != fakearm.ServiceHostQuery {
		t.Fatalf("HostQuery = %q", HostQuery)
	}
}

// Resource Graph's answer comes in pages ($skipToken): a service on the
// last page is found, and not-found counts every service searched.
func TestAutoFollowsResourceGraphPages(t *testing.T) {
	c, s := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, func(o *fakearm.Options) {
		o.PageSize = 1
		var more []fakearm.Service
		for _, n := range []string{"fabrikam-a", "fabrikam-b", "fabrikam-c"} {
			svc := o.Services[0]
			svc.Name, svc.GatewayURL, svc.GatewayRegionalURL, svc.Hostnames, svc.AdditionalLocations = n, "https://"+n+".azure-api.net", "", nil, nil
			more = append(more, svc)
			o.Assignments = append(o.Assignments, fakearm.Assignment{PrincipalID: fakeentra.EvidenceReaderObjectID,
				Role: fakearm.APIManagementServiceReader, Scope: fakearm.ServiceID(svc.SubscriptionID, svc.ResourceGroup, n)})
		}
		o.Services = append(more, o.Services...)
	})
	ref, err := c.Resolve(context.Background(), "auto", "", "", "https://api.contoso.com/orders/42")
	if err != nil || ref != contoso {
		t.Fatalf("Resolve = %+v, %v", ref, err)
	}
	if n := s.TotalHits(); n != 4 {
		t.Errorf("%d Resource Graph requests for 4 services in pages of 1, want 4", n)
	}
	_, err = c.Resolve(context.Background(), "auto", "", "", "https://api.example.org/")
	if nf, ok := err.(*NotFoundError); !ok || nf.Searched != 4 {
		t.Fatalf("err = %v", err)
	}
}
