package diagnose

import (
	"net/http"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
)

// Who refused, from the status, the challenge and the body.
func TestClassify(t *testing.T) {
	apim := func(msg string) []byte { return []byte(`{"statusCode":401,"message":"` + msg + `"}`) }
	key := `AzureApiManagementKey realm="https://contoso.azure-api.net/orders",name="Ocp-Apim-Subscription-Key",type="header"`
	tests := []struct {
		name      string
		status    int
		challenge string
		body      []byte
		want      string
		message   string
	}{
		{"missing key, with APIM's challenge", 401, key, apim("Access denied due to missing subscription key."), RefusedBySubscription, "Access denied due to missing subscription key."},
		{"APIM's key challenge alone is not the backend", 401, key, nil, RefusedBySubscription, ""},
		{"the challenge among others", 401, `Basic realm="x", ` + key, nil, RefusedBySubscription, ""},
		{"token policy", 401, "", apim("JWT not present."), RefusedByToken, "JWT not present."},
		{"an on-error that adds a Bearer challenge to APIM's body", 401, `Bearer realm="orders"`, apim("Invalid JWT."), RefusedByToken, "Invalid JWT."},
		{"backend", 401, `Bearer error="invalid_token"`, nil, RefusedByBackend, `Bearer error="invalid_token"`},
		{"nothing to tell", 401, "", []byte("Unauthorized"), RefusedByUnknown, "Unauthorized"},
		{"not a refusal", 200, "", []byte(`{"ok":true}`), "", `{"ok":true}`},
		{"a token in the message is masked", 401, "", apim("JWT is not well formed: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln'"), RefusedByToken, "JWT is not well formed: 'eyJhbGci…(40 chars, sha256:"},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.challenge != "" {
			h.Set("WWW-Authenticate", tt.challenge)
		}
		got := Classify(tt.status, h, tt.body)
		if got.RefusedBy != tt.want || !strings.HasPrefix(got.Message, tt.message) || (tt.message == "" && got.Message != "") {
			t.Errorf("%s: refused by %q, message %q; want %q, %q", tt.name, got.RefusedBy, got.Message, tt.want, tt.message)
		}
	}
	long := Classify(401, http.Header{}, []byte(strings.Repeat("x", 3*maxMessage)))
	if len(long.Message) > maxMessage+len("…") {
		t.Errorf("a %d-byte message is not cut", len(long.Message))
	}
}

