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
	return nil
}
