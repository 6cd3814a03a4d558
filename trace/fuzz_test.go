package trace

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/redact"
)

// Malformed traces are errors or views, never panics: wrong types, nulls,
// empty sections.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"reference.json", "idx10205.json", "key-refused.json"} {
		if b, err := os.ReadFile("testdata/" + name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"traceEntries": "inbound"}`,
		`{"traceEntries": null}`,
		`{"traceEntries": {"inbound": null}}`,
		`{"traceEntries": {"inbound": [null]}}`,
		`{"traceEntries": {"inbound": [{"source": "validate-jwt", "elapsed": 12, "data": null}]}}`,
		`{"traceEntries": {"inbound": [{"source": null, "data": {"message": null, "request": null, "configuration": null}}]}}`,
		`{"traceEntries": {"inbound": [{"source": "api-inspector", "data": {"configuration": {"api": null, "operation": null}}}]}}`,
		`{"traceEntries": {"inbound": [{"source": "api-inspector", "data": {"request": {"headers": null}}}]}}`,
		`{"traceEntries": {"inbound": [{"source": "x", "data": {"headers": [1, null, {"name": 3}]}}]}}`,
		`{"traceEntries": {"on-error": [{"source": "x", "data": {"response": {"status": {"code": "x"}}}}]}}`,
		`{"traceEntries": {"inbound": [{"source": "x", "data": {"name": "Authorization", "value": null}}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Parse(b)
		if err != nil {
			return
		}
		var r redact.Redactor
		v := Build(tr.Redact(&r))
		_ = v.String()
		_, _ = v.FailedStep()
		_, _ = Agreement(v, nil)
	})
}

// A trace holds up to MaxSize of the gateway's text: what the view shows of
// it (the request, what the gateway matched, each step's policy and
// message) is cut, never megabytes on the terminal.
func TestViewIsBounded(t *testing.T) {
	big := strings.Repeat("A", 3<<20-600000)
	raw, _ := json.Marshal(map[string]any{"traceId": "t1" + big[:100000], "serviceName": big[:200000], "traceEntries": map[string]any{"inbound": []any{
		map[string]any{"source": Inspector, "data": map[string]any{"request": map[string]any{"method": "GET", "url": "https://x/" + big}}},
		map[string]any{"source": Inspector, "data": map[string]any{"configuration": map[string]any{
			"api":       map[string]any{"from": "/o" + big[:100000], "version": big[:100000], "revision": big[:100000]},
			"operation": map[string]any{"method": "GET", "uriTemplate": big[:100000]}, "product": big[:100000]}}},
		map[string]any{"source": "validate-jwt" + big[:200000], "data": map[string]any{"message": "IDX10205: " + big[:100000]}},
	}}})
	tr, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	v := Build(tr)
	b, _ := json.Marshal(v)
	if len(b) > 64<<10 {
		t.Errorf("the view of a %d KiB trace is %d KiB", len(raw)>>10, len(b)>>10)
	}
	for _, f := range v.Findings {
		if n := len(f.Message) + len(f.Actual) + len(f.Expected); n > 16<<10 {
			t.Errorf("finding %s is %d bytes", f.Code, n)
		}
	}
}

// Why a file is not a trace is said in a line, whatever the file holds.
func TestParseErrorIsBounded(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	for _, doc := range []string{`{"traceEntries":{"` + big + `":[]}}`, `{"traceEntries":{"inbound":[{"source":1}]}, "x":"` + big + `"}`, `{"traceEntries":` + big + `}`} {
		_, err := Parse([]byte(doc))
		if err == nil || len(err.Error()) > 1<<10 {
			t.Errorf("%d bytes of error: %.200s", len(fmt.Sprint(err)), err)
		}
	}
}
