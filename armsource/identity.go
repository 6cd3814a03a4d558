package armsource

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"

	"github.com/entratoken/entratoken/federation"
	"github.com/entratoken/entratoken/internal/finding"
)

// MSIVersion is the Microsoft.ManagedIdentity api-version read (stable;
// 2023-01-31 serves the same shapes).
const MSIVersion = "2024-11-30"

// The ARM actions the identity reads need; Reader (and Managed Identity
// Operator) has both.
const (
	actionIdentityRead        = "Microsoft.ManagedIdentity/userAssignedIdentities/read"
	actionFederatedRead       = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read"
	identityRole              = "Reader (or Managed Identity Operator)"
	maxIdentityBody     int64 = 4 << 20
)

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IdentityQuery is the Azure Resource Graph query that finds the
// user-assigned identity with a client ID. clientID must be a GUID (the
// caller checks; nothing else is ever put into a query).
func IdentityQuery(clientID string) string {
	return "resources | where type =~ 'microsoft.managedidentity/userassignedidentities' and properties.clientId =~ '" + clientID +
		"' | project id, name, resourceGroup, subscriptionId, properties"
}

// FindIdentity looks for the user-assigned identity whose client ID is
// clientID with Azure Resource Graph, which shows only what the credential
// may read. nil, nil: none is visible (an app registration's client ID, or
// an identity the credential cannot read).
func (c *Client) FindIdentity(ctx context.Context, clientID string) (*federation.Identity, error) {
	if !guid.MatchString(clientID) {
		return nil, &UsageError{Msg: fmt.Sprintf("the client ID %q is not a GUID", clientID)}
	}
	cl, err := armresourcegraph.NewClient(c.opts.Credential, c.arm)
	if err != nil {
		return nil, err
	}
	q := IdentityQuery(strings.ToLower(clientID))
	c.logf("Resource Graph: the user-assigned identity with client ID %s", clientID)
	resp, err := cl.Resources(ctx, armresourcegraph.QueryRequest{Query: &q}, nil)
	if err != nil {
		return nil, &ReadError{Finding: failure("Microsoft.ResourceGraph/resources/read", "the user-assigned identities (Azure Resource Graph)", "Reader", err)}
	}
	rows, _ := resp.Data.([]any)
	for _, r := range rows {
		m, _ := r.(map[string]any)
		id, _ := m["id"].(string)
		props, _ := m["properties"].(map[string]any)
		if cid, _ := props["clientId"].(string); !strings.EqualFold(cid, clientID) {
			continue // only what was asked for, whatever the service answered
		}
		ident, err := ParseIdentityID(id)
		if err != nil {
			continue
		}
		ident.ClientID = clientID
		ident.ObjectID, _ = props["principalId"].(string)
		return &ident, nil
	}
	return nil, nil
}

// ParseIdentityID reads a user-assigned identity's resource ID.
func ParseIdentityID(id string) (federation.Identity, error) {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) != 8 || !strings.EqualFold(segs[0], "subscriptions") || !strings.EqualFold(segs[2], "resourceGroups") ||
		!strings.EqualFold(segs[4], "providers") || !strings.EqualFold(segs[5], "Microsoft.ManagedIdentity") ||
		!strings.EqualFold(segs[6], "userAssignedIdentities") || segs[1] == "" || segs[3] == "" || segs[7] == "" {
		return federation.Identity{}, fmt.Errorf("%q is not a user-assigned identity's resource ID (/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)", id)
	}
	return federation.Identity{Kind: federation.KindUAMI, Subscription: segs[1], ResourceGroup: segs[3], Name: segs[7],
		ResourceID: "/subscriptions/" + segs[1] + "/resourceGroups/" + segs[3] + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + segs[7]}, nil
}

// Identity reads a user-assigned identity (its client and principal IDs).
func (c *Client) Identity(ctx context.Context, id federation.Identity) (federation.Identity, error) {
	var body struct {
		Properties struct{ ClientID, PrincipalID string } `json:"properties"`
	}
	if _, err := c.getJSON(ctx, id.ResourceID, &body); err != nil {
		return id, &ReadError{Finding: identityFailure(actionIdentityRead, "the user-assigned identity "+id.ResourceID, err)}
	}
	id.ClientID, id.ObjectID = body.Properties.ClientID, body.Properties.PrincipalID
	return id, nil
}

// FederatedCredentials lists a user-assigned identity's federated identity
// credentials, every page.
func (c *Client) FederatedCredentials(ctx context.Context, id federation.Identity) ([]federation.Credential, error) {
	type page struct {
		Value []struct {
			ID, Name   string
			Properties struct {
				Issuer, Subject string
				Audiences       []string
			}
		}
		NextLink string `json:"nextLink"`
	}
	var out []federation.Credential
	next := id.ResourceID + "/federatedIdentityCredentials"
	for pages := 0; next != "" && pages < 50; pages++ {
		var p page
		if _, err := c.getJSON(ctx, next, &p); err != nil {
			return nil, &ReadError{Finding: identityFailure(actionFederatedRead, "the federated credentials of "+id.ResourceID, err)}
		}
		for _, v := range p.Value {
			out = append(out, federation.Credential{Name: v.Name, ID: v.ID, Issuer: v.Properties.Issuer, Subject: v.Properties.Subject, Audiences: v.Properties.Audiences})
		}
		next = p.NextLink
	}
	return out, nil
}

// getJSON GETs a resource path (or an absolute nextLink on ARM's endpoint)
// through the ARM pipeline (bearer token, retries, the --timeout), taking
// at most maxIdentityBody bytes.
func (c *Client) getJSON(ctx context.Context, pathOrLink string, v any) (int, error) {
	cl, err := arm.NewClient("entratoken/armsource", "v1", c.opts.Credential, c.arm)
	if err != nil {
		return 0, err
	}
	u := pathOrLink
	if strings.HasPrefix(u, "/") {
		u = cl.Endpoint() + u + "?api-version=" + MSIVersion
	} // a nextLink elsewhere than ARM's origin is refused by the transport (limitTransport)
	c.logf("ARM: GET %s", u)
	req, err := runtime.NewRequest(ctx, http.MethodGet, u)
	if err != nil {
		return 0, err
	}
	// The body is downloaded inside the pipeline, within its per-read
	// deadline (readDeadline), as the Graph client does.
	resp, err := cl.Pipeline().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return resp.StatusCode, runtime.NewResponseError(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxIdentityBody+1))
	if err != nil {
		return resp.StatusCode, err
	}
	if int64(len(b)) > maxIdentityBody {
		return resp.StatusCode, fmt.Errorf("ARM's answer is larger than %d bytes", maxIdentityBody)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return resp.StatusCode, fmt.Errorf("ARM answered JSON that does not parse: %v", err)
	}
	return resp.StatusCode, nil
}

// identityFailure is failure with the fix for a managed identity's reads.
func identityFailure(action, what string, err error) finding.Finding {
	f := failure(action, what, identityRole, err)
	switch {
	case status(err) == http.StatusForbidden:
		f.Fix = "assign the credential that reads the evidence Reader (or Managed Identity Operator) on the identity or its resource group (Azure portal > Managed Identities > the identity > Access control (IAM)), or read as someone who has it (--credential); a new role assignment can take minutes to apply: sign in again"
	case isNotFound(err):
		f.Message = what + " was not found: ARM answered 404"
		f.Fix = "check the identity's resource ID (--mi-resource-id), or let entratoken find it by its client ID"
	default:
		f.Fix = "retry, or check --arm-endpoint and the network"
	}
	return f
}
