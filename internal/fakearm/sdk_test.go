package fakearm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/apimanagement/armapimanagement/v3"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

// sdk returns the client options and a credential for the real Azure SDK
// clients the evidence code uses, pointed at the simulated tenant and ARM.
func (w *world) sdk(client, secret string) (azcore.TokenCredential, *arm.ClientOptions) {
	w.t.Helper()
	c := cloud.Configuration{ActiveDirectoryAuthorityHost: w.entra.URL,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {Endpoint: w.arm.URL, Audience: DefaultAudience}}}
	cred, err := azidentity.NewClientSecretCredential(fakeentra.TenantID, client, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{Cloud: c, Transport: w.entra.Client()}, DisableInstanceDiscovery: true})
	if err != nil {
		w.t.Fatal(err)
	}
	return cred, &arm.ClientOptions{ClientOptions: azcore.ClientOptions{Cloud: c, Transport: w.arm.Client(),
		Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: 10 * time.Millisecond}}}
}

func status(err error) (int, string) {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode, re.ErrorCode
	}
	return 0, ""
}

// The fake answers armapimanagement/v3 (api-version 2024-05-01) exactly as
// the client sends and parses: paths, methods, query, bodies, paging.
func TestArmapimanagementAgainstTheFake(t *testing.T) {
	for _, last := range []LastPage{NextLinkAbsent, NextLinkNull, NextLinkEmpty} {
		w := newWorld(t, func(o *Options) { o.LastPage = last })
		ctx := context.Background()
		cred, opts := w.sdk(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderSecret)
		f, err := armapimanagement.NewClientFactory(ContosoSubscription, cred, opts)
		if err != nil {
			t.Fatal(err)
		}
		svcResp, err := f.NewServiceClient().Get(ctx, ContosoResourceGroup, ContosoService, nil)
		if err != nil || *svcResp.Properties.GatewayURL != ContosoGatewayURL || len(svcResp.Properties.HostnameConfigurations) != 4 ||
			*svcResp.Properties.APIVersionConstraint.MinAPIVersion != ContosoMinAPIVersion || *svcResp.Properties.AdditionalLocations[0].GatewayRegionalURL != ContosoNorthURL {
			t.Fatalf("ServiceClient.Get: %v %+v", err, svcResp.Properties)
		}
		var apis []string
		pager := f.NewAPIClient().NewListByServicePager(ContosoResourceGroup, ContosoService, nil)
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.Value {
				apis = append(apis, *a.Name)
			}
		}
		if !slices.Equal(apis, []string{"orders", "orders;rev=2", "inventory-v1", "inventory-v2", "status"}) {
			t.Errorf("last page %d: APIClient pager: %v", last, apis)
		}
		pol, err := f.NewPolicyClient().Get(ctx, ContosoResourceGroup, ContosoService, armapimanagement.PolicyIDNamePolicy,
			&armapimanagement.PolicyClientGetOptions{Format: to.Ptr(armapimanagement.PolicyExportFormatRawxml)})
		if err != nil || *pol.Properties.Value != globalPolicy || *pol.Properties.Format != armapimanagement.PolicyContentFormatRawxml || pol.ETag == nil {
			t.Errorf("PolicyClient.Get rawxml: %v %+v", err, pol)
		}
		op, err := f.NewAPIOperationPolicyClient().Get(ctx, ContosoResourceGroup, ContosoService, "orders", "create-order", armapimanagement.PolicyIDNamePolicy,
			&armapimanagement.APIOperationPolicyClientGetOptions{Format: to.Ptr(armapimanagement.PolicyExportFormatXML)})
		if err != nil || !strings.Contains(*op.Properties.Value, "&amp;&amp;") {
			t.Errorf("APIOperationPolicyClient.Get xml: %v", err)
		}
		prod, err := f.NewProductPolicyClient().Get(ctx, ContosoResourceGroup, ContosoService, "partners", armapimanagement.PolicyIDNamePolicy,
			&armapimanagement.ProductPolicyClientGetOptions{Format: to.Ptr(armapimanagement.PolicyExportFormatRawxml)})
		if err != nil || !strings.Contains(*prod.Properties.Value, "Partners.Access") {
			t.Errorf("ProductPolicyClient.Get: %v", err)
		}
		_, err = f.NewAPIPolicyClient().Get(ctx, ContosoResourceGroup, ContosoService, "inventory-v1", armapimanagement.PolicyIDNamePolicy, nil)
		if code, ec := status(err); code != 404 || ec != "ResourceNotFound" {
			t.Errorf("APIPolicyClient.Get without a policy: %v", err)
		}
		n := 0
		all := f.NewAllPoliciesClient().NewListByServicePager(ContosoResourceGroup, ContosoService, nil)
		for all.More() {
			page, err := all.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.Value)
		}
		if n != 9 {
			t.Errorf("AllPoliciesClient: %d", n)
		}
		frag, err := f.NewPolicyFragmentClient().Get(ctx, ContosoResourceGroup, ContosoService, "jwt-orders",
			&armapimanagement.PolicyFragmentClientGetOptions{Format: to.Ptr(armapimanagement.PolicyFragmentContentFormatRawxml)})
		if err != nil || *frag.Properties.Value != jwtOrdersFragment {
			t.Errorf("PolicyFragmentClient.Get: %v", err)
		}
		_, err = f.NewNamedValueClient().ListValue(ctx, ContosoResourceGroup, ContosoService, "backend-key", nil)
		if code, ec := status(err); code != 403 || ec != "AuthorizationFailed" {
			t.Errorf("reader NamedValueClient.ListValue: %v", err)
		}
	}
}

