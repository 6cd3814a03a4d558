package main

import (
	"crypto/x509"
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/fakegraph"
)

// demoCloud is what the demo's later steps read evidence from: a simulated
// Azure Resource Manager holding the contoso API Management service, a
// gateway in front of that very service (from the same tables), and a
// simulated Microsoft Graph serving the tenant's registrations.
type demoCloud struct {
	arm   *fakearm.Server
	gw    *fakeapim.Gateway
	graph *fakegraph.Server
	roots *x509.CertPool // the tenant's, ARM's and Graph's certificates
	pem   []byte         // the same, as PEM
	// env is the environment of a step that reads evidence: the endpoints
	// (as --authority-host is given to every step) and the on-call
	// engineer's own Azure sign-in, here an app credential with API
	// Management Service Contributor on the service and Application.Read.All.
	env map[string]string
}

func startDemoCloud(dir string, tenant *fakeentra.Server) (*demoCloud, error) {
	o := fakearm.Contoso()
	o.Entra = tenant
	// The gateway listens on 127.0.0.1: a custom Proxy host name, so that
	// --apim auto finds the service by the URL's host as it would in Azure.
	o.Services[0].Hostnames = append(o.Services[0].Hostnames, fakearm.Hostname{Type: "Proxy", HostName: "127.0.0.1"})
	c := &demoCloud{}
	var err error
	if c.arm, err = fakearm.New(o); err != nil {
		return nil, err
	}
	svc, keys, err := c.arm.GatewayService(fakearm.ContosoService)
	if err == nil {
		c.gw, err = fakeapim.New(fakeapim.Options{Service: svc, Keys: keys, Tenant: tenant, Tracer: c.arm})
	}
	if err == nil {
		c.graph, err = fakegraph.New(fakegraph.Options{Entra: tenant})
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.roots = x509.NewCertPool()
	for name, write := range map[string]func(string) error{"entra": tenant.WriteCAFile, "arm": c.arm.WriteCAFile, "graph": c.graph.WriteCAFile} {
		p := filepath.Join(dir, name+"-ca.pem")
		if err := write(p); err != nil {
			c.Close()
			return nil, err
		}
		b, err := os.ReadFile(p)
		c.pem = append(append(c.pem, b...), '\n')
		if err == nil && !c.roots.AppendCertsFromPEM(b) {
			err = fmt.Errorf("demo: no certificate in %s", p)
		}
		if err != nil {
			c.Close()
			return nil, err
		}
	}
	c.env = map[string]string{
		"ENTRATOKEN_ARM_ENDPOINT": c.arm.URL, "ENTRATOKEN_GRAPH_ENDPOINT": c.graph.URL,
		"AZURE_TENANT_ID": fakeentra.TenantID, "AZURE_CLIENT_ID": fakeentra.EvidenceContributorClientID,
		"AZURE_CLIENT_SECRET": fakeentra.EvidenceContributorSecret,
	}
	return c, nil
}

// writeCAs writes the three services' certificates into one PEM file, for
// SSL_CERT_FILE.
func (c *demoCloud) writeCAs(path string) error {
	return os.WriteFile(path, c.pem, 0o644)
}

// with is the evidence environment plus more.
func (c *demoCloud) with(more map[string]string) map[string]string {
	env := maps.Clone(c.env)
	maps.Copy(env, more)
	return env
}

func (c *demoCloud) Close() {
	if c.gw != nil {
		c.gw.Close()
	}
	if c.graph != nil {
		c.graph.Close()
	}
	if c.arm != nil {
		c.arm.Close()
	}
}
