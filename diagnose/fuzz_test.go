package diagnose

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/keys"
)

// FuzzParseResponse: a saved response of any shape is parsed or refused,
// and classified without a panic.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 401 Access Denied\r\nContent-Type: application/json\r\n\r\n{ \"statusCode\": 401, \"message\": \"Access denied due to missing subscription key.\" }",
		"HTTP/2 401\r\nwww-authenticate: Bearer error=\"invalid_token\"\r\n\r\n",
		"HTTP/1.1 403 Forbidden\r\n\r\n{\"statusCode\":403,\"message\":\"x\"}",
		"HTTP/1.1 200 OK\r\n\r\nok",
		"HTTP/1.1 401 Unauthorized\r\n\r\n{\"statusCode\":401,\"message\":\"IDX10214: Audience validation failed. Audiences: '[PII of type 'System.String' is hidden. For more details, see https://aka.ms/IdentityModel/PII.]'. Did not match: validationParameters.ValidAudience: 'null' or validationParameters.ValidAudiences: 'a, b'.\"}",
		"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: AzureApiManagementKey realm=\"https://x/\",name=\"Ocp-Apim-Subscription-Key\",type=\"header\"\r\n\r\n",
		"HTTP/1.1 401 Unauthorized\r\n\r\n{\"statusCode\":401,\"message\":\"IDX10501: Signature validation failed. Unable to match 'kid': '",
		"hello",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		status, h, body, err := ParseResponse(bytes.NewReader(b))
		if err != nil {
			return
		}
		info := Classify(status, h, body)
		fs := GatewayFindings(info, nil)
		if status >= 400 && len(fs) != 1 {
			t.Fatalf("a refusal read into %d findings", len(fs))
		}
		rep := &Report{Basis: BasisPolicy, Verdict: Accepted, Status: 200, Findings: []finding.Finding{}}
		rep.judge(info, nil, nil)
		if status >= 400 && rep.Verdict != Rejected {
			t.Fatalf("a %d answer left the verdict %s", status, rep.Verdict)
		}
	})
}

// seedPolicies adds every policy fixture to a fuzz target's corpus.
func seedPolicies(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "policies", "*.xml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
}

// FuzzRunToken: any text given as the token, under a policy with inline keys
// and under the token-only checks, ends in a report or an error, never a
// panic. Offline: nothing is fetched.
func FuzzRunToken(f *testing.F) {
	pol, err := Parse([]byte(`<validate-jwt header-name="Authorization" require-expiration-time="false">
  <issuer-signing-keys><key id="k" n="sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw" e="AQAB" /></issuer-signing-keys>
  <audiences><audience>api://x</audience></audiences>
  <required-claims><claim name="roles" match="any" separator=","><value>a</value></claim></required-claims>
</validate-jwt>`), nil)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "a.b.c", "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJhdWQiOiJhcGk6Ly94Iiwicm9sZXMiOlsiYSJdfQ.c2ln",
		"eyJhbGciOiJub25lIn0.e30.", "eyJhbGciOiJIUzI1NiJ9.eyJub25jZSI6MX0.c2ln"} {
		f.Add(s)
	}
	res := &keys.Resolver{Offline: true}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, p := range []*Policy{pol, nil} {
			rep, err := Run(context.Background(), Input{Token: tok, Policy: p, Resolver: res})
			if err == nil && rep.Verdict == "" {
				t.Fatalf("a report without a verdict for %q", tok)
			}
		}
	})
}
