package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// writeErrorText prints a failure for people: the message, then what is
// known about it, one item a line.
func writeErrorText(f *Factory, b errorBody) {
	w := f.IO.ErrOut
	for _, a := range b.Attempts {
		fmt.Fprintf(w, "entratoken: auto: %-18s %s", a.Method, a.Outcome)
		if a.Reason != "" {
			fmt.Fprintf(w, " (%s)", a.Reason)
		}
		fmt.Fprintln(w)
	}
	msg := b.Message
	if strings.HasPrefix(b.Code, "AADSTS") {
		msg = b.Code + ": " + msg
	}
	if b.Method != "" && b.Method != "auto" {
		msg = b.Method + ": " + msg
	}
	fmt.Fprintf(w, "entratoken: %s\n", msg)
	if b.Finding != "" {
		fmt.Fprintf(w, "  finding: %s\n", b.Finding)
	}
	if b.Expected != "" {
		fmt.Fprintf(w, "  expected: %s\n  actual:   %s\n", b.Expected, b.Actual)
	}
	if b.Fix != "" {
		fmt.Fprintf(w, "  fix: %s\n", b.Fix)
	}
	if b.TraceID != "" || b.CorrelationID != "" {
		fmt.Fprintf(w, "  trace ID: %s  correlation ID: %s (for the sign-in logs and Microsoft support)\n", b.TraceID, b.CorrelationID)
	}
}

// Main runs the command line and returns the exit code. It is the single
// entry point: main calls it and the testscript tests register it.
func Main() int {
	// Ctrl-C and a polite kill end the context: every wait stops, and
	// demo --serve removes its files.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, newFactory(), os.Args[1:])
}

// run executes args with f and maps the outcome to an exit code, printing the
// error in the form the output mode wants.
func run(ctx context.Context, f *Factory, args []string) int {
	// Before any flag is parsed: a usage error may echo an argument, and an
	// argument may be "$APIM_SUBSCRIPTION_KEY".
	if f.Getenv != nil {
		f.Secrets.AddEnv(f.Getenv)
	}
	root := newRootCmd(f, invoked(args))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if f.Globals.Verbose {
		stopAzureSDK()
	}
	f.closeIdle()
	code := exitCode(err, f.ran)
	if err == nil || code == exitOK {
		return code
	}
	if _, silent := err.(*silentError); silent {
		return code
	}
	// Every message is redacted: a token pasted where a command or file
	// name was expected would otherwise be echoed into logs.
	body := errorBodyOf(err)
	body.Message, body.Fix = f.redact(body.Message), f.redact(body.Fix)
	body.Expected, body.Actual = f.redact(body.Expected), f.redact(body.Actual)
	for i := range body.Attempts {
		body.Attempts[i].Reason = f.redact(body.Attempts[i].Reason)
	}
	if code != exitUsage && f.Globals.Output == "json" {
		_ = writeJSON(f.IO.Out, errorDoc{Error: body})
		return code
	}
	writeErrorText(f, body)
	if code == exitUsage && !f.ran {
		name := "entratoken"
		if c, _, e := root.Find(args); e == nil && c != nil {
			name = c.CommandPath()
		}
		fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", name)
	}
	return code
}

// commands builds each command on demand: a process runs one, and building
// every command's flags and help before dispatch was a measurable part of
// its start-up (bench/process.sh).
func commands(f *Factory, width int) map[string]func() *cobra.Command {
	return map[string]func() *cobra.Command{
		"acquire":     func() *cobra.Command { return newAcquireCmd(f, nil) },
		"inspect":     func() *cobra.Command { return newInspectCmd(f, nil) },
		"diagnose":    func() *cobra.Command { return newDiagnoseCmd(f, nil) },
		"call":        func() *cobra.Command { return newCallCmd(f, nil) },
		"explain":     func() *cobra.Command { return newExplainCmd(f) },
		"trace":       func() *cobra.Command { return newTraceCmd(f) },
		"version":     func() *cobra.Command { return newVersionCmd(f) },
		"demo":        func() *cobra.Command { return newDemoCmd(f) },
		"environment": func() *cobra.Command { return newEnvironmentHelp(width) },
	}
}

// valueFlags are the global flags that take a separate value, which is not
// a command name.
var valueFlags = map[string]bool{"-o": true, "--output": true, "--authority-host": true, "--tenant": true, "--timeout": true, "--cache-dir": true}

