// Command fuzzcorpus writes the seed corpora of the fuzz targets from the
// project's real fixtures: policies (testdata/policies), tokens and key sets
// minted by the simulated tenant, Entra error bodies and saved responses as
// the simulated tenant and gateway produce them. go test ./... runs every
// file under each package's testdata/fuzz/ as a test case.
//
//	go run ./bench/fuzzcorpus
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fuzzcorpus:", err)
		os.Exit(1)
	}
}

// write stores one seed in Go's corpus format, named by its hash.
func write(dir, kind string, v []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	sum := sha256.Sum256(v)
	body := fmt.Sprintf("go test fuzz v1\n%s(%q)\n", kind, v)
	return os.WriteFile(filepath.Join(dir, "seed-"+hex.EncodeToString(sum[:6])), []byte(body), 0o644)
}

func run() error {
	srv := fakeentra.New()
	defer srv.Close()
	tn := srv.Tenant(fakeentra.TenantID)
	for _, sp := range []fakeentra.Spec{{Roles: []string{"Orders.Read"}}, {Version: entra.V1}, {Scopes: []string{"Orders.Read"}}, {Graph: true}, {Alg: "none"}, {Alg: "HS256"}} {
		tok, err := tn.Mint(sp)
		if err != nil {
			return err
		}
		for _, dir := range []string{"internal/token/testdata/fuzz/FuzzDecode", "inspect/testdata/fuzz/FuzzInspect"} {
			if err := write(dir, "string", []byte(tok)); err != nil {
				return err
			}
		}
	}
	for _, v := range []entra.Version{entra.V1, entra.V2} {
		if err := write("internal/keys/testdata/fuzz/FuzzParseSet", "[]byte", tn.KeySetJSON(v)); err != nil {
			return err
		}
	}
	policies, _ := filepath.Glob("testdata/policies/*.xml")
	for _, p := range policies {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := write("diagnose/testdata/fuzz/FuzzParseAndEvaluate", "string", b); err != nil {
			return err
		}
	}
	for _, r := range []string{
		"HTTP/1.1 401 Access Denied\r\nContent-Type: application/json\r\n\r\n{ \"statusCode\": 401, \"message\": \"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.\" }\n",
		"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n{\"statusCode\":401,\"message\":\"IDX10214: Audience validation failed.\"}\n",
		"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"The audience 'api://contoso-orders' is invalid\"\r\n\r\n",
	} {
		if err := write("diagnose/testdata/fuzz/FuzzParseResponse", "[]byte", []byte(r)); err != nil {
			return err
		}
	}
	for _, e := range []string{
		`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'b1d2'. Trace ID: 1 Correlation ID: 2 Timestamp: 2026-11-23 02:00:00Z","error_codes":[7000215],"trace_id":"1","correlation_id":"2"}`,
		`{"error":"invalid_scope","error_description":"AADSTS1002012: The provided value for scope api://contoso-orders/Orders.Read is not valid.","error_codes":[1002012]}`,
		`{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'x' not found.","error_codes":[90002]}`,
	} {
		if err := write("internal/aadsts/testdata/fuzz/FuzzParse", "[]byte", []byte(e)); err != nil {
			return err
		}
	}
	return hostileSeeds(tn)
}

// hostileSeeds are the inputs of the hardening tests (README, "Hardening"):
// terminal control sequences in claims, responses and policies, key sets
// that mix an unparseable key, an encryption key and another tenant's key,
// and shell metacharacters for --curl.
func hostileSeeds(tn *fakeentra.Tenant) error {
	const screen = "\x1b[2J\x1b[Hsignature: VALID\r\u009b31m\u202e\x1b]0;pwned\x07"
	tok, err := tn.Mint(fakeentra.Spec{Roles: []string{"Orders.Read"}, Claims: map[string]any{"name": screen, "unique_name": "\u202eDILAV"}})
	if err != nil {
		return err
	}
	for _, dir := range []string{"internal/token/testdata/fuzz/FuzzDecode", "inspect/testdata/fuzz/FuzzInspect"} {
		if err := write(dir, "string", []byte(tok)); err != nil {
			return err
		}
	}
	set := strings.Replace(string(tn.KeySetJSON(entra.V2)), `{"keys":[`, `{"keys":[{"kty":"RSA","kid":"broken","n":"%%%","e":"AQAB"},`+
		`{"kty":"RSA","use":"enc","kid":"enc","n":"AQAB","e":"AQAB"},{"kty":"RSA","key_ops":["encrypt"],"kid":"ops","n":"AQAB","e":"AQAB"},`+
		`{"kty":"RSA","kid":"other","issuer":"https://login.microsoftonline.com/`+fakeentra.OtherTenantID+`/v2.0","n":"AQAB","e":"AQAB"},`, 1)
	if err := write("internal/keys/testdata/fuzz/FuzzParseSet", "[]byte", []byte(set)); err != nil {
		return err
	}
	if err := write("diagnose/testdata/fuzz/FuzzParseResponse", "[]byte", []byte("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nX-Echo: Bearer "+tok+"\r\n\r\n{\"statusCode\":401,\"message\":\""+screen+"\"}\n")); err != nil {
		return err
	}
	policy := "<policies><inbound><validate-jwt header-name=\"Authorization\"><audiences><audience>api://x\u009b2J\u202e</audience></audiences></validate-jwt></inbound></policies>"
	if err := write("diagnose/testdata/fuzz/FuzzParseAndEvaluate", "string", []byte(policy)); err != nil {
		return err
	}
	for _, v := range []string{screen, "\xc2\x9b\xff\x7f", "ok\r\n\x1b[32;1mgreen\x1b[0;22m"} {
		if err := write("internal/iostreams/testdata/fuzz/FuzzSanitize", "string", []byte(v)); err != nil {
			return err
		}
	}
	shell := "$(touch pwned)`touch pwned`'\"\\;|&><*?{a,b}[x]~#"
	if err := writeAll("internal/redact/testdata/fuzz/FuzzString", "string", "https://x/?subscription-key=", "string", "0123456789abcdef", "string", "&code=c0de-secret "+screen); err != nil {
		return err
	}
	return writeAll("call/testdata/fuzz/FuzzCurl", "string", "https://gw/o?q="+shell, "string", "X-Note", "string", shell,
		"[]byte", "@/etc/passwd\x00\x1b", "string", "PATCH", "bool", "true")
}

// writeAll stores one seed of several values, given as kind, value pairs;
// a bool's value is written as it is.
func writeAll(dir string, kv ...string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	body := "go test fuzz v1\n"
	h := sha256.New()
	for i := 0; i+1 < len(kv); i += 2 {
		h.Write([]byte(kv[i+1]))
		if kv[i] == "bool" {
			body += "bool(" + kv[i+1] + ")\n"
		} else {
			body += fmt.Sprintf("%s(%q)\n", kv[i], kv[i+1])
		}
	}
	return os.WriteFile(filepath.Join(dir, "seed-"+hex.EncodeToString(h.Sum(nil)[:6])), []byte(body), 0o644)
}
