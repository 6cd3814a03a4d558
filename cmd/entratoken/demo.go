package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
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
	wantExit              int
	brief                 bool // show the verdict lines and findings, not every claim again
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
	good, err := contoso.Mint(fakeentra.Spec{Roles: []string{"Orders.Read"}})
	if err != nil {
		return err
	}
	graph, err := contoso.Mint(fakeentra.Spec{Graph: true, Version: "1.0", Roles: []string{"User.Read.All"}})
	if err != nil {
		return err
	}
	tampered := tamper(good, `"roles":["Orders.Read"]`, `"roles":["Orders.Write"]`)

	p := f.IO.Palette()
	out := f.IO.Out
	fmt.Fprintf(out, "%s\n\n", p.Bold("entratoken demo: a simulated Entra tenant on this machine; nothing leaves it."))
	fmt.Fprintf(out, "Tenant %s (%s) is served at %s\n", fakeentra.TenantDomain, fakeentra.TenantID, tenant.URL)
	fmt.Fprintf(out, "The commands below are what you would type against your own tenant; here they also get\n")
	fmt.Fprintf(out, "--authority-host %s, which is how sovereign clouds and test tenants are reached.\n", tenant.URL)

	steps := []demoStep{
		{
			title:   "1. A daemon got an app-only token for the orders API. Is it genuine, and what does it allow?",
			explain: "The tenant issued it as Entra does for client credentials (role Orders.Read assigned).",
			shown:   `entratoken inspect "$TOKEN"`, args: []string{"inspect", good}, wantExit: exitOK,
		},
		{
			title:   "2. Someone edited the token to grant themselves Orders.Write.",
			explain: "The claims decode fine (any web decoder shows them); only the signature tells.",
			shown:   `entratoken inspect "$EDITED_TOKEN"`, args: []string{"inspect", tampered}, wantExit: exitFailed, brief: true,
		},
		{
			title:   "3. A Microsoft Graph token was pasted where an API token was expected.",
			explain: "Graph tokens cannot be verified by anyone but Graph, by design; APIM would refuse it.",
			shown:   `entratoken inspect "$GRAPH_TOKEN"`, args: []string{"inspect", graph}, wantExit: exitFailed, brief: true,
		},
	}
	child := &Factory{
		IO:      f.IO,
		Globals: Globals{CacheDir: cache, Authority: tenant.URL},
		Getenv:  func(string) string { return "" },
		RootCAs: tenant.CertPool(),
	}
	for _, s := range steps {
		fmt.Fprintf(out, "\n%s\n%s\n", p.Bold(s.title), p.Dim(s.explain))
		fmt.Fprintf(out, "%s %s\n\n", p.Cyan("$"), s.shown)
		c := *child
		var buf bytes.Buffer
		if s.brief {
			io := *f.IO
			io.Out = &buf
			c.IO = &io
		}
		args := append(s.args, "--authority-host", tenant.URL, "--cache-dir", cache)
		if f.Globals.NoColor {
			args = append(args, "--no-color")
		}
		code := run(ctx, &c, args)
		if s.brief {
			out.Write(briefReport(buf.Bytes()))
		}
		fmt.Fprintf(out, "%s\n", p.Dim(fmt.Sprintf("(exit %d)", code)))
		if code != s.wantExit {
			return fmt.Errorf("demo step %q exited %d, expected %d", s.shown, code, s.wantExit)
		}
	}
	fmt.Fprintf(out, "\n%s\n", p.Bold("Next: entratoken inspect --help, and README.md for using it with your own tenant."))
	return nil
}

// tamper replaces text in a token's payload and keeps the original signature,
// as someone editing a token in a web decoder would.
func tamper(tok, from, to string) string {
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return tok
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), from, to, 1)))
	return strings.Join(parts, ".")
}

// briefReport keeps an inspect report's verdict lines and findings and drops
// the header and claim listings, which the first step already showed.
func briefReport(report []byte) []byte {
	var out bytes.Buffer
	keep := true
	for _, line := range strings.SplitAfter(string(report), "\n") {
		switch strings.TrimSpace(line) {
		case "Header":
			keep = false
			out.WriteString("  (header and claims listing omitted: step 1 shows one in full)\n")
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
