// Package trace reads Azure API Management's own trace of one request, as
// listTrace returns it (POST {service}/gateways/managed/listTrace, the
// request sent with Apim-Debug-Authorization; "Enable tracing for an API",
// learn.microsoft.com/azure/api-management/api-management-howto-api-inspector)
// or as the portal's test console saves it (the same shape): the API,
// operation and product the gateway matched, every policy step it ran with
// its timing, and the failing step's message. It decides what the trace
// shows (passed, refused, error), explains a refusal with the same reading
// of IdentityModel's IDX messages that diagnose gives the gateway's answer,
// and redacts what traces carry in clear: subscription keys, tokens,
// Authorization, the debug credential, secret named values.
package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/redact"
)

// MaxSize bounds a trace read from a file, stdin or listTrace: APIM's
// traces of one request are tens of KiB; bodies the gateway logs are cut at
// a few KiB each.
const MaxSize = 4 << 20

// Sections of a trace, in the order the gateway runs them (the portal's
// Inbound, Backend, Outbound and On error tabs).
var Sections = []string{"inbound", "backend", "outbound", "on-error"}

// Inspector is the source of the gateway's own entries: the request as
// received and the configuration it matched.
const Inspector = "api-inspector"

// Trace is the listTrace JSON: {"serviceName", "traceId", "traceEntries":
// {"inbound": [...], "backend": [...], "outbound": [...], "on-error": [...]}}.
type Trace struct {
	ServiceName string             `json:"serviceName,omitempty"`
	TraceID     string             `json:"traceId,omitempty"`
	Entries     map[string][]Entry `json:"traceEntries"`
}

