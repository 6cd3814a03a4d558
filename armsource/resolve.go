package armsource

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"
)

// HostQuery is the Azure Resource Graph query that lists the API Management
// services the credential can read, with the properties their gateway host
// names are in. The host is matched here, not in KQL: the URL's host is
// never put into a query.
const HostQuery = "resources | where type =~ 'microsoft.apimanagement/service' | project id, name, resourceGroup, subscriptionId, properties"

// NotFoundError is --apim auto finding no service for the host: exit 3.
type NotFoundError struct {
	Host     string
	Searched int // services the credential could see
	// Cut says the search stopped at maxGraphPages with more pages left:
	// not found among those searched, not "no service has it".
	Cut bool
}

func (e *NotFoundError) Error() string {
	if e.Cut {
		return fmt.Sprintf("none of the first %d API Management services the credential can read has the gateway host %s, and Azure Resource Graph had more than %d pages, which were not read: name the service with --apim NAME -g RG", e.Searched, e.Host, maxGraphPages)
	}
	return fmt.Sprintf("no API Management service the credential can read has the gateway host %s (searched %d services with Azure Resource Graph: default gateway URL, regional URLs, custom Proxy host names); a host behind Front Door or Application Gateway is not in APIM's configuration: name the service with --apim NAME -g RG", e.Host, e.Searched)
}

// AmbiguousError is a host that several services claim: exit 2.
type AmbiguousError struct {
	Host string
	IDs  []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("the gateway host %s belongs to %d services: %s; name one with --apim ID", e.Host, len(e.IDs), strings.Join(e.IDs, ", "))
}

// maxGraphPages bounds the Resource Graph pages read (up to 1000 rows each).
const maxGraphPages = 100

// UsageError is an --apim that cannot be used as given: exit 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Resolve turns --apim (a resource ID, NAME with resourceGroup and
// subscription, or "auto" with the request's URL) into a service.
func (c *Client) Resolve(ctx context.Context, apim, resourceGroup, subscription, rawURL string) (ServiceRef, error) {
	switch {
	case strings.HasPrefix(apim, "/"):
		r, err := ParseID(apim)
		if err != nil {
			return r, &UsageError{Msg: "--apim " + err.Error()}
		}
		return r, nil
	case strings.EqualFold(apim, "auto"):
		if rawURL == "" {
			return ServiceRef{}, &UsageError{Msg: "--apim auto finds the service by the URL's host: give --url URL, or name the service with --apim NAME -g RG"}
		}
		u, err := url.Parse(rawURL)
		if err != nil || u.Hostname() == "" {
			return ServiceRef{}, &UsageError{Msg: fmt.Sprintf("--url %q has no host for --apim auto", rawURL)}
		}
		return c.byHost(ctx, u.Hostname())
	}
	switch {
	case strings.ContainsAny(apim, "/ "):
		return ServiceRef{}, &UsageError{Msg: fmt.Sprintf("--apim %q is neither a resource ID, a service name nor auto", apim)}
	case resourceGroup == "":
		return ServiceRef{}, &UsageError{Msg: "--apim " + apim + " needs --resource-group RG (or give the full resource ID, or --apim auto)"}
	case subscription == "":
		return ServiceRef{}, &UsageError{Msg: "--apim " + apim + " needs --subscription SUB (or AZURE_SUBSCRIPTION_ID)"}
	}
	return ServiceRef{Subscription: subscription, ResourceGroup: resourceGroup, Name: apim}, nil
}

func (c *Client) byHost(ctx context.Context, host string) (ServiceRef, error) {
	cl, err := armresourcegraph.NewClient(c.opts.Credential, c.arm)
	if err != nil {
		return ServiceRef{}, err
	}
	q := HostQuery
	c.logf("Resource Graph: the API Management services this credential can read")
	var ids []string
	searched, cut := 0, false
	opts := &armresourcegraph.QueryRequestOptions{}
	for page := 0; ; page++ {
		resp, err := cl.Resources(ctx, armresourcegraph.QueryRequest{Query: &q, Options: opts}, nil)
		if err != nil {
			return ServiceRef{}, &ReadError{Finding: failure("Microsoft.ResourceGraph/resources/read", "the API Management services (Azure Resource Graph)", "Reader", err)}
		}
		rows, _ := resp.Data.([]any)
		searched += len(rows)
		for _, r := range rows {
			m, _ := r.(map[string]any)
			id, _ := m["id"].(string)
			props, _ := m["properties"].(map[string]any)
			if id != "" && hasHost(props, host) {
				ids = append(ids, id)
			}
		}
		// Resource Graph pages by $skipToken; a bound keeps a hostile or
		// looping answer from holding the command.
		if resp.SkipToken == nil || *resp.SkipToken == "" {
			break
		}
		if cut = page+1 >= maxGraphPages; cut {
			break
		}
		opts = &armresourcegraph.QueryRequestOptions{SkipToken: resp.SkipToken}
	}
	sort.Strings(ids)
	switch len(ids) {
	case 0:
		return ServiceRef{}, &NotFoundError{Host: host, Searched: searched, Cut: cut}
	case 1:
		return ParseID(ids[0])
	}
	return ServiceRef{}, &AmbiguousError{Host: host, IDs: ids}
}

// hasHost says whether a service's properties name host as a gateway;
// case-insensitive, ports ignored.
func hasHost(props map[string]any, host string) bool {
	for _, h := range gatewayHosts(props) {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// gatewayHosts are the host names a service's properties give its gateway:
// gatewayUrl, gatewayRegionalUrl, additionalLocations' gatewayRegionalUrl,
// and the Proxy hostnameConfigurations, without ports.
func gatewayHosts(props map[string]any) []string {
	var hosts []string
	add := func(h string) {
		if h = strings.ToLower(h); h != "" && !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	urlHost := func(v any) {
		s, _ := v.(string)
		if u, err := url.Parse(s); err == nil {
			add(u.Hostname())
		}
	}
	urlHost(props["gatewayUrl"])
	urlHost(props["gatewayRegionalUrl"])
	locs, _ := props["additionalLocations"].([]any)
	for _, l := range locs {
		if m, ok := l.(map[string]any); ok {
			urlHost(m["gatewayRegionalUrl"])
		}
	}
	hcs, _ := props["hostnameConfigurations"].([]any)
	for _, h := range hcs {
		m, _ := h.(map[string]any)
		t, _ := m["type"].(string)
		n, _ := m["hostName"].(string)
		if strings.EqualFold(t, "Proxy") {
			add(strings.Split(n, ":")[0])
		}
	}
	return hosts
}
