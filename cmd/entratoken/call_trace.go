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

	"github.com/entratoken/entratoken/armsource"
	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
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
		p, err := armsource.SaveTrace(saveDir, t)
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
