package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

// demoFiles are the files demo --serve writes into its directory: the CA to
// trust, the policy, and the secrets (as files, so that none is printed).
type demoFiles struct {
	dir, ca, cache, policy, env                   string
	daemonSecret, reportingSecret, cert, key, idh string
	partnersKey, evidenceSecret                   string
}

func writeDemoFiles(tenant *fakeentra.Server) (demoFiles, error) {
	dir, err := os.MkdirTemp("", "entratoken-demo-")
	if err != nil {
		return demoFiles{}, err
	}
	at := func(name string) string { return filepath.Join(dir, name) }
	d := demoFiles{dir: dir, ca: at("ca.pem"), cache: at("cache"), policy: at("orders-policy.xml"), env: at("env.sh"),
		daemonSecret: at("daemon-secret.txt"), reportingSecret: at("reporting-secret.txt"), cert: at("daemon-cert.pem"),
		key: at("subscription-key.txt"), idh: at("identity-header.txt"), partnersKey: at("partners-key.txt"), evidenceSecret: at("evidence-secret.txt")}
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{d.policy, []byte(demoPolicy), 0o644},
		{d.daemonSecret, []byte(fakeentra.ClientSecret + "\n"), 0o600},
		{d.reportingSecret, []byte(fakeentra.NoRoleClientSecret + "\n"), 0o600},
		{d.cert, tenant.ClientCertificatePEM(), 0o600},
		{d.key, []byte(fakeapim.SubscriptionKey + "\n"), 0o600},
		{d.idh, []byte(fakeentra.IdentityHeader + "\n"), 0o600},
		{d.partnersKey, []byte(fakearm.PartnersKey + "\n"), 0o600},
		{d.evidenceSecret, []byte(fakeentra.EvidenceContributorSecret + "\n"), 0o600},
	}
	err = tenant.WriteCAFile(d.ca)
	for _, fl := range files {
		if err == nil {
			err = os.WriteFile(fl.path, fl.data, fl.mode)
		}
	}
	if err == nil {
		err = os.Mkdir(d.cache, 0o700)
	}
	if err != nil {
		os.RemoveAll(dir)
		return demoFiles{}, fmt.Errorf("demo --serve: writing its files in %s: %w", dir, err)
	}
	return d, nil
}

