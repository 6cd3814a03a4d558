package entrasource

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/fakegraph"
)

// graphCred mints Graph tokens of the simulated tenant: app-only with
// roles, or delegated with scopes.
type graphCred struct {
	t      *fakeentra.Tenant
	roles  []string
	scopes []string
	asked  []string
}

func (c *graphCred) GetToken(_ context.Context, o azpolicy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.asked = append(c.asked, o.Scopes...)
	sp := fakeentra.Spec{Version: "1.0", Graph: true, Roles: c.roles, Scopes: c.scopes, ClientID: fakeentra.EvidenceContributorClientID}
	tok, err := c.t.Mint(sp)
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, err
}

func setup(t *testing.T, cred *graphCred) (*Client, *fakegraph.Server, *fakeentra.Server) {
	t.Helper()
	e := fakeentra.New()
	t.Cleanup(e.Close)
	g, err := fakegraph.New(fakegraph.Options{Entra: e})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	cred.t = e.Tenant(fakeentra.TenantID)
	c, err := New(Options{Endpoint: g.URL, Credential: cred, HTTP: g.Client(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, g, e
}

func contributor() *graphCred {
	return &graphCred{roles: []string{"Application.Read.All", "Directory.Read.All"}}
}

func TestReadOrders(t *testing.T) {
	cred := contributor()
	c, g, _ := setup(t, cred)
	ev := c.Read(context.Background(), Target{Audience: fakeentra.APIAppIDURI, ClientID: fakeentra.ClientID})
	if len(ev.Failures) > 0 {
		t.Fatalf("failures: %v", ev.Failures[0])
	}
	if ev.API == nil || ev.API.AppID != fakeentra.APIClientID || ev.APISP == nil || ev.Client == nil || ev.ClientApp == nil {
		t.Fatalf("evidence incomplete: %+v", ev)
	}
	if ev.Client.ID != fakeentra.ClientObjectID {
		t.Errorf("client SP %s, want the token's oid %s", ev.Client.ID, fakeentra.ClientObjectID)
	}
	if v := ev.API.API.RequestedAccessTokenVersion; v == nil || *v != 2 {
		t.Errorf("requestedAccessTokenVersion %v, want 2", v)
	}
	if len(ev.ClientApp.KeyCredentials) == 0 || len(ev.ClientApp.PasswordCredentials) != 2 {
		t.Errorf("credentials: %d keys, %d passwords", len(ev.ClientApp.KeyCredentials), len(ev.ClientApp.PasswordCredentials))
	}
	// The daemon holds Orders.Read on the orders API: one page of one, so
	// paging was followed when there are more.
	n := 0
	for _, a := range ev.Assignments {
		if a.ResourceID == ev.APISP.ID && a.AppRoleID == fakegraph.RoleID(fakeentra.APIClientID, "Orders.Read") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("assignments of Orders.Read on the API: %d; all: %+v", n, ev.Assignments)
	}
	if cred.asked[0] != "https://graph.microsoft.com/.default" {
		t.Errorf("scope asked %q", cred.asked[0])
	}
	if n := len(g.Requests()); n != 5 { // API app, API SP, client SP, client app; then assignments
		t.Errorf("%d requests: %v", n, g.Requests())
	}
}

// against is a client of the Graph srv stands for, signed in to the
// simulated tenant.
func against(t *testing.T, srv *httptest.Server, timeout time.Duration) *Client {
	t.Helper()
	cred := contributor()
	e := fakeentra.New()
	t.Cleanup(e.Close)
	cred.t = e.Tenant(fakeentra.TenantID)
	c, err := New(Options{Endpoint: srv.URL, Credential: cred, HTTP: srv.Client(), Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNextLinkOffOriginRefused(t *testing.T) {
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the credential went to another origin: %s", r.URL)
	}))
	defer other.Close()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"value":[{"name":"a"}],"@odata.nextLink":"` + other.URL + `/v1.0/next"}`))
	}))
	defer srv.Close()
	c := against(t, srv, 0)
	_, err := c.FederatedCredentials(context.Background(), "x")
	var ge *Error
	if !errors.As(err, &ge) || ge.Code != "InvalidNextLink" {
		t.Fatalf("err = %v", err)
	}
}

func TestPagingFollowsNextLink(t *testing.T) {
	c, _, e := setup(t, contributor())
	e.Assign(fakeentra.ClientID, fakeentra.APIClientID, "Orders.Write")
	as, _, err := c.AppRoleAssignments(context.Background(), fakeentra.ClientObjectID)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 {
		t.Fatalf("%d assignments over pages of one, want 2", len(as))
	}
}

func TestForbiddenNamesPermission(t *testing.T) {
	c, _, _ := setup(t, &graphCred{})
	_, _, err := c.ApplicationByAppID(context.Background(), fakeentra.APIClientID)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusForbidden || e.Code != "Authorization_RequestDenied" {
		t.Fatalf("err = %v", err)
	}
	f := e.Finding(Caller{Perms: nil})
	if f.Code != "EVIDENCE_FORBIDDEN" || !strings.Contains(f.Message, PermApplications) || !strings.Contains(f.Fix, "Grant admin consent") {
		t.Errorf("finding %+v", f)
	}
	// Grants need Directory.Read.All: Application.Read.All alone is not enough.
	c2, _, _ := setup(t, &graphCred{roles: []string{"Application.Read.All"}})
	_, _, err = c2.PermissionGrants(context.Background(), fakeentra.ClientObjectID)
	if !errors.As(err, &e) || e.Status != http.StatusForbidden {
		t.Fatalf("grants err = %v", err)
	}
	if f := e.Finding(Caller{}); !strings.Contains(f.Message, PermGrants) {
		t.Errorf("grants finding %q", f.Message)
	}
	// A delegated user: the message says what a user's sign-in can read.
	if f := e.Finding(Caller{Delegated: true, ClientID: fakeentra.AzureCLIClientID}); !strings.Contains(f.Message, "member user") || !strings.Contains(f.Fix, "Directory Readers") {
		t.Errorf("delegated finding %+v", f)
	}
}

func TestDelegatedCLIUserReads(t *testing.T) {
	c, _, _ := setup(t, &graphCred{scopes: fakeentra.AzureCLIGraphScopes})
	ev := c.Read(context.Background(), Target{Audience: fakeentra.APIClientID, ClientID: fakeentra.NoRoleClientID, Delegated: true})
	if len(ev.Failures) > 0 || ev.API == nil || len(ev.Grants) != 1 {
		t.Fatalf("failures %v, grants %+v", ev.Failures, ev.Grants)
	}
}

func TestNotFoundAndThrottle(t *testing.T) {
	c, g, _ := setup(t, contributor())
	_, _, err := c.ApplicationByAppID(context.Background(), "00000000-0000-4000-8000-00000000dead")
	var e *Error
	if !errors.As(err, &e) || !e.NotFound() || e.Code != "Request_ResourceNotFound" {
		t.Fatalf("err = %v", err)
	}
	g.Throttle("/federatedIdentityCredentials", 1)
	start := time.Now()
	fics, err := c.FederatedCredentials(context.Background(), fakegraph.AppObjectID(fakeentra.ClientID))
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Errorf("the retry did not wait for Retry-After: %v", time.Since(start))
	}
	if len(fics) != 1 || fics[0].Issuer != fakeentra.FederatedIssuer || fics[0].Subject != fakeentra.FederatedSubject || fics[0].Audiences[0] != fakeentra.FederatedAudience {
		t.Errorf("fics %+v", fics)
	}
}

func TestEndpointRules(t *testing.T) {
	for _, bad := range []string{"http://graph.example.com", "ftp://x", "https://u:p@graph.microsoft.com", "https://graph.microsoft.com/?a=b"} {
		if _, err := New(Options{Endpoint: bad, Credential: contributor()}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	c, err := New(Options{Endpoint: "http://127.0.0.1:9/v1.0/", Credential: contributor()})
	if err != nil || c.Endpoint() != "http://127.0.0.1:9/v1.0" {
		t.Errorf("loopback: %v %v", c, err)
	}
}

// A list whose pages never end, each within the page bound, stops at the
// list's own bound instead of holding hundreds of MiB.
func TestListIsBounded(t *testing.T) {
	old := maxList
	maxList = 1 << 20
	t.Cleanup(func() { maxList = old })
	var pages atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		w.Write([]byte(`{"value":[{"name":"` + strings.Repeat("a", 300<<10) + `"}],"@odata.nextLink":"` + srv.URL + `/v1.0/next"}`))
	}))
	defer srv.Close()
	c := against(t, srv, 0)
	_, err := c.FederatedCredentials(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") || pages.Load() > 4 {
		t.Fatalf("after %d pages of 300 KiB: %v", pages.Load(), err)
	}
}

// A Graph that keeps answering 429 with a Retry-After within the timeout
// does not make a read wait for every retry: one read, its retries and
// their waits included, ends at the timeout.
func TestThrottledReadEndsAtTimeout(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := against(t, srv, 2500*time.Millisecond)
	start := time.Now()
	_, err := c.FederatedCredentials(context.Background(), "x")
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), "within --timeout") || took > 4500*time.Millisecond {
		t.Fatalf("a read with --timeout 2.5s took %s (three retries after 2 s each would be 6 s): %v", took, err)
	} else {
		t.Logf("%s: %v", took, err)
	}
}

// An object ID from Graph's answer goes into a path only as a GUID: "..",
// a slash or a query cannot make the next read another path.
func TestObjectIDStaysOneSegment(t *testing.T) {
	for id, want := range map[string]string{
		"03ef14b0-ca33-4840-8f4f-d6e91916010e": "03ef14b0-ca33-4840-8f4f-d6e91916010e",
		"..":                                   "invalid-object-id",
		"a/../../applications":                 "invalid-object-id",
		"x?$select=passwordCredentials":        "invalid-object-id",
		"":                                     "invalid-object-id",
	} {
		if got := objectID(id); got != want {
			t.Errorf("objectID(%q) = %q, want %q", id, got, want)
		}
	}
}
