package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/redact"
)

func load(t *testing.T, name string) *Trace {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// The reference's example (listTrace's documented shape): a policy that
// answers 200 itself passes; api, operation and product come from the
// configuration entry.
func TestReferenceExample(t *testing.T) {
	v := Build(load(t, "reference.json"))
	if v.Outcome != Passed || v.Failed != -1 || len(v.Findings) != 0 {
		t.Fatalf("outcome %s, failed %d, findings %v", v.Outcome, v.Failed, v.Findings)
	}
	if v.API != "/6452e8d4a9d2c1" || v.Revision != "1" || v.Operation != "GET /6452e8d4a9d2c2" || v.Product != "" || v.Status != 200 {
		t.Errorf("view: %+v", v)
	}
	if len(v.Steps) != 6 || v.Steps[2].Source != "cors" || v.Steps[5].Section != "outbound" {
		t.Fatalf("steps: %+v", v.Steps)
	}
	if got := v.Steps[0].ElapsedMS; got != 298.332 {
		t.Errorf("elapsed_ms = %v", got)
	}
	if v.Steps[3].Message != "Response status code was set to 200; Reason phrase was set to 'OK'" {
		t.Errorf("set-status message %q", v.Steps[3].Message)
	}
}

// A validate-jwt refusal with IdentityModel's IDX10205, then on-error:
// refused, the failing step is validate-jwt, and the finding is diagnose's
// reading of the message (v2 token, v1 issuers: ISSUER_VERSION_MISMATCH).
func TestIDXRefusal(t *testing.T) {
	v := Build(load(t, "idx10205.json"))
	if v.Outcome != Refused || v.Status != 401 {
		t.Fatalf("outcome %s status %d", v.Outcome, v.Status)
	}
	st, ok := v.FailedStep()
	if !ok || st.Source != "validate-jwt" || st.ElapsedMS != 72 || !strings.Contains(st.Message, "IDX10205") {
		t.Fatalf("failed step %+v", st)
	}
	if v.Product != "starter" || v.API != "/orders" || v.Operation != "GET /{id}" {
		t.Errorf("view %+v", v)
	}
	if len(v.Findings) != 1 {
		t.Fatalf("findings %+v", v.Findings)
	}
	f := v.Findings[0]
	if f.Code != finding.IssuerVersionMismatch || !f.Primary || !strings.Contains(f.Message, "IDX10205") || !strings.Contains(f.Fix, "accessTokenAcceptedVersion") {
		t.Errorf("finding %+v", f)
	}
}

// validate-jwt's entry wraps APIM's own answer in "JWT Validation Failed: ":
// the answer inside is read as the caller's 401 would be, not as unknown.
func TestWrappedAnswerIsRecognised(t *testing.T) {
	b, err := os.ReadFile("testdata/idx10205.json")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`JWT Validation Failed: IDX10205[^"]*`)
	if !re.Match(b) {
		t.Fatal("the fixture has no IDX10205 message to replace")
	}
	b = re.ReplaceAll(b, []byte("JWT Validation Failed: Claim roles value of Orders.Read is not allowed. Access denied."))
	tr, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	v := Build(tr)
	if len(v.Findings) != 1 || v.Findings[0].Code != finding.RoleMissing {
		t.Fatalf("findings %+v", v.Findings)
	}
}

// A trace with only the api-inspector entries: the subscription check
// answered before any policy; no key in the request is a missing key.
func TestKeyRefusal(t *testing.T) {
	v := Build(load(t, "key-refused.json"))
	if v.Outcome != Refused || v.Failed != -1 {
		t.Fatalf("outcome %s failed %d", v.Outcome, v.Failed)
	}
	if len(v.Findings) != 1 || v.Findings[0].Code != finding.SubscriptionKeyMiss || !strings.Contains(v.Findings[0].Message, "no policy step") {
		t.Fatalf("findings %+v", v.Findings)
	}
	// The same with a key in the URL: the key was not accepted.
	tr := load(t, "key-refused.json")
	tr.Entries["inbound"][0].Data = json.RawMessage(`{"request":{"method":"GET","url":"https://contoso.azure-api.net/orders/42?subscription-key=abcdef0123456789","headers":[]}}`)
	if fs := Build(tr).Findings; len(fs) != 1 || fs[0].Code != finding.SubscriptionKeyInvalid {
		t.Fatalf("with a key: %+v", fs)
	}
	// No configuration entry: no API matched.
	tr.Entries["inbound"] = tr.Entries["inbound"][:1]
	if fs := Build(tr).Findings; len(fs) != 1 || fs[0].Code != finding.APINotFound {
		t.Fatalf("no configuration: %+v", fs)
	}
}