// The prediction against the gateway's answer: when they agree, and what the
// report then rests on.
func TestJudge(t *testing.T) {
	aud := "IDX10214: Audience validation failed. Audiences: 'a'. Did not match: validationParameters.ValidAudience: 'null' or validationParameters.ValidAudiences: 'b'."
	iss := "IDX10205: Issuer validation failed. Issuer: 'i'. Did not match: validationParameters.ValidIssuer: '' or validationParameters.ValidIssuers: 'j'."
	tok := ResponseInfo{Status: 401, RefusedBy: RefusedByToken, apimBody: true}
	with := func(g ResponseInfo, msg string) ResponseInfo { g.Message = msg; return g }
	tests := []struct {
		name             string
		basis, verdict   string
		status           int
		message          string
		gw               ResponseInfo
		agreement, after string // "" agreement: no prediction recorded
		afterBasis       string
		disagrees        bool
	}{
		{"policy accepts, gateway refuses", BasisPolicy, Accepted, 200, "", with(tok, iss), Disagree, Rejected, BasisGateway, true},
		{"both refuse at the audience", BasisPolicy, Rejected, 401, aud, with(tok, aud), Agree, Rejected, BasisPolicy, false},
		{"both refuse, other checks", BasisPolicy, Rejected, 401, aud, with(tok, iss), Disagree, Rejected, BasisGateway, true},
		{"both refuse, other statuses", BasisPolicy, Rejected, 403, "Forbidden", with(tok, "Forbidden"), Disagree, Rejected, BasisGateway, true},
		{"both refuse, a custom message", BasisPolicy, Rejected, 401, "Custom", with(tok, "Custom"), Agree, Rejected, BasisPolicy, false},
		{"policy refuses, gateway forwards", BasisExpectations, Rejected, 401, aud, ResponseInfo{Status: 200}, Disagree, Accepted, BasisGateway, true},
		{"policy unknown: the gateway decides", BasisPolicy, Unknown, 0, "", with(tok, aud), Unavailable, Rejected, BasisGateway, false},
		{"subscription check before the policy", BasisPolicy, Accepted, 200, "", ResponseInfo{Status: 401, RefusedBy: RefusedBySubscription, Message: "Access denied due to missing subscription key."}, Unavailable, Rejected, BasisGateway, false},
		{"backend refuses what APIM accepted: agreement, but no 'accepted'", BasisPolicy, Accepted, 200, "", ResponseInfo{Status: 401, RefusedBy: RefusedByBackend, Message: `Bearer error="invalid_token"`}, Agree, Rejected, BasisGateway, false},
		{"backend refuses what the policy refuses", BasisPolicy, Rejected, 401, aud, ResponseInfo{Status: 401, RefusedBy: RefusedByBackend}, Disagree, Rejected, BasisGateway, true},
		{"token alone, gateway refuses", BasisToken, Unknown, 0, "", with(tok, aud), "", Rejected, BasisGateway, false},
	}
	for _, tt := range tests {
		r := &Report{Basis: tt.basis, Verdict: tt.verdict, Status: tt.status, Message: tt.message, Findings: []finding.Finding{}}
		if tt.verdict == Rejected {
			r.Findings = append(r.Findings, finding.Finding{Code: finding.AudienceMismatch, Severity: finding.SeverityError, Primary: true})
		}
		r.judge(tt.gw, nil, nil)
		got := ""
		if r.Prediction != nil {
			got = r.Prediction.Agreement
		}
		if got != tt.agreement || r.Verdict != tt.after || r.Basis != tt.afterBasis || has(r, finding.PredictionDisagrees, "") != tt.disagrees {
			t.Errorf("%s: agreement %q, verdict %s, basis %s, disagrees %v; want %q, %s, %s, %v", tt.name, got, r.Verdict, r.Basis,
				has(r, finding.PredictionDisagrees, ""), tt.agreement, tt.after, tt.afterBasis, tt.disagrees)
		}
		if r.Basis == BasisGateway && r.Status != tt.gw.Status {
			t.Errorf("%s: status %d, the gateway answered %d", tt.name, r.Status, tt.gw.Status)
		}
		primaries := 0
		for _, f := range r.Findings {
			if f.Primary {
				primaries++
			}
		}
		if r.Verdict == Rejected && primaries != 1 {
			t.Errorf("%s: %d primary findings, want exactly one: %+v", tt.name, primaries, r.Findings)
		}
	}
}

// Under a policy, with a real token: the gateway's refusal outranks the
// prediction end to end, and the <base /> is named as the likely cause.
func TestRunWithGateway(t *testing.T) {
	h := newHarness(t)
	pol := `<policies><inbound><base /><validate-jwt header-name="Authorization"><openid-config url="` + v2md + `" /></validate-jwt></inbound></policies>`
	g := Classify(401, http.Header{}, []byte(`{"statusCode":401,"message":"IDX10214: Audience validation failed. Audiences: '`+api+`'. Did not match: validationParameters.ValidAudience: 'null' or validationParameters.ValidAudiences: 'api://other'."}`))
	rep := h.run(t, pol, fakeentra.Spec{Roles: []string{"Orders.Read"}}, func(in *Input) { in.Gateway = &g })
	if rep.Verdict != Rejected || rep.Basis != BasisGateway || rep.Status != 401 || primary(rep) != finding.AudienceMismatch {
		t.Fatalf("verdict %s basis %s status %d primary %s", rep.Verdict, rep.Basis, rep.Status, primary(rep))
	}
	var why string
	for _, f := range rep.Findings {
		if f.Code == finding.PredictionDisagrees {
			why = f.Message
		}
		if f.Code == finding.AudienceMismatch && (f.Actual != api || f.Expected != "one of: api://other") {
			t.Errorf("audience evidence %q / %q", f.Expected, f.Actual)
		}
	}
	if !strings.Contains(why, "<base /> (line 1)") {
		t.Errorf("PREDICTION_DISAGREES does not name the <base />: %q", why)
	}
}