func TestArmapimanagementContributor(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cred, opts := w.sdk(fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorSecret)
	f, err := armapimanagement.NewClientFactory(ContosoSubscription, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	nv, err := f.NewNamedValueClient().ListValue(ctx, ContosoResourceGroup, ContosoService, "backend-key", nil)
	if err != nil || *nv.Value != BackendKeyValue {
		t.Errorf("NamedValueClient.ListValue: %v", err)
	}
	keys, err := f.NewSubscriptionClient().ListSecrets(ctx, ContosoResourceGroup, ContosoService, "partners-fabrikam", nil)
	if err != nil || *keys.PrimaryKey != PartnersKey {
		t.Errorf("SubscriptionClient.ListSecrets: %v", err)
	}
	gw := f.NewGatewayClient()
	cr, err := gw.ListDebugCredentials(ctx, ContosoResourceGroup, ContosoService, "managed", armapimanagement.GatewayListDebugCredentialsContract{
		APIID:                  to.Ptr(ContosoServiceID + "/apis/orders"),
		Purposes:               []*armapimanagement.GatewayListDebugCredentialsContractPurpose{to.Ptr(armapimanagement.GatewayListDebugCredentialsContractPurposeTracing)},
		CredentialsExpireAfter: to.Ptr("PT1H"),
	}, nil)
	if err != nil {
		t.Fatalf("GatewayClient.ListDebugCredentials: %v", err)
	}
	if api, err := w.arm.VerifyDebugCredential(*cr.Token, time.Now()); err != nil || api != "orders" {
		t.Errorf("the SDK's token: %q %v", api, err)
	}
	w.arm.RecordTrace("abc", json.RawMessage(`{"serviceName":"contoso","traceId":"abc","traceEntries":{"inbound":[]}}`))
	tr, err := gw.ListTrace(ctx, ContosoResourceGroup, ContosoService, "managed", armapimanagement.GatewayListTraceContract{TraceID: to.Ptr("abc")}, nil)
	if err != nil || tr.Value["serviceName"] != "contoso" {
		t.Errorf("GatewayClient.ListTrace: %v %v", err, tr.Value)
	}
	// azcore's retry honours the injected 429's Retry-After.
	w.arm.InjectThrottle("/apis/orders")
	start := time.Now()
	if _, err := f.NewAPIClient().Get(ctx, ContosoResourceGroup, ContosoService, "orders", nil); err != nil {
		t.Fatalf("APIClient.Get after a 429: %v", err)
	}
	if time.Since(start) < time.Second || w.arm.Hits(http.MethodGet, ContosoServiceID+"/apis/orders") != 2 {
		t.Errorf("the 429 was not retried after Retry-After: %v, %d hits", time.Since(start), w.arm.Hits(http.MethodGet, ContosoServiceID+"/apis/orders"))
	}
}

func TestArmresourcegraphAgainstTheFake(t *testing.T) {
	w := newWorld(t)
	cred, opts := w.sdk(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderSecret)
	c, err := armresourcegraph.NewClient(cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Resources(context.Background(), armresourcegraph.QueryRequest{Query: to.Ptr(ServiceHostQuery),
		Options: &armresourcegraph.QueryRequestOptions{ResultFormat: to.Ptr(armresourcegraph.ResultFormatObjectArray)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := resp.Data.([]any)
	if *resp.Count != 1 || len(rows) != 1 || rows[0].(map[string]any)["name"] != ContosoService {
		t.Errorf("Resources: %+v", resp.QueryResponse)
	}
}
