package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
)

// Outcomes: what the trace shows became of the request.
const (
	Passed  = "passed"  // the gateway forwarded it and answered the backend's response
	Refused = "refused" // a check refused it (subscription key, validate-jwt, check-header, a 4xx return-response)
	Errored = "error"   // an error ended it otherwise (on-error ran, a 5xx)
)

// View is what a trace shows, as entratoken reports it (spec/cli.md, "The
// gateway's own trace": JSON "gateway_trace").
type View struct {
	TraceID   string `json:"trace_id"`
	Service   string `json:"service,omitempty"`
	API       string `json:"api"` // the API's URL suffix as the gateway matched it ("/orders"), "" when it matched none
	Revision  string `json:"revision,omitempty"`
	Version   string `json:"version,omitempty"`
	Operation string `json:"operation"` // "GET /orders/{id}"
	Product   string `json:"product"`   // "" when the request had no product context ("-")
	Request   string `json:"request,omitempty"`
	Outcome   string `json:"outcome"`
	// Status is the answer the trace shows, 0 when it shows none.
	Status int `json:"status,omitempty"`
	// Failed is the index in Steps of the step that refused or failed,
	// -1 when none did.
	Failed int    `json:"failed_step"`
	Steps  []Step `json:"steps"`
	// Findings explain the outcome (a refusal's IDX message, the
	// subscription check); not part of the view's JSON.
	Findings []finding.Finding `json:"-"`

	configured bool // the trace has the configuration entry
	keySent    bool // the request as received carries a subscription key
}

// Step is one entry of the trace.
type Step struct {
	Section string `json:"section"`
	Source  string `json:"source"`
	// ElapsedMS is the time since the gateway received the request, -1
	// when the entry does not say.
	ElapsedMS float64 `json:"elapsed_ms"`
	Message   string  `json:"message"`
}

// FailedStep returns the step that refused or failed, if any.
func (v *View) FailedStep() (Step, bool) {
	if v.Failed < 0 || v.Failed >= len(v.Steps) {
		return Step{}, false
	}
	return v.Steps[v.Failed], true
}

// Build reads a trace into its view and findings. Redact the trace first
// (Trace.Redact) unless secrets may be shown.
func Build(t *Trace) *View {
	cut := diagnose.CutMessage // every string the view takes from the trace is bounded
	v := &View{TraceID: cut(t.TraceID), Service: cut(t.ServiceName), Failed: -1, Steps: []Step{}}
	for _, section := range Sections {
		for _, e := range t.Entries[section] {
			st := Step{Section: section, Source: cut(e.Source), ElapsedMS: elapsedMS(e.Elapsed)}
			st.Message = diagnose.CutMessage(v.message(e))
			if s := statusOf(e); s > 0 {
				v.Status = s
			}
			v.Steps = append(v.Steps, st)
		}
	}
	v.Request, v.API, v.Revision, v.Version = cut(v.Request), cut(v.API), cut(v.Revision), cut(v.Version)
	v.Operation, v.Product = cut(v.Operation), cut(v.Product)
	v.decide(t)
	v.Findings = v.explain()
	return v
}

// message says what an entry says, in one line; the api-inspector entries
// also fill in the request and what the gateway matched.
func (v *View) message(e Entry) string {
	var s string
	if json.Unmarshal(e.Data, &s) == nil {
		return s
	}
	var d struct {
		Message       json.RawMessage `json:"message"`
		Request       *inspectorRequest
		Configuration *configuration
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return compact(e.Data)
	}
	if e.Source == Inspector && d.Request != nil {
		v.Request = strings.TrimSpace(d.Request.Method + " " + d.Request.URL)
		v.keySent = d.Request.keySent()
		return "request " + v.Request
	}
	if e.Source == Inspector && d.Configuration != nil {
		return v.configure(d.Configuration)
	}
	if len(d.Message) > 0 {
		if json.Unmarshal(d.Message, &s) == nil {
			return s
		}
		var list []string
		if json.Unmarshal(d.Message, &list) == nil {
			return strings.Join(list, "; ")
		}
	}
	return compact(e.Data)
}

type inspectorRequest struct {
	Method  string `json:"method"`
	URL     string `json:"url"`
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
}

var keyQuery = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)[?&]subscription-key=[^&]`) })

// keySent says whether the request carried a subscription key where the
// gateway looks by default (Ocp-Apim-Subscription-Key, ?subscription-key=).
func (r *inspectorRequest) keySent() bool {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, "Ocp-Apim-Subscription-Key") && strings.TrimSpace(h.Value) != "" {
			return true
		}
	}
	return keyQuery().MatchString(r.URL)
}

type configuration struct {
	API struct {
		From     string          `json:"from"`
		Version  json.RawMessage `json:"version"`
		Revision json.RawMessage `json:"revision"`
	} `json:"api"`
	Operation struct {
		Method      string `json:"method"`
		URITemplate string `json:"uriTemplate"`
	} `json:"operation"`
	User    string `json:"user"`
	Product string `json:"product"`
}

func (v *View) configure(c *configuration) string {
	v.configured = true
	v.API, v.Revision, v.Version = c.API.From, scalar(c.API.Revision), scalar(c.API.Version)
	v.Operation = strings.TrimSpace(c.Operation.Method + " " + c.Operation.URITemplate)
	v.Product = c.Product
	if v.Product == "-" {
		v.Product = ""
	}
	msg := "matched API " + orNone(v.API)
	if v.Version != "" {
		msg += " version " + v.Version
	}
	if v.Revision != "" {
		msg += " revision " + v.Revision
	}
	msg += ", operation " + orNone(v.Operation) + ", product " + orNone(v.Product)
	if c.User != "" && c.User != "-" {
		msg += ", user " + c.User
	}
	return msg
}

// scalar reads a JSON string or number ("1", 1); null is "".
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

var statusSet = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)status code was set to (\d{3})`) })

// statusOf reads the status an entry sets or answers: set-status's
// message, return-response's response, the api-inspector's response.
func statusOf(e Entry) int {
	var d struct {
		Message  json.RawMessage `json:"message"`
		Response struct {
			Status json.RawMessage `json:"status"`
		} `json:"response"`
	}
	if json.Unmarshal(e.Data, &d) != nil {
		return 0
	}
	var st struct {
		Code int `json:"code"`
	}
	if json.Unmarshal(d.Response.Status, &st) == nil && st.Code > 0 {
		return st.Code
	}
	if n, err := strconv.Atoi(scalar(d.Response.Status)); err == nil && n > 0 {
		return n
	}
	if m := statusSet().FindStringSubmatch(string(d.Message)); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// String is the view's one-line summary.
func (v *View) String() string {
	return fmt.Sprintf("trace %s: %s (API %s, operation %s, product %s)", v.TraceID, v.Outcome, orNone(v.API), orNone(v.Operation), orNone(v.Product))
}
