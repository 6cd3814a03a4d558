package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

func newDemoCmd(f *Factory) *cobra.Command {
	var serve bool
	cmd := &cobra.Command{
		Use:   "demo [--serve]",
		Short: "Run the whole story against a simulated tenant and APIM gateway on this machine",
		Long: `Start a simulated Entra tenant and APIM gateway on loopback (nothing leaves this machine, no Azure
account needed), and walk through what entratoken is for, printing each command as you
would type it against your own tenant.

--serve keeps the tenant and the gateway running instead, and prints the environment to
export in another shell (the authority, a CA file, the gateway's URL, the client IDs, and
files holding the secrets and the subscription key), so that every command can be tried
by hand. Ctrl-C stops them and removes their files.`,
		Example: `  entratoken demo
  entratoken demo --serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Globals.Output == "json" {
				return flagErrorf("the demo is a story for people and has no JSON form; each command it shows takes -o json")
			}
			f.markRan()
			if serve {
				return serveDemo(cmd.Context(), f)
			}
			return runDemo(cmd.Context(), f)
		},
	}
	cmd.Flags().BoolVar(&serve, "serve", false, "keep the simulated tenant and gateway running and print the environment to use them")
	return cmd
}

// demoStep is one command of the story: what it shows, the command line a
// user would type, and the arguments entratoken really runs.
type demoStep struct {
	title, explain, shown string
	args                  []string
	env                   map[string]string
	wantExit              int
	brief                 bool     // show the verdict lines and findings, not every claim again
	callBrief             bool     // a call: the exchange and the diagnosis's verdict and findings
	capture               *string  // TOKEN=$(...): keep stdout here instead of printing it
	needs                 *string  // the step needs the daemon's token first
	tokenAt               int      // where in args it goes (default 1)
	also                  []string // a second command shown in the same step
	alsoShown             string
}

func runDemo(ctx context.Context, f *Factory) error {
	tenant := fakeentra.New()
	defer tenant.Close()
	gw, err := fakeapim.New(fakeapim.Options{Policy: []byte(demoPolicy), RequireSubscription: true, Tenant: tenant})
	if err != nil {
		return err
	}
	defer gw.Close()
	cache, err := os.MkdirTemp("", "entratoken-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cache)
	policy := filepath.Join(cache, "orders-policy.xml")
	if err := os.WriteFile(policy, []byte(demoPolicy), 0o600); err != nil {
		return err
	}
	contoso := tenant.Tenant(fakeentra.TenantID)
	graph, err := contoso.Mint(fakeentra.Spec{Graph: true, Version: "1.0", Roles: []string{"User.Read.All"}})
	if err != nil {
		return err
	}
	orders := gw.URL + "orders"
	var wrong, norole, good string
	cloud, err := startDemoCloud(cache, tenant)
	if err != nil {
		return err
	}
	defer cloud.Close()
	place := demoPlace{roots: cloud.roots, authority: tenant.URL, cache: cache}
	order42 := cloud.gw.URL + "orders/42"
	evidence := filepath.Join(cache, "evidence")
	partner := map[string]string{"AZURE_CLIENT_SECRET": fakeentra.ClientSecret, "APIM_SUBSCRIPTION_KEY": fakearm.PartnersKey}

	p := f.IO.Palette()
	out := f.IO.Out
	fmt.Fprintf(out, "%s\n\n", p.Bold("entratoken demo: a simulated Entra tenant and API gateway on this machine; nothing leaves it."))
	fmt.Fprintf(out, "Tenant %s (%s) is at %s and the APIM gateway at %s.\n", fakeentra.TenantDomain, fakeentra.TenantID, tenant.URL, gw.URL)
	fmt.Fprintf(out, "The orders API (%s) defines the app roles Orders.Read and Orders.Write; its APIM policy\n", fakeentra.APIAppIDURI)
	fmt.Fprintf(out, "validates tokens and requires one of them. The orders daemon (client %s)\n", fakeentra.ClientID)
	fmt.Fprintf(out, "has Orders.Read; the reporting job (client %s) has no role. Partners call the same API with a\n", fakeentra.NoRoleClientID)
	fmt.Fprintf(out, "key of the partners product, whose own policy the API team never looked at (a second gateway, at %s,\n", cloud.gw.URL)
	fmt.Fprintf(out, "in front of an API Management service that a simulated Azure Resource Manager at %s serves).\n", cloud.arm.URL)
	fmt.Fprintf(out, "Each command is what you would type against your own tenant and gateway; here each also gets\n")
	fmt.Fprintf(out, "--authority-host %s (how sovereign clouds and test tenants are reached), and the steps that\n", tenant.URL)
	fmt.Fprintf(out, "read evidence from Azure and Graph your own sign-in (here an app with read rights, in AZURE_CLIENT_ID/SECRET)\n")
	fmt.Fprintf(out, "and ENTRATOKEN_ARM_ENDPOINT / ENTRATOKEN_GRAPH_ENDPOINT.\n")

	daemon := map[string]string{"AZURE_CLIENT_SECRET": fakeentra.ClientSecret, "APIM_SUBSCRIPTION_KEY": fakeapim.SubscriptionKey}
	reporting := map[string]string{"AZURE_CLIENT_SECRET": fakeentra.NoRoleClientSecret, "APIM_SUBSCRIPTION_KEY": fakeapim.SubscriptionKey}
	acq := func(client, resource string) []string {
		return []string{"acquire", "--method", "client-secret", "--tenant", fakeentra.TenantDomain, "--client-id", client, "--resource", resource}
	}
	acqShown := func(client, resource string) string {
		return "entratoken acquire --method client-secret --tenant contoso.onmicrosoft.com \\\n    --client-id " + client + " --resource " + resource
	}
	steps := []func() demoStep{
		func() demoStep {
			return demoStep{title: "1. A new job gets a token, but for the wrong API (a copy-paste from the inventory job).",
				explain: "The secret is in AZURE_CLIENT_SECRET; the token goes to stdout, a summary to stderr.",
				shown:   "TOKEN=$(" + acqShown(fakeentra.ClientID, "api://contoso-inventory") + ")",
				args:    acq(fakeentra.ClientID, fakeentra.InventoryAppIDURI), env: daemon, capture: &wrong, wantExit: exitOK}
		},
		func() demoStep {
			return demoStep{title: "2. It calls the orders API through APIM: 401.",
				explain: "call says who refused: APIM's subscription check, its token policy, or the backend.",
				shown:   `entratoken call ` + orders + ` --token "$TOKEN"`,
				args:    []string{"call", orders, "--token", wrong}, env: daemon, wantExit: exitFailed, callBrief: true}
		},
		func() demoStep {
			return demoStep{title: "3. Why? diagnose evaluates the API's policy offline, like the gateway.",
				explain: "Every reason in APIM's order, the one APIM reported marked, and the fix on its side.",
				shown:   `entratoken diagnose "$TOKEN" --policy orders-policy.xml`,
				args:    []string{"diagnose", wrong, "--policy", policy}, wantExit: exitFailed}
		},
		func() demoStep {
			return demoStep{title: "4. The reporting job asks for the right API, but has no app role on it.",
				explain: "Entra still issues the token, without roles; acquire warns at once.",
				shown:   "TOKEN=$(" + acqShown(fakeentra.NoRoleClientID, "api://contoso-orders") + ")",
				args:    acq(fakeentra.NoRoleClientID, fakeentra.APIAppIDURI), env: reporting, capture: &norole, wantExit: exitOK}
		},
		func() demoStep {
			return demoStep{title: "5. Its call is refused too, diagnosed on the spot against the policy, and proved by the registration.",
				explain: "--entra reads the API's registration over Microsoft Graph: the role exists and nobody assigned it.\nThe fix is in Entra, not in the code or the policy.",
				shown:   `entratoken call ` + orders + ` --token "$TOKEN" --diagnose-policy orders-policy.xml --entra`,
				args:    []string{"call", orders, "--token", norole, "--diagnose-policy", policy, "--entra"}, env: cloud.with(map[string]string{"APIM_SUBSCRIPTION_KEY": fakeapim.SubscriptionKey}), wantExit: exitFailed, callBrief: true}
		},
		func() demoStep {
			return demoStep{title: "6. The orders daemon, with Orders.Read, for the right API: 200. A CI smoke test in one line.",
				explain: "call acquires the token itself with acquire's flags; --expect-status sets the exit code.",
				shown:   `entratoken call ` + orders + ` --method client-secret --tenant contoso.onmicrosoft.com \` + "\n    --client-id " + fakeentra.ClientID + " --resource api://contoso-orders --expect-status 200",
				args: []string{"call", orders, "--method", "client-secret", "--tenant", fakeentra.TenantDomain, "--client-id", fakeentra.ClientID,
					"--resource", fakeentra.APIAppIDURI, "--expect-status", "200"}, env: daemon, wantExit: exitOK}
		},
		func() demoStep {
			return demoStep{title: "7. The same daemon through the partners product (its key): 401, though the API's policy accepts the token.",
				explain: "The gateway's answer outranks the prediction: the policy that ran is not the API's file alone.",
				shown: `APIM_SUBSCRIPTION_KEY=$PARTNERS_KEY entratoken call ` + order42 + ` --method client-secret \` +
					"\n    --tenant contoso.onmicrosoft.com --client-id " + fakeentra.ClientID + " --resource api://contoso-orders --diagnose-policy orders-policy.xml",
				args: []string{"call", order42, "--method", "client-secret", "--tenant", fakeentra.TenantDomain, "--client-id", fakeentra.ClientID,
					"--resource", fakeentra.APIAppIDURI, "--diagnose-policy", policy}, env: partner, wantExit: exitFailed, callBrief: true}
		},
		func() demoStep {
			return demoStep{title: "8. One command finds the root cause: the call again, with the service's live policy (--apim auto), confirmed by the gateway's trace.",
				explain: "The service is found by the URL's host (Azure Resource Graph); every scope's policy is read over ARM with your\nsign-in, the key sent tells the product, and the refusal names the statement, its scope and its line. --apim-trace\nsends the request with a debug credential and reads what the gateway itself ran.",
				shown:   `APIM_SUBSCRIPTION_KEY=$PARTNERS_KEY entratoken call ` + order42 + ` --token "$TOKEN" --apim auto --apim-trace --save-evidence evidence`,
				args:    []string{"call", order42, "--token", "", "--apim", "auto", "--apim-trace", "--save-evidence", evidence}, env: cloud.with(map[string]string{"APIM_SUBSCRIPTION_KEY": fakearm.PartnersKey}),
				wantExit: exitFailed, callBrief: true, needs: &good, tokenAt: 3}
		},
		func() demoStep {
			return demoStep{title: "8b. What was read is saved as an APIOps folder: the same verdict offline, the effective policy shown.",
				explain: "Attach the folder to a ticket or a pull request; secrets are left out. Each statement with its scope, line and what it did.",
				shown:   `entratoken diagnose "$TOKEN" --apiops evidence --url ` + order42 + ` --product partners --show-policy`,
				args:    []string{"diagnose", "", "--apiops", evidence, "--url", order42, "--product", "partners", "--show-policy"}, wantExit: exitFailed, needs: &good}
		},
		func() demoStep {
			return demoStep{title: "9. Is the daemon's token genuine, and what does it allow?",
				explain: "Verified against the tenant's own keys, never against anything the token names.",
				shown:   acqShown(fakeentra.ClientID, "api://contoso-orders") + " \\\n    | entratoken inspect", args: []string{"inspect", ""},
				wantExit: exitOK, brief: true, needs: &good}
		},
		func() demoStep {
			return demoStep{title: "10. A colleague configured the secret's ID instead of its value: AADSTS7000215.",
				explain: "Entra's own words, the finding, the fix, and the IDs to find the sign-in in the logs.",
				shown:   "AZURE_CLIENT_SECRET=" + fakeentra.ClientSecretID + " " + acqShown(fakeentra.ClientID, "api://contoso-orders"),
				args:    acq(fakeentra.ClientID, fakeentra.APIAppIDURI), env: map[string]string{"AZURE_CLIENT_SECRET": fakeentra.ClientSecretID}, wantExit: exitNoToken}
		},
		func() demoStep {
			return demoStep{title: "11. Someone edited a token to grant themselves Orders.Write; another pasted a Graph token.",
				explain: "Any web decoder shows the edited claims; only the signature tells. Graph tokens nobody but Graph can verify.",
				shown:   `entratoken inspect "$EDITED_TOKEN"`,
				args:    []string{"inspect", "@EDITED"}, wantExit: exitFailed, brief: true,
				also: []string{"inspect", graph}, alsoShown: `entratoken inspect "$GRAPH_TOKEN"`}
		},
	}
	for _, mk := range steps {
		s := mk()
		if s.needs != nil { // the daemon's token, for inspect and diagnose
			if good == "" {
				if good, err = acquireQuietly(ctx, f, place, acq(fakeentra.ClientID, fakeentra.APIAppIDURI), daemon); err != nil {
					return err
				}
			}
			s.args[max(s.tokenAt, 1)] = good
		}
		if len(s.args) > 1 && s.args[1] == "@EDITED" {
			s.args[1] = tamper(good, `"Orders.Read"`, `"Orders.Write"`)
		}
		fmt.Fprintf(out, "\n%s\n%s\n", p.Bold(s.title), p.Dim(s.explain))
		fmt.Fprintf(out, "%s %s\n\n", p.Cyan("$"), s.shown)
		code, err := runStep(ctx, f, place, s)
		if err != nil {
			return err
		}
		if s.also != nil {
			fmt.Fprintf(out, "\n%s %s\n\n", p.Cyan("$"), s.alsoShown)
			s2 := s
			s2.args, s2.also = s.also, nil
			if _, err := runStep(ctx, f, place, s2); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "%s\n", p.Dim(fmt.Sprintf("(exit %d)", code)))
		if code != s.wantExit {
			return fmt.Errorf("demo step %q exited %d, expected %d", s.shown, code, s.wantExit)
		}
	}
	fmt.Fprintf(out, "\n%s\n", p.Bold("Next: entratoken demo --serve to try every command by hand; entratoken <command> --help; README.md for your own tenant and gateway."))
	return nil
}

// acquireQuietly gets a token for a later step without printing anything.
func acquireQuietly(ctx context.Context, f *Factory, d demoPlace, args []string, env map[string]string) (string, error) {
	var tok string
	var sink bytes.Buffer
	io := *f.IO
	io.Out = &sink
	q := &Factory{IO: &io}
	_, err := runStep(ctx, q, d, demoStep{args: args, env: env, capture: &tok})
	return tok, err
}

// demoPolicy is the orders API's inbound policy, as it would be deployed.
const demoPolicy = `<policies>
    <inbound>
        <base />
        <validate-jwt header-name="Authorization" failed-validation-httpcode="401" require-scheme="Bearer">
            <openid-config url="https://login.microsoftonline.com/` + fakeentra.TenantID + `/v2.0/.well-known/openid-configuration" />
            <audiences>
                <audience>api://contoso-orders</audience>
                <audience>` + fakeentra.APIClientID + `</audience>
            </audiences>
            <required-claims>
                <claim name="roles" match="any">
                    <value>Orders.Read</value>
                    <value>Orders.Write</value>
                </claim>
            </required-claims>
        </validate-jwt>
    </inbound>
</policies>
`

// runStep runs one step's command in-process, against the simulated tenant,
// with its environment; stderr is shown in place of the terminal's.
// demoPlace is where the demo's commands run: the certificates they trust,
// the tenant's authority and the cache folder.
type demoPlace struct {
	roots            *x509.CertPool
	authority, cache string
}

func runStep(ctx context.Context, f *Factory, d demoPlace, s demoStep) (int, error) {
	cache := d.cache
	var stdout, stderr bytes.Buffer
	// call writes its body on stdout between the exchange and the
	// diagnosis on stderr: where stderr stood at stdout's first write is
	// where the body goes when the demo prints both in one stream.
	bodyAt := -1
	io := *f.IO
	io.Out, io.ErrOut = firstWrite{&stdout, func() {
		if bodyAt < 0 {
			bodyAt = stderr.Len()
		}
	}}, &stderr
	child := &Factory{
		IO:      &io,
		Getenv:  func(k string) string { return s.env[k] },
		RootCAs: d.roots,
	}
	args := append(s.args, "--authority-host", d.authority, "--cache-dir", cache)
	if f.Globals.NoColor {
		args = append(args, "--no-color")
	}
	code := run(ctx, child, args)
	out := f.IO.Out
	if s.capture != nil {
		*s.capture = strings.TrimSpace(stdout.String())
		stdout.Reset()
	}
	report, exchange := stdout.Bytes(), stderr.Bytes()
	var after []byte // what stderr said after stdout's first write
	if bodyAt >= 0 && !s.brief && len(report) > 0 {
		exchange, after = append(exchange[:bodyAt:bodyAt], '\n'), exchange[bodyAt:] // a blank line before the body, as curl -v
		if len(report) > 0 && report[len(report)-1] != '\n' {
			report = append(report, '\n')
		}
	}
	switch {
	case s.brief:
		report = briefReport(report)
	case s.callBrief: // call's exchange and diagnosis are on stderr, its body on stdout
		exchange, after = briefCall(exchange), briefCall(after)
	}
	// The demo prints everything on stdout so that it reads in order, and
	// shows its files by name, as in the commands above.
	hide := strings.NewReplacer(cache+string(filepath.Separator), "")
	for _, b := range [][]byte{exchange, report, after} {
		out.Write([]byte(hide.Replace(string(b))))
	}
	return code, nil
}

// firstWrite is a writer that calls first before each write.
type firstWrite struct {
	w     io.Writer
	first func()
}

func (f firstWrite) Write(b []byte) (int, error) {
	f.first()
	return f.w.Write(b)
}

// tamper replaces text in a token's payload and keeps the original signature,
// as someone editing a token in a web decoder would.
func tamper(tok, from, to string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return tok
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return tok
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), from, to, 1)))
	return strings.Join(parts, ".")
}

// ansiEscape matches the colour and style sequences the palette writes.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// briefCall keeps a call's exchange and its diagnosis's verdict and
// findings, without the checks list.
func briefCall(report []byte) []byte { return dropSection(report, "Checks", "") }

// briefReport keeps an inspect report's verdict lines and findings and drops
// the header and claim listings.
func briefReport(report []byte) []byte {
	return dropSection(report, "Header", "  (header and claims listing omitted: inspect without the demo shows them)\n")
}

// dropSection removes the lines from the heading from up to the next
// "Findings" heading, putting note in their place. Headings are compared
// without their colour, so it works on a terminal too.
func dropSection(report []byte, from, note string) []byte {
	var out bytes.Buffer
	keep := true
	for _, line := range strings.SplitAfter(string(report), "\n") {
		switch strings.TrimSpace(ansiEscape.ReplaceAllString(line, "")) {
		case from:
			keep = false
			out.WriteString(note)
		case "Findings":
			keep = true
			out.WriteString("\n")
		}
		if keep {
			out.WriteString(line)
		}
	}
	return out.Bytes()
}
