package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/redact"
)

// maxShownBody bounds the body printed as text; JSON carries all that was read.
const maxShownBody = 64 << 10

type callResult struct {
	req        call.Request
	resp       *call.Response
	refused    *diagnose.ResponseInfo
	diagnosis  *diagnose.Report
	diagSource string
	show       bool
	trace      *apimTrace // --apim-trace
}

// mask shows a secret as a fingerprint unless --show-secrets.
func (c *callResult) mask(v string) string {
	if c.show || v == "" {
		return v
	}
	return redact.Mask(v)
}

// header is how a header is shown: every one, of any name, request or
// response, through the one redaction (unless --show-secrets).
func (c *callResult) header(f *Factory, name, value string) string {
	if c.show {
		return value
	}
	return f.Secrets.Header(name, value)
}

func (c *callResult) requestHeaders(f *Factory) [][2]string {
	var out [][2]string
	if c.req.Token != "" {
		out = append(out, [2]string{"Authorization", "Bearer " + c.mask(c.req.Token)})
	}
	if c.req.SubscriptionKey != "" && !c.req.KeyInQuery {
		out = append(out, [2]string{call.SubscriptionHeader, c.mask(c.req.SubscriptionKey)})
	}
	for _, h := range c.req.Headers {
		out = append(out, [2]string{h.Name, c.header(f, h.Name, h.Value)})
	}
	return out
}

// shownURL is the URL sent, with the key (when in the query) and every
// other secret query value masked.
func (c *callResult) shownURL(f *Factory) string {
	u := c.req.URL
	if c.req.SubscriptionKey != "" && c.req.KeyInQuery {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + call.SubscriptionQuery + "=" + c.req.SubscriptionKey
	}
	if c.show {
		return u
	}
	return f.redact(u)
}

func (c *callResult) responseHeaders(f *Factory) [][2]string {
	var names []string
	for k := range c.resp.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	var out [][2]string
	for _, k := range names {
		out = append(out, [2]string{k, c.header(f, k, strings.Join(c.resp.Headers[k], ", "))})
	}
	return out
}

func (c *callResult) method() string {
	if c.req.Method != "" {
		return c.req.Method
	}
	if c.req.Body != nil {
		return "POST"
	}
	return "GET"
}

func isJSON(h http.Header, body []byte) bool {
	return strings.Contains(strings.ToLower(h.Get("Content-Type")), "json") && json.Valid(body)
}

// text writes the exchange as curl -v does: the response body alone on
// stdout, everything else (request, status, headers, timing, who refused,
// diagnosis) on stderr, so call URL | jq and call URL > body.json work. On a
// terminal the body is pretty-printed (JSON), redacted and sanitised; to
// anything else it is written byte for byte, with only the secrets this
// invocation holds (its token, key and environment secrets) replaced.
func (c *callResult) text(f *Factory) error {
	w, p := f.IO.ErrOut, f.IO.ErrPalette()
	fmt.Fprintf(w, "%s %s %s\n", p.Dim(">"), c.method(), c.shownURL(f))
	for _, h := range c.requestHeaders(f) {
		fmt.Fprintf(w, "%s %s: %s\n", p.Dim(">"), h[0], h[1])
	}
	status := fmt.Sprintf("%s %d %s", c.resp.Proto, c.resp.Status, http.StatusText(c.resp.Status))
	switch {
	case c.resp.Status < 300:
		status = p.Green(status)
	case c.resp.Status >= 400:
		status = p.Red(status)
	}
	fmt.Fprintf(w, "\n%s %s", p.Dim("<"), status)
	if c.refused != nil {
		fmt.Fprintf(w, "   %s %s", p.Bold("refused by:"), refusedWords(c.refused.RefusedBy))
	}
	fmt.Fprintln(w)
	for _, h := range c.responseHeaders(f) {
		fmt.Fprintf(w, "%s %s: %s\n", p.Dim("<"), h[0], h[1])
	}
	if err := c.writeBody(f); err != nil {
		return err
	}
	t := c.resp.Timing
	fmt.Fprintf(w, "\n%s dns %s  connect %s  tls %s  first byte %s  total %s\n", p.Bold("timing:"),
		msText(t.DNS.Microseconds()), msText(t.Connect.Microseconds()), msText(t.TLS.Microseconds()),
		msText(t.FirstByte.Microseconds()), msText(t.Total.Microseconds()))
	if c.refused != nil && c.refused.RefusedBy == diagnose.RefusedBySubscription {
		fmt.Fprintf(w, "\n%s APIM refused before looking at the token: send a valid key in %s (APIM_SUBSCRIPTION_KEY).\n", p.Bold("why:"), call.SubscriptionHeader)
	}
	if c.diagnosis != nil {
		fmt.Fprintf(w, "\n%s\n", p.Bold("Diagnosis of the token sent"))
		c.diagnosis.WriteText(w, p, c.diagSource)
	}
	return nil
}

