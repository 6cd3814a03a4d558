package fakearm

import (
	"net/http"
	"strings"
)

// listNamedValues serves GET {S}/namedValues; isKeyVaultRefreshFailed=true
// keeps the Key Vault ones whose last refresh failed.
func (s *Server) listNamedValues(c *apimCall) {
	failedOnly := strings.EqualFold(c.r.URL.Query().Get("isKeyVaultRefreshFailed"), "true")
	var items []any
	for i := range c.svc.NamedValues {
		nv := &c.svc.NamedValues[i]
		if failedOnly && (nv.KeyVault == nil || !eq(nv.KeyVault.Status, "Failed")) {
			continue
		}
		items = append(items, namedValueJSON(c.id, nv))
	}
	if items, ok := filter(c.req, items, propFields); ok {
		s.list(c.req, items, "$skip")
	}
}

func (s *Server) getNamedValue(c *apimCall) {
	nv := c.svc.namedValue(c.names[0])
	if nv == nil {
		notFound(c.w, "NamedValue")
		return
	}
	c.w.Header().Set("ETag", etag(nv.Name+nv.DisplayName))
	writeJSON(c.w, http.StatusOK, namedValueJSON(c.id, nv))
}

// listValue serves POST {S}/namedValues/{id}/listValue (an action): the
// value, secret or not (NamedValueListValue.json). For a Key Vault one it
// is the value APIM last fetched, which the seed gives.
func (s *Server) listValue(c *apimCall) {
	nv := c.svc.namedValue(c.names[0])
	if nv == nil {
		notFound(c.w, "NamedValue")
		return
	}
	c.w.Header().Set("ETag", etag(nv.Name+nv.DisplayName))
	writeJSON(c.w, http.StatusOK, obj{"value": nv.Value})
}

func (s *Server) listSubscriptions(c *apimCall) {
	var items []any
	for i := range c.svc.Subscriptions {
		items = append(items, subscriptionJSON(c.id, &c.svc.Subscriptions[i]))
	}
	if items, ok := filter(c.req, items, propFields); ok {
		s.list(c.req, items, "$skip")
	}
}

func (s *Server) getSubscription(c *apimCall) {
	sub := c.svc.subscription(c.names[0])
	if sub == nil {
		notFound(c.w, "Subscription")
		return
	}
	writeJSON(c.w, http.StatusOK, subscriptionJSON(c.id, sub))
}

// listSecrets serves POST {S}/subscriptions/{sid}/listSecrets (an action):
// the keys GET never shows (SubscriptionListSecrets.json).
func (s *Server) listSecrets(c *apimCall) {
	sub := c.svc.subscription(c.names[0])
	if sub == nil {
		notFound(c.w, "Subscription")
		return
	}
	writeJSON(c.w, http.StatusOK, obj{"primaryKey": sub.PrimaryKey, "secondaryKey": sub.SecondaryKey})
}
