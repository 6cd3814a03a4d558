package aadsts

import (
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/finding"
)

const sample = `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'b1d2'.\r\nTrace ID: 0000aaaa-11bb\r\nCorrelation ID: aaaa0000-bb11\r\nTimestamp: 2026-11-23 02:02:12Z","error_codes":[7000215],"timestamp":"2026-11-23 02:02:12Z","trace_id":"0000aaaa-11bb","correlation_id":"aaaa0000-bb11","error_uri":"https://login.microsoftonline.com/error?code=7000215"}`

func TestParseAndExplain(t *testing.T) {
	r, ok := Parse([]byte(sample))
	if !ok || r.Code() != 7000215 || r.TraceID != "0000aaaa-11bb" || r.CorrelationID != "aaaa0000-bb11" {
		t.Fatalf("%+v", r)
	}
	if m := r.Message(); !strings.HasPrefix(m, "Invalid client secret provided.") || strings.Contains(m, "Trace ID") {
		t.Errorf("message %q", m)
	}
	code, msg, fix := Explain(r)
	if code != finding.InvalidClientSecret || msg == "" || !strings.Contains(fix, "not its Secret ID") {
		t.Errorf("%s %q %q", code, msg, fix)
	}
	if _, ok := Parse([]byte(`{"hello":1}`)); ok {
		t.Error("non-error JSON parsed as an error")
	}
	// An unknown code keeps Entra's words and points at the lookup page.
	code, msg, fix = Explain(Response{Description: "AADSTS123456: Something new."})
	if code != finding.TokenRequestFailed || msg != "Something new." || !strings.Contains(fix, "error?code=123456") {
		t.Errorf("%s %q %q", code, msg, fix)
	}
}

func TestCodeIn(t *testing.T) {
	for s, want := range map[string]int{
		"ERROR: AADSTS65001: The user or administrator has not consented": 65001,
		"AADSTS1002012: x": 1002012, "no code": 0, "AADSTS12": 0, "AADSTSabc AADSTS50076 x": 50076,
	} {
		if got := CodeIn(s); got != want {
			t.Errorf("CodeIn(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestTable(t *testing.T) {
	all := All()
	if len(all) < 60 {
		t.Fatalf("%d codes; the table must cover at least the 60 codes people hit most", len(all))
	}
	if duplicates != 0 {
		t.Errorf("%d codes are added twice", duplicates)
	}
	// The codes people hit most must all be there, each with a fix.
	for _, code := range []int{50011, 50020, 50034, 50076, 50079, 50105, 53003, 65001, 65004, 70001, 70011,
		700016, 700024, 7000112, 7000215, 7000222, 90002, 90009, 90014, 500011, 1002012, 50058, 50126, 53000, 70043, 700082} {
		if e, ok := Lookup(code); !ok || e.Fix == "" {
			t.Errorf("AADSTS%d is missing or has no fix", code)
		}
	}
	// The spec names these mappings; they must hold.
	for code, want := range map[int]string{
		1002012: finding.ScopeNotDefault, 70011: finding.InvalidScope, 500011: finding.ResourceNotFound,
		700016: finding.ClientNotFound, 7000215: finding.InvalidClientSecret, 7000222: finding.ClientSecretExpired,
		65001: finding.ConsentRequired, 90002: finding.TenantNotFound,
		70002: finding.InvalidClientSecret, 65004: finding.ConsentRequired, 70001: finding.ClientNotFound,
		50012: finding.ClientAssertionInvalid, 700229: finding.FederatedMismatch, 50194: finding.TenantNotFound,
	} {
		if e, ok := Lookup(code); !ok || e.Finding != want {
			t.Errorf("AADSTS%d -> %q, want %q", code, e.Finding, want)
		}
	}
	known := map[string]bool{}
	for _, d := range finding.Catalogue() {
		known[d.Code] = true
	}
	for _, e := range all {
		if e.Cause == "" || e.Fix == "" || e.Side == "" || e.Name == "" {
			t.Errorf("%s is incomplete", e.ID())
		}
		if e.Finding != "" && !known[e.Finding] {
			t.Errorf("%s maps to %s, which is no documented finding", e.ID(), e.Finding)
		}
	}
	// A code with no finding of its own is reported as a failed token request.
	if code, _, fix := Explain(Response{Description: "AADSTS50011: The redirect URI does not match."}); code != finding.TokenRequestFailed || !strings.Contains(fix, "redirect URI") {
		t.Errorf("AADSTS50011: %s %q", code, fix)
	}
	if e, ok := LookupID("aadsts7000215"); !ok || e.Code != 7000215 {
		t.Error("LookupID is not case-insensitive")
	}
}

// FuzzParse: any error body Entra (or something pretending to be Entra)
// sends is explained without a panic, and the message never keeps the
// trace lines.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(`{"error":"invalid_scope","error_description":"AADSTS70011: The provided value for the input parameter 'scope' isn't valid.","error_codes":[70011]}`))
	f.Add([]byte(`{"error":"x","error_description":"AADSTS"}`))
	f.Add([]byte(`{"error_codes":[-1]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, ok := Parse(b)
		if !ok {
			return
		}
		_, msg, _ := Explain(r)
		if strings.Contains(msg, "Trace ID:") {
			t.Fatalf("trace lines kept: %q", msg)
		}
		CodeIn(string(b))
	})
}