// writeBody puts the response body on stdout: see text.
func (c *callResult) writeBody(f *Factory) error {
	body := c.resp.Body
	if len(body) == 0 {
		return nil
	}
	note := func(format string, args ...any) {
		fmt.Fprintf(f.IO.ErrOut, "%s\n", f.IO.ErrPalette().Dim(fmt.Sprintf(format, args...)))
	}
	if !f.IO.OutTTY {
		if !c.show {
			body = f.Secrets.Values(body)
		}
		if _, err := iostreams.Raw(f.IO.Out).Write(body); err != nil {
			return err
		}
		if c.resp.Truncated {
			note("(body cut at %d KiB: the rest was not read)", call.MaxBody>>10)
		}
		return nil
	}
	if isJSON(c.resp.Headers, body) {
		var buf bytes.Buffer
		if json.Indent(&buf, body, "", "  ") == nil {
			body = buf.Bytes()
		}
	}
	shown := body
	if len(shown) > maxShownBody {
		shown = shown[:maxShownBody]
	}
	text := string(shown)
	if !c.show {
		text = f.redact(text)
	}
	if _, err := fmt.Fprintf(f.IO.Out, "%s\n", strings.TrimRight(text, "\n")); err != nil {
		return err
	}
	if len(body) > maxShownBody || c.resp.Truncated {
		note("(body cut: %d bytes shown; redirect stdout to a file, or -o json, for up to %d KiB)", len(shown), call.MaxBody>>10)
	}
	return nil
}

func msText(us int64) string { return fmt.Sprintf("%.1fms", float64(us)/1000) }

func refusedWords(by string) string {
	switch by {
	case diagnose.RefusedBySubscription:
		return "APIM's subscription key check"
	case diagnose.RefusedByToken:
		return "APIM's token policy"
	case diagnose.RefusedByBackend:
		return "the backend (its own WWW-Authenticate)"
	}
	return "unknown (no APIM error body, no WWW-Authenticate)"
}

type callJSON struct {
	Request    map[string]any     `json:"request"`
	Response   map[string]any     `json:"response"`
	Timing     map[string]float64 `json:"timing"`
	RefusedBy  *string            `json:"refused_by"`
	Diagnosis  *diagnose.Report   `json:"diagnosis"`
	*apimTrace                    // --apim-trace: gateway_trace, agreement, trace_findings
}

func (c *callResult) json(f *Factory) callJSON {
	reqHeaders := map[string]string{}
	for _, h := range c.requestHeaders(f) {
		reqHeaders[h[0]] = h[1]
	}
	respHeaders := map[string]string{}
	for _, h := range c.responseHeaders(f) {
		respHeaders[h[0]] = h[1]
	}
	shown := string(c.resp.Body)
	if !c.show {
		shown = f.redact(shown)
	}
	var body any = shown
	if isJSON(c.resp.Headers, c.resp.Body) && json.Valid([]byte(shown)) {
		body = json.RawMessage(shown)
	}
	t := c.resp.Timing
	out := callJSON{
		Request:  map[string]any{"method": c.method(), "url": c.shownURL(f), "headers": reqHeaders, "body_bytes": len(c.req.Body)},
		Response: map[string]any{"status": c.resp.Status, "headers": respHeaders, "body": body, "truncated": c.resp.Truncated},
		Timing: map[string]float64{"dns_ms": ms(t.DNS.Microseconds()), "connect_ms": ms(t.Connect.Microseconds()), "tls_ms": ms(t.TLS.Microseconds()),
			"first_byte_ms": ms(t.FirstByte.Microseconds()), "total_ms": ms(t.Total.Microseconds())},
		Diagnosis: c.diagnosis,
		apimTrace: c.trace,
	}
	if c.refused != nil {
		by := c.refused.RefusedBy
		out.RefusedBy = &by
	}
	return out
}

func ms(us int64) float64 { return float64(us) / 1000 }
