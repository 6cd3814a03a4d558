package armsource

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/federation"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
)

func TestIdentityQueryIsTheFakesShape(t *testing.T) {
	if !fakearm.IdentityQuery.MatchString(IdentityQuery("f1f2f3f4-0000-4000-8000-0000000000a2")) {
		t.Fatalf("fakearm does not answer %q", IdentityQuery("x"))
	}
}

func TestFindIdentityAndItsCredentials(t *testing.T) {
	ctx := context.Background()
	extra := func(o *fakearm.Options) {
		id := &o.Identities[0]
		for _, n := range []string{"github-main", "github-pr"} { // three credentials: two pages of two
			id.Federated = append(id.Federated, fakearm.FederatedCredential{Name: n, Issuer: federation.GitHubIssuer, Subject: "repo:contoso/orders:" + n})
		}
	}
	c, _ := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID, extra)
	// The client ID in another case: Resource Graph's =~ ignores case.
	id, err := c.FindIdentity(ctx, strings.ToUpper(fakeentra.UAMIClientID))
	if err != nil || id == nil {
		t.Fatalf("FindIdentity: %v, %v", id, err)
	}
	if id.ResourceID != fakeentra.UAMIResourceID || id.Name != "orders-uami" || id.ResourceGroup != "orders" || id.ObjectID != fakeentra.UAMIObjectID {
		t.Fatalf("identity %+v", id)
	}
	got, err := c.Identity(ctx, *id)
	if err != nil || got.ClientID != fakeentra.UAMIClientID {
		t.Fatalf("Identity: %+v, %v", got, err)
	}
	creds, err := c.FederatedCredentials(ctx, *id)
	if err != nil {
		t.Fatal(err)
	}
	if len(creds) != 3 || creds[0].Name != "github-prod" || creds[0].Subject != fakeentra.FederatedSubject || creds[0].Audiences[0] != federation.DefaultAudience ||
		!strings.HasSuffix(creds[2].ID, "/federatedIdentityCredentials/github-pr") {
		t.Fatalf("credentials %+v", creds)
	}
	// An app registration's client ID is no identity.
	if id, err := c.FindIdentity(ctx, fakeentra.ClientID); id != nil || err != nil {
		t.Fatalf("FindIdentity(app) = %+v, %v", id, err)
	}
	if _, err := c.FindIdentity(ctx, "x' or 1==1 //"); err == nil {
		t.Fatal("a client ID that is not a GUID must never reach a query")
	}
}

func TestIdentityWithoutRights(t *testing.T) {
	ctx := context.Background()
	c, _ := newClient(t, fakeentra.EvidenceNoneClientID, fakeentra.EvidenceNoneObjectID)
	// Resource Graph hides what the caller may not read.
	if id, err := c.FindIdentity(ctx, fakeentra.UAMIClientID); id != nil || err != nil {
		t.Fatalf("FindIdentity = %+v, %v", id, err)
	}
	ref, _ := ParseIdentityID(fakeentra.UAMIResourceID)
	_, err := c.FederatedCredentials(ctx, ref)
	var re *ReadError
	if !errors.As(err, &re) || re.Finding.Code != finding.EvidenceForbidden || re.Finding.Expected != actionFederatedRead || !strings.Contains(re.Finding.Fix, "Reader") {
		t.Fatalf("err = %v (%+v)", err, re)
	}
	ref.ResourceID = strings.Replace(ref.ResourceID, "orders-uami", "nobody", 1)
	c, _ = newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
	_, err = c.FederatedCredentials(ctx, ref)
	if !errors.As(err, &re) || re.Finding.Code != finding.EvidenceUnavailable || !strings.Contains(re.Finding.Message, "404") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseIdentityID(t *testing.T) {
	if _, err := ParseIdentityID("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/x"); err == nil {
		t.Fatal("an APIM ID is no identity")
	}
	id, err := ParseIdentityID("subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/n/")
	if err != nil || id.ResourceID != "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/n" {
		t.Fatalf("%+v %v", id, err)
	}
}
