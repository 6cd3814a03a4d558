package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

func newDemoCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the whole story against a simulated tenant on this machine",
		Long: `Start a simulated Entra tenant on loopback (nothing leaves this machine, no Azure
account needed), and walk through what entratoken is for, printing each command as you
would type it against your own tenant.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.markRan()
			return runDemo(cmd.Context(), f)
		},
	}
}

// demoStep is one command of the story: what it shows, the command line a
// user would type, and the arguments entratoken really runs.
type demoStep struct {
	title, explain, shown string
	args                  []string
	env                   map[string]string
	wantExit              int
	brief                 bool    // show the verdict lines and findings, not every claim again
	capture               *string // TOKEN=$(...): keep stdout here instead of printing it
}

func runDemo(ctx context.Context, f *Factory) error {
	tenant := fakeentra.New()
	defer tenant.Close()
	cache, err := os.MkdirTemp("", "entratoken-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cache)

	contoso := tenant.Tenant(fakeentra.TenantID)
	graph, err := contoso.Mint(fakeentra.Spec{Graph: true, Version: "1.0", Roles: []string{"User.Read.All"}})
	if err != nil {
		return err
	}
	var tok, wrong string
	policy := filepath.Join(cache, "orders-policy.xml")
	if err := os.WriteFile(policy, []byte(demoPolicy), 0o600); err != nil {
		return err
	}

	p := f.IO.Palette()
	out := f.IO.Out
	fmt.Fprintf(out, "%s\n\n", p.Bold("entratoken demo: a simulated Entra tenant on this machine; nothing leaves it."))
	fmt.Fprintf(out, "Tenant %s (%s) is served at %s.\n", fakeentra.TenantDomain, fakeentra.TenantID, tenant.URL)
	fmt.Fprintf(out, "Its orders API (%s) defines the app roles Orders.Read and Orders.Write;\n", fakeentra.APIAppIDURI)
	fmt.Fprintf(out, "the orders daemon (client %s) has Orders.Read.\n", fakeentra.ClientID)
	fmt.Fprintf(out, "The commands below are what you would type against your own tenant; here each also gets\n")
	fmt.Fprintf(out, "--authority-host %s, the flag that reaches sovereign clouds and test tenants.\n", tenant.URL)

	acquireArgs := []string{"acquire", "--method", "client-secret", "--tenant", fakeentra.TenantDomain,
		"--client-id", fakeentra.ClientID, "--resource", fakeentra.APIAppIDURI}
	acquireShown := "entratoken acquire --method client-secret --tenant contoso.onmicrosoft.com \\\n    --client-id " + fakeentra.ClientID + " --resource api://contoso-orders"
	steps := []func() demoStep{
		func() demoStep {
			return demoStep{
				title:   "1. The daemon gets an app-only token for the orders API, as it does in production.",
				explain: "Client credentials with its secret (from AZURE_CLIENT_SECRET); the token goes to stdout, a summary to stderr.",
				shown:   "export AZURE_CLIENT_SECRET=...   # the secret's Value\n$ TOKEN=$(" + acquireShown + ")",
				args:    acquireArgs, env: map[string]string{"AZURE_CLIENT_SECRET": fakeentra.ClientSecret},
				capture: &tok, wantExit: exitOK,
			}
		},
		func() demoStep {
			return demoStep{
				title:   "2. Is it genuine, and what does it allow?",
				explain: "Verified against the tenant's own keys, never against anything the token names.",
				shown:   `entratoken inspect "$TOKEN"`, args: []string{"inspect", tok}, wantExit: exitOK,
			}
		},
		func() demoStep {
			return demoStep{
				title:   "3. A colleague configured the secret's ID instead of its value: the most common AADSTS7000215.",
				explain: "Entra's own words, the finding, the fix, and the IDs to find the sign-in in the logs.",
				shown:   "AZURE_CLIENT_SECRET=" + fakeentra.ClientSecretID + " " + acquireShown,
				args:    acquireArgs, env: map[string]string{"AZURE_CLIENT_SECRET": fakeentra.ClientSecretID}, wantExit: exitNoToken,
			}
		},
		func() demoStep {
			return demoStep{
				title:   "4. Another job asked for the inventory API's token and calls the orders API through APIM: 401.",
				explain: "APIM's 401 says only \"Unauthorized\". diagnose evaluates the orders API's inbound policy offline, like the gateway.",
				shown:   "TOKEN2=$(entratoken acquire --method client-secret --tenant contoso.onmicrosoft.com \\\n    --client-id " + fakeentra.ClientID + " --resource api://contoso-inventory)",
				args: []string{"acquire", "--method", "client-secret", "--tenant", fakeentra.TenantDomain,
					"--client-id", fakeentra.ClientID, "--resource", fakeentra.InventoryAppIDURI},
				env: map[string]string{"AZURE_CLIENT_SECRET": fakeentra.ClientSecret}, capture: &wrong, wantExit: exitOK,
			}
		},
		func() demoStep {
			return demoStep{
				title:   "5. Why was it refused, and who has to fix what?",
				explain: "Every reason, in the order APIM checks, the message APIM returned, and the fix on its side.",
				shown:   `entratoken diagnose "$TOKEN2" --policy orders-policy.xml`,
				args:    []string{"diagnose", wrong, "--policy", policy}, wantExit: exitFailed,
			}
		},
		func() demoStep {
			return demoStep{
				title:   "6. Someone edited the token to grant themselves Orders.Write.",
				explain: "The claims decode fine (any web decoder shows them); only the signature tells.",
				shown:   `entratoken inspect "$EDITED_TOKEN"`, args: []string{"inspect", tamper(tok, `"Orders.Read"`, `"Orders.Write"`)},
				wantExit: exitFailed, brief: true,
			}
		},
		func() demoStep {
			return demoStep{
				title:   "7. A Microsoft Graph token was pasted where an API token was expected.",
				explain: "Graph tokens cannot be verified by anyone but Graph, by design; APIM would refuse it.",
				shown:   `entratoken inspect "$GRAPH_TOKEN"`, args: []string{"inspect", graph}, wantExit: exitFailed, brief: true,
			}
		},
	}
	for _, mk := range steps {
		s := mk()
		fmt.Fprintf(out, "\n%s\n%s\n", p.Bold(s.title), p.Dim(s.explain))
		fmt.Fprintf(out, "%s %s\n\n", p.Cyan("$"), s.shown)
		code, err := runStep(ctx, f, tenant, cache, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s\n", p.Dim(fmt.Sprintf("(exit %d)", code)))
		if code != s.wantExit {
			return fmt.Errorf("demo step %q exited %d, expected %d", s.shown, code, s.wantExit)
		}
	}
	fmt.Fprintf(out, "\n%s\n", p.Bold("Next: entratoken diagnose --help, entratoken acquire --help, and README.md for your own tenant."))
	return nil
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
func runStep(ctx context.Context, f *Factory, tenant *fakeentra.Server, cache string, s demoStep) (int, error) {
	var stdout, stderr bytes.Buffer
	io := *f.IO
	io.Out, io.ErrOut = &stdout, &stderr
	child := &Factory{
		IO:      &io,
		Getenv:  func(k string) string { return s.env[k] },
		RootCAs: tenant.CertPool(),
	}
	args := append(s.args, "--authority-host", tenant.URL, "--cache-dir", cache)
	if f.Globals.NoColor {
		args = append(args, "--no-color")
	}
	code := run(ctx, child, args)
	out := f.IO.Out
	if s.capture != nil {
		*s.capture = strings.TrimSpace(stdout.String())
		stdout.Reset()
	}
	report := stdout.Bytes()
	if s.brief {
		report = briefReport(report)
	}
	// The demo prints everything on stdout so that it reads in order, and
	// shows its files by name, as in the commands above.
	hide := strings.NewReplacer(cache+string(filepath.Separator), "")
	out.Write([]byte(hide.Replace(stderr.String())))
	out.Write([]byte(hide.Replace(string(report))))
	return code, nil
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

// briefReport keeps an inspect report's verdict lines and findings and drops
// the header and claim listings, which an earlier step already showed.
func briefReport(report []byte) []byte {
	var out bytes.Buffer
	keep := true
	for _, line := range strings.SplitAfter(string(report), "\n") {
		switch strings.TrimSpace(line) {
		case "Header":
			keep = false
			out.WriteString("  (header and claims listing omitted: step 2 shows one in full)\n")
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
