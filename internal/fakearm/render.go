package fakearm

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"time"
)

// obj is a JSON object as the fake writes it.
type obj = map[string]any

// created is the fixed creation time of every seeded entity.
var created = time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC).Format("2006-01-02T15:04:05.000Z")

// etag is a stable entity tag for a document, quoted as APIM sends it.
func etag(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return `"` + base64.StdEncoding.EncodeToString(sum[:8]) + `"`
}

// serviceProperties are a service's properties as GET {S} (and Resource
// Graph) return them (ApiManagementServiceGetService.json).
func serviceProperties(svc *Service) obj {
	host := strings.TrimPrefix(svc.GatewayURL, "https://")
	stem := strings.TrimSuffix(host, ".azure-api.net")
	hn := make([]obj, 0, len(svc.Hostnames))
	for _, h := range svc.Hostnames {
		source := "Custom"
		if strings.HasSuffix(h.HostName, ".azure-api.net") {
			source = "BuiltIn"
		}
		hn = append(hn, obj{"type": h.Type, "hostName": h.HostName, "negotiateClientCertificate": false,
			"defaultSslBinding": h.Default, "certificateSource": source})
	}
	al := make([]obj, 0, len(svc.AdditionalLocations))
	for _, l := range svc.AdditionalLocations {
		al = append(al, obj{"location": l.Location, "sku": obj{"name": firstNonEmpty(l.SKU, svc.SKU), "capacity": 1}, "zones": []string{},
			"publicIPAddresses": []string{"20.0.0.2"}, "gatewayRegionalUrl": l.GatewayRegionalURL, "disableGateway": false, "platformVersion": "stv2"})
	}
	constraint := obj{}
	if svc.MinAPIVersion != "" {
		constraint["minApiVersion"] = svc.MinAPIVersion
	}
	p := obj{
		"publisherEmail": "apis@contoso.com", "publisherName": "Contoso", "notificationSenderEmail": "apimgmt-noreply@mail.windowsazure.com",
		"provisioningState": "Succeeded", "targetProvisioningState": "", "createdAtUtc": created,
		"gatewayUrl":             svc.GatewayURL,
		"portalUrl":              "https://" + stem + ".portal.azure-api.net",
		"developerPortalUrl":     "https://" + stem + ".developer.azure-api.net",
		"managementApiUrl":       "https://" + stem + ".management.azure-api.net",
		"scmUrl":                 "https://" + stem + ".scm.azure-api.net",
		"hostnameConfigurations": hn, "publicIPAddresses": []string{"20.0.0.1"}, "additionalLocations": al,
		"virtualNetworkType": "None", "disableGateway": false, "apiVersionConstraint": constraint,
		"publicNetworkAccess": "Enabled", "platformVersion": "stv2",
	}
	if svc.GatewayRegionalURL != "" {
		p["gatewayRegionalUrl"] = svc.GatewayRegionalURL
	}
	return p
}