// invoked returns the command args run ("" when it is not plainly one:
// help, completion, a typo, no command), for newRootCmd to build just it.
func invoked(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case valueFlags[a]:
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// newRootCmd returns the command tree. With only, and only a command of that
// name among ours, the tree holds just that command: what one process needs.
func newRootCmd(f *Factory, only ...string) *cobra.Command {
	g := &f.Globals
	root := &cobra.Command{
		Use:   "entratoken",
		Short: "Make Entra ID access tokens and APIM 401s understandable",
		Long: `Start here: entratoken demo runs the whole story against a simulated Entra tenant and
APIM gateway on this machine (no Azure account; nothing leaves it), and entratoken demo
--serve keeps them running and prints the environment to try every command by hand.

entratoken gets Microsoft Entra ID access tokens the way your callers do, decodes and
verifies them against the tenant's own keys, and says whether Azure API Management would
accept them, and if not, why and how to fix it, on the side where the fix belongs: the
client, the Entra app registration, or the APIM policy.

Exit codes: 0 success, 1 the check failed, 2 usage error, 3 could not get a token or the
tenant's metadata, 4 the call failed at transport level.`,
		Example: `  # First: the whole story, offline; then the same tenant and gateway to try commands on
  entratoken demo
  entratoken demo --serve

  # acquire: a token, as your caller gets it
  entratoken acquire --resource api://contoso-orders
  entratoken acquire --method managed-identity --resource api://contoso-orders --decode

  # inspect: its claims explained and its signature verified against the tenant's keys
  entratoken inspect "$TOKEN"
  entratoken acquire --resource api://contoso-orders -o json | entratoken inspect

  # diagnose: would APIM accept it under this policy, and if not, why; or lint the policy
  entratoken diagnose "$TOKEN" --policy policy.xml
  entratoken diagnose --policy policy.xml

  # call: through APIM, who refused it, and the diagnosis on the spot
  entratoken call https://contoso.azure-api.net/orders --resource api://contoso-orders
  entratoken call https://contoso.azure-api.net/orders --token @token.txt --diagnose-policy policy.xml

  # the evidence, with your own Azure sign-in: every scope's policy live over ARM, the
  # gateway's own trace, the Entra registrations over Graph
  entratoken call https://contoso.azure-api.net/orders/42 --token @token.txt --apim auto --apim-trace --entra
  entratoken diagnose "$TOKEN" --apim auto --url https://contoso.azure-api.net/orders/42 --entra
  entratoken trace explain trace.json

  # explain: an Entra error code, or a message pasted from APIM's answer or trace
  entratoken explain AADSTS7000215
  entratoken explain "JWT Validation Failed: IDX10214: Audience validation failed. ..."

  # every environment variable entratoken reads
  entratoken help environment`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			if f.Globals.Verbose {
				f.listenAzureSDK()
			}
			return nil
		},
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{err: err} })

	pf := root.PersistentFlags()
	pf.StringVarP(&g.Output, "output", "o", "text", "output format: text or json")
	pf.StringVar(&g.Authority, "authority-host", "", "Entra authority host for tokens and keys (env AZURE_AUTHORITY_HOST; default https://login.microsoftonline.com/)")
	pf.StringVar(&g.Tenant, "tenant", "", "tenant ID or domain (env AZURE_TENANT_ID)")
	pf.DurationVar(&g.Timeout, "timeout", 30*time.Second, "bound on every network operation")
	pf.StringVar(&g.CacheDir, "cache-dir", "", "where OIDC metadata and key sets are cached (env ENTRATOKEN_CACHE_DIR)")
	pf.BoolVar(&g.Offline, "offline", false, "never touch the network: use cached or explicitly given keys only")
	pf.BoolVar(&g.NoColor, "no-color", false, "no colour (also off with NO_COLOR or when stdout is not a terminal)")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "say each network step on stderr (secrets redacted)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))

	width := setHelp(f, root)
	cmds := commands(f, width)
	if len(only) == 1 && only[0] != "environment" && cmds[only[0]] != nil {
		root.AddCommand(cmds[only[0]]())
		sayMissingArgs(root)
		return root
	}
	for _, name := range []string{"acquire", "inspect", "diagnose", "call", "explain", "trace", "version", "demo", "environment"} {
		root.AddCommand(cmds[name]())
	}
	sayMissingArgs(root)
	return root
}

// markRan records that a command's own work started, so later errors are not
// taken for usage errors. Every RunE calls it after validating its flags.
func (f *Factory) markRan() { f.ran = true }
