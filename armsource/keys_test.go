package armsource

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// ordersAPI reads the service for a request to the orders API and returns it.
func ordersAPI(t *testing.T, c *Client) *policy.API {
	t.Helper()
	ev, err := c.Read(context.Background(), contoso, Request{Method: "GET", URL: "https://contoso.azure-api.net/orders/42"})
	if err != nil {
		t.Fatal(err)
	}
	return ev.Service.FindAPI("orders")
}

func listSecretsCalls(s *fakearm.Server) int {
	n := 0
	for _, r := range s.Requests() {
		if strings.HasPrefix(r, http.MethodPost+" ") && strings.Contains(r, "/listSecrets") {
			n++
		}
	}
	return n
}

func TestKeyOwnerFindsTheSubscription(t *testing.T) {
	c, s := newClient(t, fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorObjectID)
	api := ordersAPI(t, c)
	for _, tc := range []struct {
		key, sub string
		secrets  int // listSecrets calls: those that could match come first, and it stops at the match
	}{
		{fakearm.StarterKey, "starter-adele", 1},
		{fakearm.PartnersKey, "partners-fabrikam", 2},
		{"4a4a4a4a4b4b4b4b4c4c4c4c4d4d4d4d", "partners-fabrikam", 2}, // the secondary key
		{fakearm.MasterKey, "master", 5},
		{"not-a-key-of-anything", "", 5},
	} {
		before := listSecretsCalls(s)
		owner, fs := c.KeyOwner(context.Background(), contoso, tc.key, api)
		if len(fs) > 0 || owner == nil {
			t.Fatalf("%s: owner %v, findings %v", tc.sub, owner, fs)
		}
		got := ""
		if owner.Subscription != nil {
			got = owner.Subscription.Name
		}
		if got != tc.sub {
			t.Errorf("key of %q: got subscription %q", tc.sub, got)
		}
		if n := listSecretsCalls(s) - before; n != tc.secrets {
			t.Errorf("key of %q: %d listSecrets, want %d", tc.sub, n, tc.secrets)
		}
	}
}

func TestKeyOwnerWithoutTheRight(t *testing.T) {
	c, s := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
	owner, fs := c.KeyOwner(context.Background(), contoso, fakearm.PartnersKey, ordersAPI(t, c))
	if owner != nil || len(fs) != 1 || fs[0].Code != finding.EvidenceForbidden {
		t.Fatalf("owner %v, findings %+v", owner, fs)
	}
	if fs[0].Expected != ActionListSecrets || !strings.Contains(fs[0].Fix, ContributorRole) || !strings.Contains(fs[0].Fix, "--product") {
		t.Errorf("finding does not name the action, the role and --product: %+v", fs[0])
	}
	if n := listSecretsCalls(s); n != 1 { // one 403 says the rest
		t.Errorf("%d listSecrets after a 403, want 1", n)
	}
}
