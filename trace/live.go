package trace

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
)

// Response headers of a traced request (shared/reference/evidence-sources.md §2.1).
const (
	HeaderCredential = "Apim-Debug-Authorization"
	HeaderTraceID    = "Apim-Trace-Id"
	HeaderExpired    = "Apim-Debug-Authorization-Expired"
	HeaderWrongAPI   = "Apim-Debug-Authorization-WrongAPI"
)

// Source gets debug credentials and traces: armsource's Client for one
// service. Its errors carry their finding (FindingOf).
type Source interface {
	DebugCredential(ctx context.Context, apiID string) (string, error)
	Trace(ctx context.Context, traceID string) (*Trace, error)
}

// FindingOf is how a Source's error becomes a finding: a func so that this
// package needs no ARM client.
type FindingOf func(error) (finding.Finding, bool)

// Send sends the request once more with the debug credential and returns
// the response's headers; its error is the request's own failure.
type Send func(ctx context.Context, credential string) (http.Header, error)

// Outcome is what getting the trace of a request came to: the trace, or
// the finding that says why there is none.
type Outcome struct {
	Trace   *Trace
	Finding *finding.Finding // TRACE_UNAVAILABLE, TRACE_CREDENTIAL_EXPIRED, TRACE_WRONG_API
	// Header is the response's headers of the traced send.
	Header http.Header
}

// Get traces one request to the API apiID (the API the matcher found):
// a debug credential, the request sent with it (addSecret is told the
// credential before anything can print it), then Apim-Trace-Id and the
// trace. An expired credential is retried once with a new one. No trace is
// a finding, never an error; the error is send's own.
func Get(ctx context.Context, src Source, of FindingOf, apiID string, addSecret func(string), send Send) (Outcome, error) {
	var out Outcome
	for attempt := 0; attempt < 2; attempt++ {
		cred, err := src.DebugCredential(ctx, apiID)
		if err != nil {
			out.Finding = findingOf(of, err)
			return out, nil
		}
		addSecret(cred)
		h, err := send(ctx, cred)
		if err != nil {
			return out, err
		}
		out.Header = h
		wrongAPI, expired := diagnose.CutMessage(h.Get(HeaderWrongAPI)), diagnose.CutMessage(h.Get(HeaderExpired)) // the gateway's words, bounded
		switch {
		case h.Get(HeaderTraceID) != "" && !traceID().MatchString(h.Get(HeaderTraceID)):
			out.Finding = &finding.Finding{Code: finding.TraceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
				Expected: "an " + HeaderTraceID + " of letters, digits, - and _", Actual: diagnose.CutMessage(h.Get(HeaderTraceID)),
				Message: "the gateway answered an " + HeaderTraceID + " that is no trace id: not asked for",
				Fix:     "trace the request in the portal (Test tab, Trace) and run entratoken trace explain FILE"}
			return out, nil
		case h.Get(HeaderTraceID) != "":
			t, err := src.Trace(ctx, h.Get(HeaderTraceID))
			if err != nil {
				out.Finding = findingOf(of, err)
				return out, nil
			}
			out.Trace = t
			return out, nil
		case h.Get(HeaderWrongAPI) != "" || len(h.Values(HeaderWrongAPI)) > 0:
			out.Finding = &finding.Finding{Code: finding.TraceWrongAPI, Severity: finding.SeverityWarning, Side: finding.SideClient,
				Expected: "the gateway routes the request to " + apiID, Actual: "the gateway routed it to another API: " + wrongAPI,
				Message: fmt.Sprintf("the gateway says the debug credential is for another API than the one it routed the request to (%s): entratoken's URL match (%s) and the gateway disagree", orNone(wrongAPI), apiID),
				Fix:     "check the URL against the APIs' paths, versions and revisions (a current revision or a version set may route elsewhere); the diagnosis above rests on the matched API"}
			return out, nil
		case h.Get(HeaderExpired) != "" || len(h.Values(HeaderExpired)) > 0:
			if attempt == 0 {
				continue
			}
			out.Finding = &finding.Finding{Code: finding.TraceCredentialExpired, Severity: finding.SeverityWarning, Side: finding.SideClient,
				Expected: "a debug credential valid for an hour", Actual: "expired (" + orNone(expired) + ")",
				Message: "the gateway said the debug credential had expired, also for a new one: the clocks of ARM and the gateway disagree, or the gateway's configuration is stale",
				Fix:     "retry in a minute; if it persists, trace the request in the portal (Test tab, Trace) and run entratoken trace explain FILE"}
			return out, nil
		default:
			out.Finding = &finding.Finding{Code: finding.TraceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
				Expected: "an " + HeaderTraceID + " header", Actual: "none, and no " + HeaderExpired + " or " + HeaderWrongAPI,
				Message: "the gateway did not trace the request: its tier or gateway does not support tracing (v2 tiers, self-hosted and workspace gateways have not, or not always), or it ignored the credential",
				Fix:     "trace the request in the portal (Test tab, Trace) if it offers it, and run entratoken trace explain FILE"}
			return out, nil
		}
	}
	return out, nil
}

