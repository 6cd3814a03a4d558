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
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
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
}

// mask shows a secret as a fingerprint unless --show-secrets.
func (c *callResult) mask(v string) string {
	if c.show || v == "" {
		return v
	}
	if strings.HasPrefix(v, "eyJ") {
		return token.Fingerprint(v)
	}
	return fmt.Sprintf("****(%d chars)", len(v))
}

func (c *callResult) requestHeaders() [][2]string {
	var out [][2]string
	if c.req.Token != "" {
		out = append(out, [2]string{"Authorization", "Bearer " + c.mask(c.req.Token)})
	}
	if c.req.SubscriptionKey != "" && !c.req.KeyInQuery {
		out = append(out, [2]string{call.SubscriptionHeader, c.mask(c.req.SubscriptionKey)})
	}
	for _, h := range c.req.Headers {
		v := h.Value
		if netx.SecretHeader(h.Name) {
			v = c.mask(v)
		}
		out = append(out, [2]string{h.Name, v})
	}
	return out
}

func (c *callResult) shownURL() string {
	if c.req.SubscriptionKey != "" && c.req.KeyInQuery && !c.show {
		sep := "?"
		if strings.Contains(c.req.URL, "?") {
			sep = "&"
		}
		return c.req.URL + sep + call.SubscriptionQuery + "=" + c.mask(c.req.SubscriptionKey)
	}
	return c.req.URL
}

func (c *callResult) responseHeaders() []string {
	var names []string
	for k := range c.resp.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []string
	for _, k := range names {
		v := strings.Join(c.resp.Headers[k], ", ")
		if netx.SecretHeader(k) && !strings.EqualFold(k, "WWW-Authenticate") {
			v = c.mask(v)
		}
		out = append(out, k+": "+v)
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

func (c *callResult) text(f *Factory) error {
	w, p := f.IO.Out, f.IO.Palette()
	fmt.Fprintf(w, "%s %s %s\n", p.Dim(">"), c.method(), c.shownURL())
	for _, h := range c.requestHeaders() {
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
	for _, h := range c.responseHeaders() {
		fmt.Fprintf(w, "%s %s\n", p.Dim("<"), h)
	}
	body := c.resp.Body
	if isJSON(c.resp.Headers, body) {
		var buf bytes.Buffer
		if json.Indent(&buf, body, "", "  ") == nil {
			body = buf.Bytes()
		}
	}
	if len(body) > 0 {
		shown := body
		if len(shown) > maxShownBody {
			shown = shown[:maxShownBody]
		}
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(f.redact(string(shown)), "\n"))
		if len(body) > maxShownBody || c.resp.Truncated {
			fmt.Fprintf(w, "%s\n", p.Dim(fmt.Sprintf("(body cut: %d bytes shown; -o json carries up to %d KiB)", len(shown), call.MaxBody>>10)))
		}
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
	Request   map[string]any     `json:"request"`
	Response  map[string]any     `json:"response"`
	Timing    map[string]float64 `json:"timing"`
	RefusedBy *string            `json:"refused_by"`
	Diagnosis *diagnose.Report   `json:"diagnosis"`
}

func (c *callResult) json(f *Factory) callJSON {
	reqHeaders := map[string]string{}
	for _, h := range c.requestHeaders() {
		reqHeaders[h[0]] = h[1]
	}
	respHeaders := map[string]string{}
	for _, h := range c.responseHeaders() {
		k, v, _ := strings.Cut(h, ": ")
		respHeaders[k] = v
	}
	var body any = f.redact(string(c.resp.Body))
	if isJSON(c.resp.Headers, c.resp.Body) {
		body = json.RawMessage(f.redact(string(c.resp.Body)))
	}
	t := c.resp.Timing
	out := callJSON{
		Request:  map[string]any{"method": c.method(), "url": c.shownURL(), "headers": reqHeaders, "body_bytes": len(c.req.Body)},
		Response: map[string]any{"status": c.resp.Status, "headers": respHeaders, "body": body, "truncated": c.resp.Truncated},
		Timing: map[string]float64{"dns_ms": ms(t.DNS.Microseconds()), "connect_ms": ms(t.Connect.Microseconds()), "tls_ms": ms(t.TLS.Microseconds()),
			"first_byte_ms": ms(t.FirstByte.Microseconds()), "total_ms": ms(t.Total.Microseconds())},
		Diagnosis: c.diagnosis,
	}
	if c.refused != nil {
		by := c.refused.RefusedBy
		out.RefusedBy = &by
	}
	return out
}

func ms(us int64) float64 { return float64(us) / 1000 }