func serviceJSON(svc *Service) obj {
	return obj{"id": ServiceID(svc.SubscriptionID, svc.ResourceGroup, svc.Name), "name": svc.Name, "type": "Microsoft.ApiManagement/service",
		"tags": obj{}, "location": svc.Location, "etag": strings.Trim(etag(svc.Name), `"`),
		"sku": obj{"name": svc.SKU, "capacity": svc.Capacity}, "properties": serviceProperties(svc)}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// apiProperties are an API revision's properties (ApiManagementListApis.json,
// ApiManagementGetApiContract.json).
func apiProperties(svcID string, svc *Service, a *API, expandVersionSet bool) obj {
	p := obj{"displayName": a.DisplayName, "apiRevision": a.Revision, "subscriptionRequired": a.SubscriptionRequired,
		"serviceUrl": a.ServiceURL, "path": a.Path, "protocols": a.Protocols, "type": a.Type,
		"subscriptionKeyParameterNames": obj{"header": a.KeyHeader, "query": a.KeyQuery},
		"isCurrent":                     !a.NotCurrent, "isOnline": true}
	if a.APIVersion != "" {
		p["apiVersion"] = a.APIVersion
	}
	if a.VersionSet != "" {
		p["apiVersionSetId"] = svcID + "/apiVersionSets/" + a.VersionSet
		if expandVersionSet {
			vs := svc.versionSet(a.VersionSet)
			p["apiVersionSet"] = obj{"id": svcID + "/apiVersionSets/" + vs.Name, "name": vs.DisplayName, "versioningScheme": vs.Scheme,
				"versionQueryName": nullable(vs.QueryName), "versionHeaderName": nullable(vs.HeaderName)}
		}
	}
	return p
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func apiJSON(svcID string, svc *Service, a *API, expand bool) obj {
	return obj{"id": svcID + "/apis/" + a.id(), "type": "Microsoft.ApiManagement/service/apis", "name": a.id(),
		"properties": apiProperties(svcID, svc, a, expand)}
}

var templateParam = regexp.MustCompile(`\{([^{}]+)\}`)

func operationJSON(apiID string, o *Operation) obj {
	params := []obj{}
	for _, m := range templateParam.FindAllStringSubmatch(o.URLTemplate, -1) {
		params = append(params, obj{"name": m[1], "type": "string", "required": true, "values": []string{}})
	}
	return obj{"id": apiID + "/operations/" + o.Name, "type": "Microsoft.ApiManagement/service/apis/operations", "name": o.Name,
		"properties": obj{"displayName": o.DisplayName, "method": o.Method, "urlTemplate": o.URLTemplate,
			"templateParameters": params, "responses": []obj{}}}
}

func productProperties(p *Product) obj {
	out := obj{"displayName": p.DisplayName, "subscriptionRequired": p.SubscriptionRequired, "state": p.State}
	if p.SubscriptionRequired {
		out["approvalRequired"] = p.ApprovalRequired
		out["subscriptionsLimit"] = nil
	}
	return out
}

func versionSetJSON(svcID string, vs *VersionSet) obj {
	p := obj{"displayName": vs.DisplayName, "versioningScheme": vs.Scheme}
	if vs.QueryName != "" {
		p["versionQueryName"] = vs.QueryName
	}
	if vs.HeaderName != "" {
		p["versionHeaderName"] = vs.HeaderName
	}
	return obj{"id": svcID + "/apiVersionSets/" + vs.Name, "type": "Microsoft.ApiManagement/service/api-version-sets", "name": vs.Name, "properties": p}
}

// namedValueJSON hides the value of a secret one (GetNamedValueWithKeyVault.json).
func namedValueJSON(svcID string, nv *NamedValue) obj {
	p := obj{"displayName": nv.DisplayName, "secret": nv.Secret, "tags": orEmpty(nv.Tags)}
	if !nv.Secret && nv.KeyVault == nil {
		p["value"] = nv.Value
	}
	if kv := nv.KeyVault; kv != nil {
		status := obj{"code": firstNonEmpty(kv.Status, "Success"), "timeStampUtc": kv.Checked.UTC().Format(time.RFC3339Nano)}
		if kv.Message != "" {
			status["message"] = kv.Message
		}
		p["keyVault"] = obj{"secretIdentifier": kv.SecretIdentifier, "identityClientId": nullable(kv.IdentityClientID), "lastStatus": status}
	}
	return obj{"id": svcID + "/namedValues/" + nv.Name, "type": "Microsoft.ApiManagement/service/namedValues", "name": nv.Name, "properties": p}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// subscriptionJSON leaves the keys out, as GET does (ListSubscriptions.json).
func subscriptionJSON(svcID string, sub *Subscription) obj {
	p := obj{"scope": svcID + sub.Scope, "state": sub.State, "createdDate": created, "allowTracing": sub.AllowTracing}
	if sub.DisplayName != "" {
		p["displayName"] = sub.DisplayName
	}
	if sub.Owner != "" {
		p["ownerId"] = svcID + "/users/" + sub.Owner
	}
	return obj{"id": svcID + "/subscriptions/" + sub.Name, "type": "Microsoft.ApiManagement/service/subscriptions", "name": sub.Name, "properties": p}
}