// Entry is one step: the policy (or api-inspector) that wrote it, when,
// how long after the gateway received the request, and what it said (a
// string or an object).
type Entry struct {
	Source    string          `json:"source"`
	Timestamp string          `json:"timestamp,omitempty"`
	Elapsed   string          `json:"elapsed,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}

// Error is a trace that cannot be read (not JSON, not a trace, too large).
type Error struct{ Reason string }

func (e *Error) Error() string { return "not an APIM gateway trace: " + e.Reason }

// Read reads a trace of at most MaxSize bytes.
func Read(r io.Reader) (*Trace, error) {
	b, err := iostreams.ReadAll(r, MaxSize)
	if err != nil {
		return nil, &Error{Reason: err.Error()}
	}
	return Parse(b)
}

// Parse reads a trace: listTrace's JSON or the portal's saved trace.
func Parse(b []byte) (*Trace, error) {
	if len(b) > MaxSize {
		return nil, &Error{Reason: fmt.Sprintf("larger than %d KiB", MaxSize>>10)}
	}
	b = bytes.TrimPrefix(bytes.TrimSpace(b), []byte("\xef\xbb\xbf"))
	if len(b) == 0 {
		return nil, &Error{Reason: "the input is empty"}
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &Error{Reason: fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)}
		}
		return nil, &Error{Reason: "not a JSON object: " + err.Error()}
	}
	if _, ok := probe["traceEntries"]; !ok {
		return nil, &Error{Reason: "no traceEntries member (save the trace as listTrace returns it, or from the portal's Trace tab)"}
	}
	var t Trace
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, &Error{Reason: "traceEntries: " + err.Error()}
	}
	n := 0
	for name, entries := range t.Entries {
		if !known(name) {
			if len(name) > 64 {
				name = name[:64] + "…"
			}
			return nil, &Error{Reason: fmt.Sprintf("traceEntries has a section %q (known: %s)", name, strings.Join(Sections, ", "))}
		}
		n += len(entries)
	}
	if n == 0 {
		return nil, &Error{Reason: "traceEntries has no entries"}
	}
	return &t, nil
}

func known(section string) bool {
	for _, s := range Sections {
		if s == section {
			return true
		}
	}
	return false
}

// elapsedMS reads a .NET TimeSpan ("00:00:00.2983315", "1.02:03:04.5")
// as milliseconds; -1 when it is absent or unreadable.
func elapsedMS(v string) float64 {
	if v == "" {
		return -1
	}
	days := 0.0
	if d, rest, ok := strings.Cut(v, "."); ok && !strings.Contains(d, ":") {
		n, err := strconv.Atoi(d)
		if err != nil {
			return -1
		}
		days, v = float64(n), rest
	}
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		if d, err := time.ParseDuration(v); err == nil { // a fake or a future format
			return float64(d.Microseconds()) / 1000
		}
		return -1
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	s, err3 := strconv.ParseFloat(parts[2], 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return -1
	}
	ms := ((days*24+float64(h))*60+float64(m))*60_000 + s*1000
	return float64(int64(ms*1000+0.5)) / 1000
}

// Elapsed writes d as the gateway writes an entry's elapsed (a .NET
// TimeSpan with seven fraction digits): for simulated gateways.
func Elapsed(d time.Duration) string {
	h := int(d / time.Hour)
	m := int(d % time.Hour / time.Minute)
	s := d % time.Minute
	return fmt.Sprintf("%02d:%02d:%02d.%07d", h, m, int(s/time.Second), int(s%time.Second/100))
}

// Redact returns the trace with every secret in it hidden: the values of
// secret-named headers (Authorization keeps its scheme,
// Ocp-Apim-Subscription-Key, Apim-Debug-Authorization), secret query values
// in URLs (subscription-key), anything shaped like a token, and the values
// r holds (the debug credential, secret named values, the key sent). The
// shape stays, so a redacted trace is read like the raw one.
func (t *Trace) Redact(r *redact.Redactor) *Trace {
	out := &Trace{ServiceName: t.ServiceName, TraceID: t.TraceID, Entries: map[string][]Entry{}}
	for name, entries := range t.Entries {
		es := make([]Entry, len(entries))
		for i, e := range entries {
			e.Source, e.Timestamp, e.Elapsed = r.String(e.Source), r.String(e.Timestamp), r.String(e.Elapsed)
			var v any
			if len(e.Data) > 0 && json.Unmarshal(e.Data, &v) == nil {
				e.Data, _ = json.Marshal(redactValue(r, "", v))
			} else if len(e.Data) > 0 {
				e.Data, _ = json.Marshal(r.String(string(e.Data)))
			}
			es[i] = e
		}
		out.Entries[name] = es
	}
	return out
}

// redactValue hides the secrets in a decoded JSON value. name is the member
// the value stands under: a header name, or the name of a {"name",
// "value"} pair.
func redactValue(r *redact.Redactor, name string, v any) any {
	switch x := v.(type) {
	case string:
		if name != "" {
			return r.Header(name, x)
		}
		return r.String(hideCheckedValue(x))
	case []any:
		for i := range x {
			x[i] = redactValue(r, "", x[i])
		}
		return x
	case map[string]any:
		pair, _ := x["name"].(string) // a header as {"name": "...", "value": "..."}
		for k, val := range x {
			switch {
			case k == "value" && pair != "":
				x[k] = redactValue(r, pair, val)
			case isHeaderMap(k):
				x[k] = redactHeaders(r, val)
			default:
				x[k] = redactValue(r, "", val)
			}
		}
		return x
	}
	return v
}

// checkedValue is check-header's refusal, which quotes the value sent.
var checkedValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(Header (\S+) value of )(.*?)( is not allowed)`) })

// hideCheckedValue hides the value a check-header refusal quotes when the
// header is named like a credential (x-partner-key, x-api-secret): the
// value sent, or what the policy compares it with, is a secret.
func hideCheckedValue(s string) string {
	return checkedValue().ReplaceAllStringFunc(s, func(m string) string {
		p := checkedValue().FindStringSubmatch(m)
		if !netx.SecretHeader(p[2]) {
			return m
		}
		return p[1] + redact.Mask(p[3]) + p[4]
	})
}

func isHeaderMap(k string) bool { return strings.EqualFold(k, "headers") }

// redactHeaders hides header values given as a list of {"name", "value"}
// or as an object {"Name": "value" | ["value"]}.
func redactHeaders(r *redact.Redactor, v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return redactValue(r, "", v)
	}
	for k, val := range m {
		switch x := val.(type) {
		case string:
			m[k] = r.Header(k, x)
		case []any:
			for i := range x {
				if s, ok := x[i].(string); ok {
					x[i] = r.Header(k, s)
				} else {
					x[i] = redactValue(r, "", x[i])
				}
			}
		default:
			m[k] = redactValue(r, "", val)
		}
	}
	return m
}

// JSON writes the trace as listTrace returns it.
func (t *Trace) JSON() ([]byte, error) { return json.MarshalIndent(t, "", "  ") }
