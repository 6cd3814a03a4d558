package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/trace"
)

// traceJSON is trace explain's JSON document (spec/cli.md, "The gateway's
// own trace").
type traceJSON struct {
	GatewayTrace *trace.View       `json:"gateway_trace"`
	Findings     []finding.Finding `json:"findings"`
}

func newTraceCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "trace",
		Short: "Explain the APIM gateway's own trace of a request",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var showSecrets bool
	explain := &cobra.Command{
		Use:   "explain FILE",
		Short: "Explain a saved APIM gateway trace",
		Long: `Explain a trace of one request as API Management's gateway wrote it: listTrace's JSON
(what call --apim-trace fetches and --save-evidence writes to trace/<traceId>.json) or a
trace saved from the portal's test console (the same shape). FILE may be - for stdin.

It prints the API, operation and product the gateway matched, every step it ran (section,
policy, time since the request arrived, message) and, when a step refused, what it means:
IdentityModel's IDX messages are read as entratoken explain reads them. A trace with only the
gateway's api-inspector entries means it answered before any policy ran (its API match or
its subscription check).

Keys, tokens, Authorization, the debug credential and secret values are redacted unless
--show-secrets. Exit 0 when the trace shows the request passed the gateway, 1 when it shows
a refusal or an error, 2 when FILE is not a trace.`,
		Example: `  entratoken trace explain trace.json
  entratoken trace explain evidence/trace/1e0447d4.json -o json
  pbpaste | entratoken trace explain -`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			t, err := readTrace(f, args[0])
			if err != nil {
				return err
			}
			f.markRan()
			if !showSecrets {
				t = t.Redact(&f.Secrets)
			}
			v := trace.Build(t)
			if f.Globals.Output == "json" {
				if err := writeJSON(f.IO.Out, traceDoc(v)); err != nil {
					return err
				}
			} else {
				writeTraceText(f.IO.Out, f.IO.Palette(), v)
			}
			if v.Outcome != trace.Passed {
				return errFailed
			}
			return nil
		},
	}
	explain.Flags().BoolVar(&showSecrets, "show-secrets", false, "show keys, tokens and credentials as the trace holds them")
	root.AddCommand(explain)
	return root
}

func traceDoc(v *trace.View) traceJSON {
	fs := v.Findings
	if fs == nil {
		fs = []finding.Finding{}
	}
	return traceJSON{GatewayTrace: v, Findings: fs}
}

// readTrace reads FILE (or stdin for -) as a trace; anything else is a
// usage error that says why.
func readTrace(f *Factory, path string) (*trace.Trace, error) {
	var b []byte
	var err error
	name := path
	if path == "-" {
		name = "stdin"
		if f.IO.In == nil {
			return nil, flagErrorf("trace explain: no stdin")
		}
		b, err = iostreams.ReadAll(f.IO.In, trace.MaxSize)
	} else {
		b, err = iostreams.ReadFile(path, trace.MaxSize)
	}
	if err != nil {
		return nil, flagErrorf("trace explain: %s: %v", name, err)
	}
	t, err := trace.Parse(b)
	if err != nil {
		return nil, flagErrorf("trace explain: %s: %v", name, err)
	}
	return t, nil
}

// writeTraceText prints a trace's view for people: what the gateway
// matched, every step, the failing one marked, and the findings.
func writeTraceText(w io.Writer, p iostreams.Palette, v *trace.View) {
	esc := finding.Escape
	outcome := p.Green(v.Outcome)
	if v.Outcome != trace.Passed {
		outcome = p.Red(v.Outcome)
	}
	fmt.Fprintf(w, "%s %s: %s", p.Bold("gateway trace"), esc(v.TraceID), outcome)
	if v.Status > 0 {
		fmt.Fprintf(w, " (status %d)", v.Status)
	}
	fmt.Fprintln(w)
	api := orNone(v.API)
	if v.Version != "" {
		api += " version " + v.Version
	}
	if v.Revision != "" {
		api += " revision " + v.Revision
	}
	if v.Service != "" {
		fmt.Fprintf(w, "  service    %s\n", esc(v.Service))
	}
	fmt.Fprintf(w, "  API        %s\n  operation  %s\n  product    %s\n", esc(api), esc(orNone(v.Operation)), esc(orNone(v.Product)))
	if v.Request != "" {
		fmt.Fprintf(w, "  request    %s\n", esc(v.Request))
	}
	fmt.Fprintln(w, "  steps:")
	for i, st := range v.Steps {
		elapsed := "      -"
		if st.ElapsedMS >= 0 {
			elapsed = fmt.Sprintf("%7.1fms", st.ElapsedMS)
		}
		line := fmt.Sprintf("    %-9s %-22s %9s  %s", st.Section, esc(st.Source), elapsed, esc(st.Message))
		if i == v.Failed {
			line = p.Red(line + "  ← failed here")
		}
		fmt.Fprintln(w, line)
	}
	if len(v.Findings) > 0 {
		fmt.Fprintln(w, "  what the failing step means:")
		for _, fd := range v.Findings {
			finding.Write(w, p, fd)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