// serveDemo runs the demo's tenant and gateway until ctx ends (Ctrl-C), and
// prints the environment that points entratoken at them.
func serveDemo(ctx context.Context, f *Factory) error {
	tenant := fakeentra.New()
	defer tenant.Close()
	gw, err := fakeapim.New(fakeapim.Options{Policy: []byte(demoPolicy), RequireSubscription: true, Tenant: tenant})
	if err != nil {
		return err
	}
	defer gw.Close()
	d, err := writeDemoFiles(tenant)
	if err != nil {
		return err
	}
	cloud, err := startDemoCloud(d.dir, tenant)
	if err != nil {
		os.RemoveAll(d.dir)
		return err
	}
	defer cloud.Close()
	if err := cloud.writeCAs(d.ca); err != nil { // the shell trusts all three simulated services
		os.RemoveAll(d.dir)
		return err
	}
	defer func() {
		os.RemoveAll(d.dir)
		if ctx.Err() != nil {
			fmt.Fprintf(f.IO.ErrOut, "entratoken: demo stopped; removed %s\n", d.dir)
		}
	}()

	q := shellQuote
	exports := [][2]string{
		{"AZURE_AUTHORITY_HOST", tenant.URL},
		{"SSL_CERT_FILE", q(d.ca)},
		{"ENTRATOKEN_CACHE_DIR", q(d.cache)},
		{"AZURE_TENANT_ID", fakeentra.TenantDomain},
		{"AZURE_CLIENT_ID", fakeentra.ClientID},
		{"AZURE_CLIENT_SECRET", `"$(cat ` + q(d.daemonSecret) + `)"`},
		{"APIM_SUBSCRIPTION_KEY", `"$(cat ` + q(d.key) + `)"`},
		{"GATEWAY", gw.URL},
		{"POLICY", q(d.policy)},
		{"PARTNERS_GATEWAY", cloud.gw.URL},
		{"ENTRATOKEN_ARM_ENDPOINT", cloud.arm.URL},
		{"ENTRATOKEN_GRAPH_ENDPOINT", cloud.graph.URL},
	}
	var env strings.Builder
	for _, e := range exports {
		fmt.Fprintf(&env, "export %s=%s\n", e[0], e[1])
	}
	if err := os.WriteFile(d.env, []byte(env.String()), 0o644); err != nil {
		return fmt.Errorf("demo --serve: %w", err)
	}

	p, w := f.IO.Palette(), f.IO.Out
	fmt.Fprintf(w, "%s\n\n", p.Bold("entratoken demo --serve: a simulated Entra tenant and APIM gateway on this machine, until Ctrl-C."))
	fmt.Fprintf(w, "In another shell (bash, zsh), run   source %s   which exports:\n\n", q(d.env))
	for _, line := range strings.Split(strings.TrimSpace(env.String()), "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
	fmt.Fprintf(w, "\nSSL_CERT_FILE makes that shell trust only the simulated tenant's certificate: keep it for the demo.\n")
	fmt.Fprintf(w, "Secrets stay in files (%s); nothing here prints them.\n\n", d.dir)

	fmt.Fprintln(w, p.Bold("What is there"))
	fmt.Fprintf(w, "  tenant      %s (%s) at %s\n", fakeentra.TenantDomain, fakeentra.TenantID, tenant.URL)
	fmt.Fprintf(w, "  API         %s (client ID %s), app roles Orders.Read and Orders.Write\n", fakeentra.APIAppIDURI, fakeentra.APIClientID)
	fmt.Fprintf(w, "  gateway     %sorders: a subscription key and a token with one of those roles (policy in $POLICY)\n", gw.URL)
	fmt.Fprintf(w, "  daemon      client %s, has Orders.Read: secret in %s, certificate and key in %s\n", fakeentra.ClientID, d.daemonSecret, d.cert)
	fmt.Fprintf(w, "  reporting   client %s, no role on the API: secret in %s\n", fakeentra.NoRoleClientID, d.reportingSecret)
	fmt.Fprintf(w, "  inventory   %s, another API (the wrong one to ask for)\n", fakeentra.InventoryAppIDURI)
	fmt.Fprintf(w, "  managed identity (App Service style): IDENTITY_ENDPOINT=%smsi/token, IDENTITY_HEADER in %s\n", tenant.MIURL, d.idh)
	fmt.Fprintf(w, "  Azure       a simulated Resource Manager (%s) with the API Management service contoso, whose\n", cloud.arm.URL)
	fmt.Fprintf(w, "              gateway is $PARTNERS_GATEWAY (partners key in %s), and Microsoft Graph (%s);\n", d.partnersKey, cloud.graph.URL)
	fmt.Fprintf(w, "              evidence-contributor (client %s, secret in %s) may read both\n\n", fakeentra.EvidenceContributorClientID, d.evidenceSecret)

	fmt.Fprintln(w, p.Bold("Try"))
	for _, c := range []string{
		`TOKEN=$(entratoken acquire --resource api://contoso-orders)`,
		`entratoken inspect "$TOKEN"`,
		`entratoken diagnose "$TOKEN" --policy "$POLICY"`,
		`entratoken call "${GATEWAY}orders" --token "$TOKEN"`,
		`entratoken call "${GATEWAY}orders" --resource api://contoso-inventory`,
		`AZURE_CLIENT_ID=` + fakeentra.NoRoleClientID + ` AZURE_CLIENT_SECRET="$(cat ` + q(d.reportingSecret) + `)" \` + "\n    " +
			`entratoken call "${GATEWAY}orders" --resource api://contoso-orders --diagnose-policy "$POLICY"`,
		`entratoken acquire --method client-certificate --certificate ` + q(d.cert) + ` --resource api://contoso-orders --decode`,
		`IDENTITY_ENDPOINT=` + tenant.MIURL + `msi/token IDENTITY_HEADER="$(cat ` + q(d.idh) + `)" \` + "\n    " +
			`entratoken acquire --method managed-identity --resource api://contoso-orders`,
		`entratoken diagnose --policy "$POLICY"`,
		`AZURE_CLIENT_ID=` + fakeentra.EvidenceContributorClientID + ` AZURE_CLIENT_SECRET="$(cat ` + q(d.evidenceSecret) + `)" \` + "\n    " +
			`APIM_SUBSCRIPTION_KEY="$(cat ` + q(d.partnersKey) + `)" entratoken call "${PARTNERS_GATEWAY}orders/42" --token "$TOKEN" --apim auto --apim-trace --entra`,
	} {
		fmt.Fprintf(w, "  %s %s\n", p.Cyan("$"), c)
	}
	fmt.Fprintf(w, "\nCtrl-C stops the simulated services and removes %s.\n", d.dir)

	<-ctx.Done()
	return nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
