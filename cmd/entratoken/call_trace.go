package main

// call --apim-trace: the gateway's own trace of the very request call
// sends (spec/cli.md, "The gateway's own trace"). The pieces call needs:
// tracedDo sends the request with a debug credential for the API the
// matcher found, explainTrace turns what came back into the view, the
// agreement with the prediction and the findings; both leave call's own
// exit code alone (a trace problem is a finding).

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/armsource"
	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/token"
	"github.com/entratoken/entratoken/trace"
)

// apimTrace is what --apim-trace found, as call reports it: JSON
// "gateway_trace" (null when there is none), "agreement" and
// "trace_findings".
type apimTrace struct {
	View      *trace.View       `json:"gateway_trace"`
	Agreement string            `json:"agreement"`
	Findings  []finding.Finding `json:"trace_findings"`
	Saved     string            `json:"-"` // the file --save-evidence wrote
}

// tracedDo sends r with Apim-Debug-Authorization for the API apiID (the
// live evidence's API resource ID): the response of the traced send (the
// last, when an expired credential made it send again) and what came of
// the trace. The error is the request's own (a transport failure).
func (f *Factory) tracedDo(ctx context.Context, client *http.Client, src trace.Source, apiID string, r call.Request) (*call.Response, trace.Outcome, error) {
	var resp *call.Response
	send := func(ctx context.Context, cred string) (http.Header, error) {
		traced := r
		traced.Headers = append(append([]call.Header(nil), r.Headers...), call.Header{Name: trace.HeaderCredential, Value: cred})
		var err error
		resp, err = call.Do(ctx, client, traced)
		if err != nil {
			return nil, err
		}
		return resp.Headers, nil
	}
	out, err := trace.Get(ctx, src, armsource.TraceFinding, apiID, f.addSecret, send)
	if err != nil {
		return nil, out, err
	}
	if resp == nil { // no credential: the request goes as it would without --apim-trace
		resp, err = call.Do(ctx, client, r)
	}
	return resp, out, err
}

// explainTrace builds the report of a traced request: the trace redacted
// (unless show), its view, whether it agrees with the diagnosis' prediction
// (rep; nil when there was none), and, with saveDir, the trace written to
// saveDir/trace/<traceId>.json (redacted unless show).
func (f *Factory) explainTrace(out trace.Outcome, rep *diagnose.Report, saveDir string, show bool) (*apimTrace, error) {
	at := &apimTrace{Agreement: trace.Unavailable, Findings: []finding.Finding{}}
	if out.Finding != nil {
		fd := *out.Finding
		fd.Message, fd.Actual, fd.Expected = f.redact(fd.Message), f.redact(fd.Actual), f.redact(fd.Expected)
		at.Findings = append(at.Findings, fd)
	}
	if out.Trace == nil {
		return at, nil
	}
	t := out.Trace
	if !show {
		t = t.Redact(&f.Secrets)
	}
	at.View = trace.Build(t)
	at.Findings = append(at.Findings, at.View.Findings...)
	agreement, disagree := trace.Agreement(at.View, rep)
	at.Agreement = agreement
	if disagree != nil {
		at.Findings = append(at.Findings, *disagree)
	}
	if saveDir != "" {
		saved := t
		if show { // secrets may be kept; the token under test is never saved (spec/cli.md, --save-evidence)
			saved = out.Trace.Redact(&f.Secrets)
			if b, err := out.Trace.JSON(); err == nil {
				if st, err := trace.Parse([]byte(token.Redact(string(b)))); err == nil {
					saved = st
				}
			}
		}
		p, err := armsource.SaveTrace(saveDir, saved)
		if err != nil {
			return at, err
		}
		at.Saved = p
	}
	return at, nil
}

// writeTraceReport prints a traced request's report after the diagnosis.
func writeTraceReport(w io.Writer, p iostreams.Palette, at *apimTrace) {
	if at.View != nil {
		writeTraceText(w, p, at.View)
		switch at.Agreement {
		case trace.Agree:
			fmt.Fprintln(w, "  the trace agrees with the prediction")
		case trace.Disagree:
			fmt.Fprintln(w, p.Yellow("  the trace disagrees with the prediction, and the trace wins (PREDICTION_DISAGREES below)"))
		}
	}
	var rest []finding.Finding
	for _, fd := range at.Findings {
		if at.View == nil || !contains(at.View.Findings, fd) {
			rest = append(rest, fd)
		}
	}
	if len(rest) > 0 {
		fmt.Fprintln(w, p.Bold("gateway trace:"))
		for _, fd := range rest {
			finding.Write(w, p, fd)
		}
	}
	if at.Saved != "" {
		fmt.Fprintf(w, "  trace saved to %s\n", finding.Escape(at.Saved))
	}
}

