package armsource

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
)

// ServiceInfo is what the service's own resource says (GET {S}): its tier
// and the host names its gateway answers on.
type ServiceInfo struct {
	SKU   string   // Developer, Consumption, BasicV2, ...
	Hosts []string // lower case, no ports
}

// service reads GET {S} in the first round (it adds no round): the host
// names tell whether the request's URL reaches this service at all. A 404
// is left to the APIs' read, which says the service does not exist.
func (r *reader) service(ctx context.Context) {
	r.c.logf("ARM: the service %s", r.ref.ID())
	resp, err := r.f.NewServiceClient().Get(ctx, r.ref.ResourceGroup, r.ref.Name, nil)
	switch {
	case isNotFound(err):
		return
	case err != nil:
		f := failure(fmt.Sprintf(actionRead, "read"), "the service "+r.ref.ID(), ReaderRole, err)
		f.Expected = "Microsoft.ApiManagement/service/read"
		f.Message += "; whether the URL's host is one of its gateways is not checked"
		r.fail(f)
		return
	}
	info := &ServiceInfo{}
	if resp.SKU != nil && resp.SKU.Name != nil {
		info.SKU = string(*resp.SKU.Name)
	}
	if resp.Properties != nil {
		var props map[string]any
		if b, err := json.Marshal(resp.Properties); err == nil && json.Unmarshal(b, &props) == nil {
			info.Hosts = gatewayHosts(props)
		}
	}
	r.ev.Info = info
}

// hostFinding says when the request's URL is not a gateway host of the
// service read: a proxy (Front Door, Application Gateway) may forward to
// it, or the policies read are another service's than the one that answers.
func hostFinding(info *ServiceInfo, id, rawURL string) *finding.Finding {
	u, err := url.Parse(rawURL)
	if info == nil || len(info.Hosts) == 0 || err != nil || u.Hostname() == "" || slices.Contains(info.Hosts, strings.ToLower(u.Hostname())) {
		return nil
	}
	return &finding.Finding{Code: finding.GatewayHostUnknown, Severity: finding.SeverityInfo, Side: finding.SideClient,
		Message: fmt.Sprintf("the URL's host %s is not a gateway host of %s: the policies read are this service's; if no proxy (Front Door, Application Gateway) forwards %s to it, they are not the ones the request meets",
			u.Hostname(), id, u.Hostname()),
		Expected: strings.Join(info.Hosts, ", "), Actual: u.Hostname(),
		Fix: "check --apim (or use --apim auto to find the service by the URL's host)"}
}