// An error that is no refusal: a backend failure handled by on-error.
func TestErrorOutcome(t *testing.T) {
	tr, err := Parse([]byte(`{"traceId":"e1","traceEntries":{
	 "inbound":[{"source":"api-inspector","data":{"configuration":{"api":{"from":"/orders"},"operation":{"method":"GET","uriTemplate":"/"},"product":"-"}}}],
	 "backend":[{"source":"forward-request","elapsed":"00:00:30.0000000","data":{"message":"Error occurred while calling backend service.","exception":"timeout"}}],
	 "on-error":[{"source":"set-status","data":{"message":"Response status code was set to 504"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	v := Build(tr)
	if v.Outcome != Errored || v.Status != 504 {
		t.Fatalf("outcome %s status %d", v.Outcome, v.Status)
	}
	if st, _ := v.FailedStep(); st.Source != "forward-request" || st.ElapsedMS != 30000 {
		t.Errorf("failed step %+v", st)
	}
	if len(v.Findings) != 1 || v.Findings[0].Code != finding.GatewayRefused || !strings.Contains(v.Findings[0].Message, "forward-request") {
		t.Errorf("findings %+v", v.Findings)
	}
}

// Redaction: the token, the subscription key (header and query), the
// debug credential and a secret named value's value are gone from the
// trace as saved and from the view; the shape and the IDX message stay.
func TestRedact(t *testing.T) {
	const namedSecret = "s3cret-backend-value"
	tr := load(t, "idx10205.json")
	tr.Entries["inbound"] = append(tr.Entries["inbound"], Entry{Source: "set-header", Data: json.RawMessage(`{"message":"Specified value was assigned to the header","header":{"name":"x-backend-key","value":"` + namedSecret + `"},"note":"` + namedSecret + `"}`)})
	ref := load(t, "reference.json")
	var r redact.Redactor
	r.Add(namedSecret)
	for _, tt := range []struct {
		tr   *Trace
		gone []string
	}{
		{tr, []string{"c2lnbmF0dXJlc2lnbmF0dXJl", "0123456789abcdef0123456789abcdef", "ZdfxSJ8LchGl7gu", namedSecret}},
		{ref, []string{"1173b5c4d9e14f0aa5e6c7b8d9e0f1a2"}},
	} {
		red := tt.tr.Redact(&r)
		b, err := red.JSON()
		if err != nil {
			t.Fatal(err)
		}
		v := Build(red)
		vb, _ := json.Marshal(v)
		for _, g := range tt.gone {
			if bytes.Contains(b, []byte(g)) || bytes.Contains(vb, []byte(g)) {
				t.Errorf("%q still in the redacted trace:\n%s", g, b)
			}
		}
		if _, err := Parse(b); err != nil {
			t.Errorf("the redacted trace does not parse: %v", err)
		}
		if Build(red).Outcome != Build(tt.tr).Outcome {
			t.Errorf("redaction changed the outcome")
		}
	}
	// A check-header refusal quotes the value of a secret-looking header.
	chk := &Trace{TraceID: "c", Entries: map[string][]Entry{"inbound": {{Source: "check-header",
		Data: json.RawMessage(`{"message":"Header x-partner-key value of partner-guess-123 is not allowed. Access denied."}`)},
		{Source: "check-header", Data: json.RawMessage(`"Header x-region value of westeurope is not allowed. Access denied."`)}}}}
	cv := Build(chk.Redact(&r))
	if m := cv.Steps[0].Message; strings.Contains(m, "partner-guess-123") || !strings.Contains(m, "Header x-partner-key value of ****(17 chars) is not allowed") {
		t.Errorf("check-header message %q", m)
	}
	if m := cv.Steps[1].Message; !strings.Contains(m, "westeurope") {
		t.Errorf("a header that is no secret lost its value: %q", m)
	}
	red := Build(tr.Redact(&r))
	if !strings.Contains(red.Steps[0].Message, "https://contoso.azure-api.net/orders/42") || red.Findings[0].Code != finding.IssuerVersionMismatch {
		t.Errorf("redaction hid too much: %q %v", red.Steps[0].Message, red.Findings)
	}
	raw, _ := json.Marshal(tr.Redact(&r).Entries["inbound"][0].Data)
	if !strings.Contains(string(raw), `Bearer eyJ0eXAi`) || !strings.Contains(string(raw), `"Host","value":"contoso.azure-api.net"`) {
		t.Errorf("headers lost their shape: %s", raw)
	}
}

func TestParseErrors(t *testing.T) {
	for in, want := range map[string]string{
		``:                                   "empty",
		`{"traceEntries":`:                   "invalid JSON",
		`[1,2]`:                              "not a JSON object",
		`{"traceId":"x"}`:                    "no traceEntries",
		`{"traceEntries":{"inbound":"x"}}`:   "traceEntries",
		`{"traceEntries":{"sideways":[{}]}}`: `section "sideways"`,
		`{"traceEntries":{}}`:                "no entries",
		`{"traceEntries":{"inbound":[{"source":1}]}}`: "traceEntries",
	} {
		_, err := Parse([]byte(in))
		var te *Error
		if !errors.As(err, &te) || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want %q", in, err, want)
		}
	}
	big := bytes.Repeat([]byte(" "), MaxSize+1)
	if _, err := Read(bytes.NewReader(big)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Read(too big) = %v", err)
	}
}

func TestElapsed(t *testing.T) {
	for in, want := range map[string]float64{"00:00:00.0720000": 72, "00:01:02.5": 62500, "1.00:00:00": 86400000, "": -1, "soon": -1, "15ms": 15} {
		if got := elapsedMS(in); got != want {
			t.Errorf("elapsedMS(%q) = %v, want %v", in, got, want)
		}
	}
	if got := Elapsed(72*time.Millisecond + 500*time.Microsecond); got != "00:00:00.0725000" || elapsedMS(got) != 72.5 {
		t.Errorf("Elapsed = %q", got)
	}
}
