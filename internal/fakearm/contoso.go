package fakearm

import "github.com/entratoken/entratoken/internal/fakeentra"

// The demo service and its neighbours.
const (
	ContosoSubscription  = "00000000-0000-4000-8000-000000000000"
	ContosoResourceGroup = "apis"
	ContosoService       = "contoso"
	ContosoGatewayURL    = "https://contoso.azure-api.net"
	ContosoRegionalURL   = "https://contoso-westeurope-01.regional.azure-api.net"
	ContosoNorthURL      = "https://contoso-northeurope-01.regional.azure-api.net" // the additional region's gateway
	ContosoCustomHost    = "api.contoso.com"                                       // a Proxy custom domain
	ContosoMinAPIVersion = "2021-08-01"

	// Subscription keys (shown only by listSecrets). StarterKey and
	// PartnersKey are the same values as fakeapim's SubscriptionKey and
	// OtherSubscriptionKey, so the simulated gateway and ARM agree.
	StarterKey   = "0123456789abcdef0123456789abcdef"
	PartnersKey  = "fedcba9876543210fedcba9876543210"
	OrdersAPIKey = "0a0a0a0a0b0b0b0b0c0c0c0c0d0d0d0d" // an API-scoped key (orders): no product policy applies
	AllAPIsKey   = "1a1a1a1a1b1b1b1b1c1c1c1c1d1d1d1d" // an all-APIs key
	MasterKey    = "2a2a2a2a2b2b2b2b2c2c2c2c2d2d2d2d" // the built-in all-access subscription

	// BackendKeyValue is the secret named value backend-key.
	BackendKeyValue = "backend-secret~5c4b3a29180716f5"
)

// ContosoServiceID is the demo service's resource id.
var ContosoServiceID = ServiceID(ContosoSubscription, ContosoResourceGroup, ContosoService)

// Contoso returns the demo: the contoso service (resource group apis)
// whose APIs, products, policies, fragments and named values mirror the
// APIOps fixture testdata/apiops/contoso; the orders user-assigned identity
// with the GitHub federated credential; and role assignments for
// fakeentra's principals: evidence-reader and the signed-in developer are
// API Management Service Readers, evidence-contributor is an API Management
// Service Contributor, evidence-none has nothing; the three with a role can
// also read the identity (Reader on its resource group). Set Entra before
// passing it to New.
func Contoso() Options {
	return Options{
		Services:    []Service{contosoService()},
		Identities:  []Identity{ordersIdentity()},
		Assignments: contosoAssignments(),
	}
}

