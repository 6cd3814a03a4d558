package fakearm

import (
	"regexp"
	"strings"
)

// IdentityQuery is the other Azure Resource Graph query the fake answers:
// the user-assigned identity with a client ID ('=~' compares without case,
// as KQL does), with the same projection as ServiceHostQuery.
var IdentityQuery = regexp.MustCompile(`^resources \| where type =~ 'microsoft\.managedidentity/userassignedidentities' and properties\.clientId =~ '([^']*)' \| project id, name, resourceGroup, subscriptionId, properties$`)

// graphRows answers a query the fake knows (whitespace normalised); ok is
// false for any other, which Resource Graph would run and the fake cannot.
func (s *Server) graphRows(p *principal, query string, subs []string) (rows []obj, ok bool) {
	if query == ServiceHostQuery {
		return s.serviceRows(p, subs), true
	}
	m := IdentityQuery.FindStringSubmatch(query)
	if m == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.identities {
		if !strings.EqualFold(id.ClientID, m[1]) || (len(subs) > 0 && !containsFold(subs, id.SubscriptionID)) {
			continue
		}
		// Resource Graph shows only what the caller may read.
		if !s.allowedLocked(p.oid, "Microsoft.ManagedIdentity/userAssignedIdentities/read", identityID(id)) {
			continue
		}
		rows = append(rows, obj{"id": identityID(id), "name": id.Name, "resourceGroup": strings.ToLower(id.ResourceGroup),
			"subscriptionId": id.SubscriptionID, "properties": obj{"tenantId": s.opts.TenantID, "principalId": id.PrincipalID, "clientId": id.ClientID}})
	}
	return rows, true
}
