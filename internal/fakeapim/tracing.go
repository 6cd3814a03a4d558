package fakeapim

// The gateway's side of tracing (shared/reference/evidence-sources.md §2.1,
// §2.8): a request with Apim-Debug-Authorization is checked against the
// ARM that issued the credential; a valid one gets Apim-Trace-Id and a
// trace recorded there, built from what the evaluator actually did.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/policy"
	"github.com/entratoken/entratoken/trace"
)

// Tracer is where the gateway checks debug credentials and records its
// traces: a *fakearm.Server.
type Tracer interface {
	VerifyDebugCredentialFor(token, api string, now time.Time) error
	RecordTrace(id string, trace json.RawMessage) error
}

// recording is the trace of one request, written as the request goes.
type recording struct {
	g       *Gateway
	id      string
	start   time.Time
	entries map[string][]trace.Entry
}

// startTrace honours the request's debug credential for the API it was
// routed to: nil when there is none, or it is not valid here (no header,
// as a gateway that does not trace); the -Expired or -WrongAPI header for
// those; otherwise Apim-Trace-Id and the recording, whose first entries are
// the request as received (secrets and all) and the router's match.
func (g *Gateway) startTrace(w http.ResponseWriter, r *http.Request, m *policy.Match, start time.Time) *recording {
	cred := r.Header.Get("Apim-Debug-Authorization")
	if cred == "" || g.opts.Tracer == nil {
		return nil
	}
	err := g.opts.Tracer.VerifyDebugCredentialFor(cred, m.API.Name, time.Now())
	switch {
	case errors.Is(err, fakearm.ErrDebugCredentialExpired):
		w.Header().Set("Apim-Debug-Authorization-Expired", strings.TrimPrefix(err.Error(), fakearm.ErrDebugCredentialExpired.Error()+" "))
		return nil
	case errors.Is(err, fakearm.ErrDebugCredentialWrongAPI):
		w.Header().Set("Apim-Debug-Authorization-WrongAPI", m.API.Name)
		return nil
	case err != nil:
		return nil
	}
	b := make([]byte, 16)
	rand.Read(b)
	rec := &recording{g: g, id: hex.EncodeToString(b), start: start, entries: map[string][]trace.Entry{}}
	w.Header().Set("Apim-Trace-Id", rec.id)
	type header struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	headers := []header{{"Host", r.Host}}
	for name, vs := range r.Header {
		for _, v := range vs {
			headers = append(headers, header{name, v})
		}
	}
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	rec.add("inbound", trace.Inspector, map[string]any{"request": map[string]any{"method": r.Method,
		"url": scheme + "://" + r.Host + r.URL.RequestURI(), "headers": headers}})
	var version any
	if m.API.Version != "" {
		version = m.API.Version
	}
	product := "-"
	rec.add("inbound", trace.Inspector, map[string]any{"configuration": map[string]any{
		"api":       map[string]any{"from": "/" + m.API.Path, "to": map[string]any{"scheme": "https", "host": "orders.backend.example", "port": 443, "path": "/"}, "version": version, "revision": m.API.Revision},
		"operation": map[string]any{"method": m.Operation.Method, "uriTemplate": m.Operation.URLTemplate},
		"user":      "-", "product": product}})
	return rec
}

// product names the request's product context in the configuration entry.
func (rec *recording) product(p *policy.Product) {
	if rec == nil || p == nil {
		return
	}
	cfg := rec.entries["inbound"][1]
	var d map[string]map[string]any
	if json.Unmarshal(cfg.Data, &d) == nil {
		d["configuration"]["product"] = p.Name
		cfg.Data, _ = json.Marshal(d)
		rec.entries["inbound"][1] = cfg
	}
}

func (rec *recording) add(section, source string, data any) {
	b, _ := json.Marshal(data)
	now := time.Now()
	rec.entries[section] = append(rec.entries[section], trace.Entry{Source: source, Timestamp: now.UTC().Format("2006-01-02T15:04:05.0000000Z"),
		Elapsed: trace.Elapsed(now.Sub(rec.start)), Data: b})
}

// steps writes an entry for each statement the evaluator ran, with the
// library's message for the one that refused (validate-jwt's IDX text as
// the gateway prefixes it).
func (rec *recording) steps(rep *diagnose.Report) {
	if rec == nil || rep == nil {
		return
	}
	for _, s := range rep.Steps {
		switch {
		case strings.HasPrefix(s.Result, "not run"), s.Result == "":
			continue
		case strings.HasPrefix(s.Result, "FAIL") && (s.Policy == "validate-jwt" || s.Policy == "validate-azure-ad-token"):
			rec.add(s.Section, s.Policy, map[string]any{"message": "JWT Validation Failed: " + s.Trace})
		case strings.HasPrefix(s.Result, "FAIL"):
			rec.add(s.Section, s.Policy, map[string]any{"message": s.Trace})
		case s.Result == "pass":
			rec.add(s.Section, s.Policy, map[string]any{"message": "Validation succeeded"})
		default:
			rec.add(s.Section, s.Policy, map[string]any{"message": s.Result})
		}
	}
}

// forwarded writes the backend's and the outbound entries of a request the
// gateway sent on.
func (rec *recording) forwarded(r *http.Request) {
	if rec == nil {
		return
	}
	rec.add("backend", "forward-request", map[string]any{"message": "Request is being forwarded to the backend service. Timeout set to 300 seconds",
		"request": map[string]any{"method": r.Method, "url": "https://orders.backend.example" + r.URL.Path}})
	rec.add("outbound", "transfer-response", map[string]any{"message": "Response has been sent to the caller in full"})
}

// refused writes on-error's answer for a request a statement refused.
func (rec *recording) refused(status int) {
	if rec == nil || len(rec.entries["on-error"]) > 0 { // the policy's own on-error ran
		return
	}
	rec.add("on-error", "set-status", map[string]any{"message": []string{"Response status code was set to " + strconv.Itoa(status)}})
	rec.add("on-error", "transfer-response", map[string]any{"message": "Response has been sent to the caller in full"})
}

// finish records the trace in ARM for listTrace.
func (rec *recording) finish() {
	if rec == nil {
		return
	}
	b, _ := json.Marshal(trace.Trace{ServiceName: rec.g.opts.Service.Name, TraceID: rec.id, Entries: rec.entries})
	_ = rec.g.opts.Tracer.RecordTrace(rec.id, b)
}
