package fakearm

import "time"

// Service is one API Management instance and everything in it, as the fake
// serves it. Names are ARM resource names (the last segment of an id);
// display names are what the portal shows.
type Service struct {
	Name, SubscriptionID, ResourceGroup string
	Location                            string // default "West Europe"
	SKU                                 string // default "Developer"
	Capacity                            int    // default 1
	GatewayURL                          string // default https://{name}.azure-api.net
	GatewayRegionalURL                  string
	AdditionalLocations                 []Location
	Hostnames                           []Hostname // hostnameConfigurations
	MinAPIVersion                       string     // apiVersionConstraint.minApiVersion; "" = none
	// NoTracing makes the gateway of this tier ignore debug credentials:
	// listDebugCredentials still answers, but VerifyDebugCredential reports
	// ErrNoTracing, so the simulated gateway sends no trace headers.
	NoTracing bool

	GlobalPolicy  string // raw policy XML at the service scope; "" = none
	APIs          []API
	VersionSets   []VersionSet
	Products      []Product
	Fragments     []Fragment
	NamedValues   []NamedValue
	Subscriptions []Subscription
	Workspaces    []Workspace
}

// Location is an additional region of a Premium instance.
type Location struct {
	Location, GatewayRegionalURL, SKU string
}

// Hostname is one hostnameConfigurations entry: Type is Proxy (the
// gateway), DeveloperPortal, Management, Portal, Scm or ConfigurationApi.
type Hostname struct {
	Type, HostName string
	Default        bool // defaultSslBinding
}

// API is one revision of an API. The current revision's resource name is
// Name; a non-current revision is addressed as "Name;rev=Revision".
type API struct {
	Name, DisplayName, Path, ServiceURL string
	Revision                            string // default "1"
	NotCurrent                          bool   // isCurrent false
	APIVersion                          string // e.g. "v1", with VersionSet
	VersionSet                          string // the version set's name
	SubscriptionRequired                bool
	KeyHeader, KeyQuery                 string   // default Ocp-Apim-Subscription-Key, subscription-key
	Protocols                           []string // default ["https"]
	Type                                string   // default "http"
	Operations                          []Operation
	Policy                              string // raw policy XML at the API (revision) scope
}

// Operation is an API operation.
type Operation struct {
	Name, DisplayName, Method, URLTemplate string
	Policy                                 string // raw policy XML at the operation scope
}

// VersionSet groups the versions of an API: Scheme is Segment, Query or
// Header.
type VersionSet struct {
	Name, DisplayName, Scheme string
	QueryName, HeaderName     string
}

// Product is a product and the APIs (names) in it.
type Product struct {
	Name, DisplayName    string
	SubscriptionRequired bool
	ApprovalRequired     bool
	State                string // published (default) or notPublished
	APIs                 []string
	Policy               string
}

// Fragment is a policy fragment; Value is its <fragment> document.
type Fragment struct {
	Name, Description, Value string
}

// NamedValue is a named value. Policies refer to it by DisplayName, which
// may differ from Name (its resource name). A secret one shows no value
// until listValue; a Key Vault one carries the vault's last status.
type NamedValue struct {
	Name, DisplayName, Value string
	Secret                   bool
	Tags                     []string
	KeyVault                 *KeyVault
}

// KeyVault is a named value's Key Vault reference and the last refresh.
type KeyVault struct {
	SecretIdentifier, IdentityClientID string
	Status, Message                    string // lastStatus.code: Success or Failed
	Checked                            time.Time
}

// Subscription is an APIM subscription (a key pair). Scope is as APIM takes
// it on creation: "/products/{id}", "/apis/{id}", "/apis" (all APIs) or "/"
// (the built-in all-access subscription); the fake serves it as a full id.
type Subscription struct {
	Name, DisplayName, Scope string
	State                    string // active (default), submitted, suspended, ...
	Owner                    string // user name; "" for none
	PrimaryKey, SecondaryKey string
	AllowTracing             bool
}

// Workspace is a workspace with a policy of its own.
type Workspace struct {
	Name, DisplayName, Policy string
}

// Identity is a user-assigned managed identity and its federated identity
// credentials.
type Identity struct {
	SubscriptionID, ResourceGroup, Name string
	ClientID, PrincipalID               string // its app (client) and service principal (object) IDs
	Federated                           []FederatedCredential
}

// FederatedCredential is one federated identity credential.
type FederatedCredential struct {
	Name, Issuer, Subject string
	Audiences             []string
}