func contains(fs []finding.Finding, f finding.Finding) bool {
	for _, g := range fs {
		if g.Code == f.Code && g.Message == f.Message {
			return true
		}
	}
	return false
}

// apimTraceOptions is call's --apim-trace and what it found.
type apimTraceOptions struct {
	On  bool
	out trace.Outcome
	// unavailable says why nothing was traced before anything was sent.
	unavailable *finding.Finding
}

func addAPIMTraceFlag(cmd *cobra.Command, o *CallOptions) {
	cmd.Flags().BoolVar(&o.APIMTrace.On, "apim-trace", false, "with --apim: send the request with a debug credential and show the gateway's own trace of it (needs listDebugCredentials and listTrace: API Management Service Contributor)")
}

func (o *CallOptions) validateAPIMTrace() error {
	switch {
	case !o.APIMTrace.On:
		return nil
	case o.Sources.APIM.Service == "":
		return flagErrorf("--apim-trace needs --apim SERVICE: the debug credential is for the service's API the URL matches")
	case o.Repeat > 1:
		return flagErrorf("flags '--apim-trace' and '--repeat' are mutually exclusive: a trace is of one request")
	case o.Curl:
		return flagErrorf("flags '--apim-trace' and '--curl' are mutually exclusive: --curl sends nothing")
	}
	return nil
}

// sendCall sends the call's request: with --apim-trace, traced for the API
// the live evidence routes the URL to.
func (f *Factory) sendCall(ctx context.Context, o *CallOptions, client *http.Client, r call.Request) (*call.Response, error) {
	a := &o.Sources.APIM
	if !o.APIMTrace.On {
		return call.Do(ctx, client, r)
	}
	unavailable := func(msg string) (*call.Response, error) {
		o.APIMTrace.unavailable = &finding.Finding{Code: finding.TraceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
			Message: msg, Expected: "the gateway's trace of the request", Actual: "none", Fix: "trace the request in the portal (Test tab, Trace) and run entratoken trace explain FILE"}
		return call.Do(ctx, client, r)
	}
	if a.live == nil || a.client == nil {
		return unavailable("no trace was asked for: the live evidence of --apim could not be read, so the API to trace is not known")
	}
	headers := map[string]string{}
	for _, h := range r.Headers {
		headers[h.Name] = h.Value
	}
	m, err := a.live.Service.Route(callMethod(r), r.URL, headers)
	if err != nil {
		return unavailable("no trace was asked for: the URL matches no API of the service (" + err.Error() + "), and a debug credential is for one API")
	}
	resp, out, err := f.tracedDo(ctx, client, a.client.Tracer(a.live.Ref), m.API.ID, r)
	o.APIMTrace.out = out
	return resp, err
}

// traceReport fills in the call's --apim-trace report: the trace, and its
// agreement with what the policy predicts for this request (evaluated
// again without the gateway's answer, so that the prediction is the
// policy's own).
func (f *Factory) traceReport(ctx context.Context, o *CallOptions, r call.Request, out *callResult) {
	t := &o.APIMTrace
	if !t.On {
		return
	}
	var pred *diagnose.Report
	if len(o.targets) > 0 && r.Token != "" {
		in := diagnose.Input{Token: r.Token, SubscriptionKey: r.SubscriptionKey != "", Resolver: f.Resolver(), Authority: f.authority}
		pred, _ = runTargets(ctx, in, o.targets) // no prediction: agreement unavailable
	}
	at, err := f.explainTrace(t.out, pred, o.Sources.APIM.SaveEvidence, o.ShowSecrets)
	if t.unavailable != nil {
		at.Findings = append(at.Findings, *t.unavailable)
	}
	if err != nil {
		fd := finding.Finding{Code: finding.TraceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
			Message: "the trace could not be saved: " + f.redact(err.Error()), Fix: "check --save-evidence DIR"}
		at.Findings = append(at.Findings, fd)
	}
	out.trace = at
}