func contosoService() Service {
	ops := []Operation{
		{Name: "get-order", DisplayName: "Get order", Method: "GET", URLTemplate: "/{id}"},
		{Name: "list-orders", DisplayName: "List orders", Method: "GET", URLTemplate: "/"},
		{Name: "create-order", DisplayName: "Create order", Method: "POST", URLTemplate: "/", Policy: createOrderPolicy},
	}
	inventory := func(version string) []Operation {
		o := []Operation{
			{Name: "list-items", DisplayName: "List items", Method: "GET", URLTemplate: "/items"},
			{Name: "get-item", DisplayName: "Get item", Method: "GET", URLTemplate: "/items/{sku}"},
		}
		if version == "v2" {
			o = append(o, Operation{Name: "reserve-item", DisplayName: "Reserve item", Method: "POST", URLTemplate: "/items/{sku}/reservations"})
		}
		return o
	}
	return Service{
		Name: ContosoService, SubscriptionID: ContosoSubscription, ResourceGroup: ContosoResourceGroup,
		Location: "West Europe", SKU: "Premium", Capacity: 1,
		GatewayURL: ContosoGatewayURL, GatewayRegionalURL: ContosoRegionalURL,
		AdditionalLocations: []Location{{Location: "North Europe", GatewayRegionalURL: ContosoNorthURL}},
		Hostnames: []Hostname{
			{Type: "Proxy", HostName: ContosoCustomHost, Default: true},
			{Type: "DeveloperPortal", HostName: "developer.contoso.com"},
			{Type: "Management", HostName: "management.contoso.com"},
		},
		MinAPIVersion: ContosoMinAPIVersion,
		GlobalPolicy:  globalPolicy,
		APIs: []API{
			{Name: "orders", DisplayName: "Orders", Path: "orders", ServiceURL: "https://orders.internal.contoso.com",
				SubscriptionRequired: true, Operations: ops, Policy: ordersPolicy},
			{Name: "orders", DisplayName: "Orders", Path: "orders", ServiceURL: "https://orders.internal.contoso.com",
				Revision: "2", NotCurrent: true, SubscriptionRequired: true, Operations: ops, Policy: ordersRev2Policy},
			{Name: "inventory-v1", DisplayName: "Inventory", Path: "inventory", ServiceURL: "https://inventory.internal.contoso.com/v1",
				APIVersion: "v1", VersionSet: "inventory", SubscriptionRequired: true, Operations: inventory("v1")},
			{Name: "inventory-v2", DisplayName: "Inventory", Path: "inventory", ServiceURL: "https://inventory.internal.contoso.com/v2",
				APIVersion: "v2", VersionSet: "inventory", SubscriptionRequired: true, Operations: inventory("v2"), Policy: inventoryV2Policy},
			{Name: "status", DisplayName: "Status", Path: "status", ServiceURL: "https://status.internal.contoso.com",
				SubscriptionRequired: false, Operations: []Operation{{Name: "get-status", DisplayName: "Get status", Method: "GET", URLTemplate: "/"}},
				Policy: statusPolicy},
		},
		VersionSets: []VersionSet{{Name: "inventory", DisplayName: "Inventory", Scheme: "Segment"}},
		Products: []Product{
			{Name: "starter", DisplayName: "Starter", SubscriptionRequired: true, APIs: []string{"orders", "inventory-v1", "inventory-v2"}, Policy: starterPolicy},
			{Name: "partners", DisplayName: "Partners", SubscriptionRequired: true, ApprovalRequired: true, APIs: []string{"orders"}, Policy: partnersPolicy},
			{Name: "public", DisplayName: "Public", SubscriptionRequired: false, APIs: []string{"status"}},
		},
		Fragments: []Fragment{
			{Name: "correlation-id", Description: "Sets x-correlation-id from the request id", Value: correlationFragment},
			{Name: "jwt-orders", Description: "The orders API's token check", Value: jwtOrdersFragment},
		},
		NamedValues: []NamedValue{
			{Name: "tenant-id", DisplayName: "tenant-id", Value: fakeentra.TenantID},
			{Name: "orders-audience", DisplayName: "orders-audience", Value: fakeentra.APIAppIDURI},
			{Name: "backend-key", DisplayName: "backend-key", Value: BackendKeyValue, Secret: true},
		},
		Subscriptions: []Subscription{
			{Name: "starter-adele", DisplayName: "Starter (Adele)", Scope: "/products/starter", Owner: "adele", PrimaryKey: StarterKey, SecondaryKey: "3a3a3a3a3b3b3b3b3c3c3c3c3d3d3d3d"},
			{Name: "partners-fabrikam", DisplayName: "Partners (Fabrikam)", Scope: "/products/partners", Owner: "fabrikam", PrimaryKey: PartnersKey, SecondaryKey: "4a4a4a4a4b4b4b4b4c4c4c4c4d4d4d4d"},
			{Name: "orders-only", DisplayName: "Orders API only", Scope: "/apis/orders", PrimaryKey: OrdersAPIKey, SecondaryKey: "5a5a5a5a5b5b5b5b5c5c5c5c5d5d5d5d"},
			{Name: "all-apis", DisplayName: "All APIs", Scope: "/apis", PrimaryKey: AllAPIsKey, SecondaryKey: "6a6a6a6a6b6b6b6b6c6c6c6c6d6d6d6d"},
			{Name: "master", DisplayName: "Built-in all-access subscription", Scope: "/", Owner: "1", PrimaryKey: MasterKey, SecondaryKey: "7a7a7a7a7b7b7b7b7c7c7c7c7d7d7d7d"},
		},
	}
}

// ordersIdentity is fakeentra's user-assigned identity (orders-uami) with
// the federated credential GitHub Actions' prod environment uses.
func ordersIdentity() Identity {
	return Identity{SubscriptionID: ContosoSubscription, ResourceGroup: "orders", Name: "orders-uami",
		ClientID: fakeentra.UAMIClientID, PrincipalID: fakeentra.UAMIObjectID,
		Federated: []FederatedCredential{{Name: "github-prod", Issuer: fakeentra.FederatedIssuer,
			Subject: fakeentra.FederatedSubject, Audiences: []string{fakeentra.FederatedAudience}}}}
}

func contosoAssignments() []Assignment {
	ordersRG := "/subscriptions/" + ContosoSubscription + "/resourceGroups/orders"
	return []Assignment{
		{PrincipalID: fakeentra.EvidenceReaderObjectID, Role: APIManagementServiceReader, Scope: ContosoServiceID},
		{PrincipalID: fakeentra.EvidenceContributorObjectID, Role: APIManagementServiceContributor, Scope: ContosoServiceID},
		{PrincipalID: fakeentra.UserObjectID, Role: APIManagementServiceReader, Scope: ContosoServiceID},
		{PrincipalID: fakeentra.EvidenceReaderObjectID, Role: Reader, Scope: ordersRG},
		{PrincipalID: fakeentra.EvidenceContributorObjectID, Role: Reader, Scope: ordersRG},
		{PrincipalID: fakeentra.UserObjectID, Role: Reader, Scope: ordersRG},
	}
}