// traceID is what a trace id is: the gateway's are 32 hex digits.
var traceID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`) })

func findingOf(of FindingOf, err error) *finding.Finding {
	if of != nil {
		if f, ok := of(err); ok {
			return &f
		}
	}
	return &finding.Finding{Code: finding.TraceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
		Message: "the gateway's trace could not be had: " + err.Error(), Expected: "the gateway's trace of the request", Actual: "none", Fix: "retry"}
}

// Agreement values (spec/cli.md, JSON "agreement").
const (
	Agree       = "agree"
	Disagree    = "disagree"
	Unavailable = "unavailable"
)

// subscriptionCheck names the gateway's key check, which runs before any
// policy step.
const subscriptionCheck = "the subscription key check"

// Agreement compares the trace with the prediction the diagnosis made:
// the same outcome (accepted vs passed, rejected vs refused or error) and,
// for a refusal, the same failing statement. A disagreement is
// PREDICTION_DISAGREES, and the trace wins: it is what the gateway did.
func Agreement(v *View, rep *diagnose.Report) (string, *finding.Finding) {
	if v == nil || rep == nil || rep.Verdict == diagnose.Unknown || rep.Verdict == diagnose.Lint || rep.Verdict == "" {
		return Unavailable, nil
	}
	predicted, traced := rep.Verdict == diagnose.Accepted, v.Outcome == Passed
	predictedStep, tracedStep := predictedFailure(rep), tracedFailure(v)
	// A refusal the policy answers (4xx) is not an error that ended the
	// request (a backend failure, a 5xx): those disagree.
	errorOnly := !predicted && v.Outcome == Errored && rep.Status > 0 && rep.Status < 500
	if predicted == traced && !errorOnly && (predicted || predictedStep == "" || strings.EqualFold(predictedStep, tracedStep)) {
		return Agree, nil
	}
	say := func(accepted bool, step string) string {
		if accepted {
			return "accepted"
		}
		if step == "" {
			return "refused"
		}
		return "refused at " + step
	}
	tracedWords := say(traced, tracedStep)
	if v.Outcome == Errored {
		tracedWords = "ended by an error"
		if tracedStep != "" {
			tracedWords += " at " + tracedStep
		}
	}
	f := &finding.Finding{Code: finding.PredictionDisagrees, Severity: finding.SeverityWarning, Side: finding.SideAPIM,
		Expected: "predicted: " + say(predicted, predictedStep), Actual: "the gateway's trace: " + tracedWords,
		Message: "the gateway's own trace disagrees with the prediction, and the trace wins: the policy that ran is not the one entratoken read (a revision, a just-saved change, a stale named value), or entratoken's evaluation is wrong",
		Fix:     "read the trace's steps above; compare the policy of the API and revision the trace names with the evidence (--save-evidence DIR)"}
	return Disagree, f
}

// predictedFailure names the statement the diagnosis says refuses.
func predictedFailure(rep *diagnose.Report) string {
	for _, s := range rep.Steps {
		if strings.HasPrefix(s.Result, "FAIL") {
			return s.Policy
		}
	}
	for _, c := range rep.Checks {
		if c.Name == "subscription-key" && c.Result == "fail" {
			return subscriptionCheck
		}
	}
	return ""
}

// tracedFailure names the step the trace shows refused.
func tracedFailure(v *View) string {
	if st, ok := v.FailedStep(); ok {
		return st.Source
	}
	if v.Outcome != Passed && v.policySteps() == 0 && v.configured {
		return subscriptionCheck
	}
	return ""
}
