package trace

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
)

type stubSource struct {
	creds   int
	credErr error
	traced  string
}

func (s *stubSource) DebugCredential(context.Context, string) (string, error) {
	s.creds++
	return "cred-" + string(rune('0'+s.creds)), s.credErr
}

func (s *stubSource) Trace(_ context.Context, id string) (*Trace, error) {
	s.traced = id
	b, err := os.ReadFile("testdata/idx10205.json")
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

func TestGet(t *testing.T) {
	ctx := context.Background()
	answers := func(hs ...http.Header) (Send, *[]string) {
		var sent []string
		return func(_ context.Context, cred string) (http.Header, error) {
			sent = append(sent, cred)
			h := hs[0]
			if len(hs) > 1 {
				hs = hs[1:]
			}
			return h, nil
		}, &sent
	}
	var secrets []string
	add := func(s string) { secrets = append(secrets, s) }

	src := &stubSource{}
	send, sent := answers(hdr(HeaderExpired, "at 2024-01-01T00:00:00Z"), hdr(HeaderTraceID, "t-9"))
	out, err := Get(ctx, src, nil, "/s/apis/orders", add, send)
	if err != nil || out.Trace == nil || out.Finding != nil || src.traced != "t-9" || len(*sent) != 2 || (*sent)[1] != "cred-2" {
		t.Fatalf("expired then traced: %+v %v, sent %v", out, err, *sent)
	}
	if len(secrets) != 2 || secrets[0] != "cred-1" {
		t.Errorf("credentials not registered as secrets: %v", secrets)
	}

	send, sent = answers(hdr(HeaderExpired, "at x"))
	out, _ = Get(ctx, &stubSource{}, nil, "orders", add, send)
	if out.Finding == nil || out.Finding.Code != finding.TraceCredentialExpired || len(*sent) != 2 {
		t.Errorf("expired twice: %+v, sent %v", out.Finding, *sent)
	}

	send, _ = answers(hdr(HeaderWrongAPI, "billing"))
	out, _ = Get(ctx, &stubSource{}, nil, "orders", add, send)
	if out.Finding == nil || out.Finding.Code != finding.TraceWrongAPI || out.Finding.Actual != "the gateway routed it to another API: billing" {
		t.Errorf("wrong API: %+v", out.Finding)
	}

	send, _ = answers(http.Header{})
	out, _ = Get(ctx, &stubSource{}, nil, "orders", add, send)
	if out.Finding == nil || out.Finding.Code != finding.TraceUnavailable {
		t.Errorf("no header: %+v", out.Finding)
	}

	forbidden := errors.New("403")
	of := func(err error) (finding.Finding, bool) {
		return finding.Finding{Code: finding.TraceUnavailable, Expected: "the action"}, errors.Is(err, forbidden)
	}
	send, sent = answers(http.Header{})
	out, err = Get(ctx, &stubSource{credErr: forbidden}, of, "orders", add, send)
	if err != nil || out.Finding == nil || out.Finding.Expected != "the action" || len(*sent) != 0 {
		t.Errorf("no credential: %+v %v, sent %v", out.Finding, err, *sent)
	}

	boom := errors.New("connection refused")
	out, err = Get(ctx, &stubSource{}, nil, "orders", add, func(context.Context, string) (http.Header, error) { return nil, boom })
	if !errors.Is(err, boom) || out.Finding != nil {
		t.Errorf("send's error: %v %+v", err, out)
	}
}

func TestAgreement(t *testing.T) {
	refusedJWT := Build(load(t, "idx10205.json"))
	keyRefused := Build(load(t, "key-refused.json"))
	passed := Build(load(t, "reference.json"))
	jwtFails := &diagnose.Report{Verdict: diagnose.Rejected, Steps: []diagnose.Step{{Section: "inbound", Policy: "validate-jwt", Result: "FAIL: answers 401 (ISSUER_MISMATCH)"}}}
	keyFails := &diagnose.Report{Verdict: diagnose.Rejected, Checks: []diagnose.Check{{Name: "subscription-key", Result: "fail"}}}
	accepted := &diagnose.Report{Verdict: diagnose.Accepted}
	for _, tt := range []struct {
		name string
		v    *View
		rep  *diagnose.Report
		want string
	}{
		{"same refusal", refusedJWT, jwtFails, Agree},
		{"key check both", keyRefused, keyFails, Agree},
		{"passed both", passed, accepted, Agree},
		{"predicted accepted, refused", refusedJWT, accepted, Disagree},
		{"another step", keyRefused, jwtFails, Disagree},
		{"predicted refused, passed", passed, jwtFails, Disagree},
		{"predicted a 401, the trace shows a 5xx", errored(t), &diagnose.Report{Verdict: diagnose.Rejected, Status: 401}, Disagree},
		{"no prediction", refusedJWT, &diagnose.Report{Verdict: diagnose.Unknown}, Unavailable},
		{"no trace", nil, jwtFails, Unavailable},
	} {
		got, f := Agreement(tt.v, tt.rep)
		if got != tt.want || (got == Disagree) != (f != nil && f.Code == finding.PredictionDisagrees) {
			t.Errorf("%s: %s %+v", tt.name, got, f)
		}
	}
}

// errored is a trace ended by a backend failure (504), not a refusal.
func errored(t *testing.T) *View {
	tr, err := Parse([]byte(`{"traceId":"e1","traceEntries":{
	 "inbound":[{"source":"api-inspector","data":{"configuration":{"api":{"from":"/orders"},"operation":{"method":"GET","uriTemplate":"/"},"product":"-"}}}],
	 "backend":[{"source":"forward-request","data":{"message":"Error occurred while calling backend service."}}],
	 "on-error":[{"source":"set-status","data":{"message":"Response status code was set to 504"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	return Build(tr)
}

func hdr(name, value string) http.Header {
	h := http.Header{}
	h.Set(name, value)
	return h
}

// The gateway's WrongAPI and Expired header values reach the findings cut:
// a response header may be MiB long.
func TestGetHeaderValuesBounded(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	for _, h := range []http.Header{hdr(HeaderWrongAPI, big), hdr(HeaderExpired, big)} {
		send := func(context.Context, string) (http.Header, error) { return h, nil }
		out, err := Get(context.Background(), &stubSource{}, nil, "/s/apis/orders", func(string) {}, send)
		if err != nil || out.Finding == nil {
			t.Fatalf("%v: %+v %v", h, out, err)
		}
		if n := len(out.Finding.Message) + len(out.Finding.Actual); n > 16<<10 {
			t.Errorf("%s: the finding holds %d bytes of the header", out.Finding.Code, n)
		}
	}
}

// An Apim-Trace-Id that is no id (a MiB of text, a path) is not sent to
// ARM nor quoted whole: TRACE_UNAVAILABLE.
func TestGetOddTraceID(t *testing.T) {
	for _, id := range []string{strings.Repeat("a", 1<<20), "../../x", "a b"} {
		src := &stubSource{}
		send := func(context.Context, string) (http.Header, error) { return hdr(HeaderTraceID, id), nil }
		out, err := Get(context.Background(), src, nil, "/s/apis/orders", func(string) {}, send)
		if err != nil || out.Finding == nil || out.Finding.Code != finding.TraceUnavailable || src.traced != "" || len(out.Finding.Actual) > 8<<10 {
			t.Errorf("id %.20q: traced %.20q, %+v %v", id, src.traced, out.Finding, err)
		}
	}
}
