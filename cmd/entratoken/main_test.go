package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakecurl"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

var update = flag.Bool("update", false, "rewrite testscript files with actual output")

func TestMain(m *testing.M) {
	exit := func(f func() int) func() { return func() { os.Exit(f()) } }
	testscript.Main(m, map[string]func(){
		"entratoken": exit(Main),
		"azd":        exit(fakeAZD), // stand-ins for the developer CLIs (fakecli_test.go)
		"az":         exit(fakeAZ),
		"curl":       exit(fakecurl.Main), // records its argv and sends what it describes (internal/fakecurl)
	})
}

// TestScripts runs the end-to-end scripts in testdata/script against the real
// binary and a simulated tenant on loopback TLS. See testdata/script/README.md
// for the commands scripts can use.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup:               setupScript,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mint":      cmdMint,
			"fakeentra": cmdFakeEntra,
			"exits":     cmdExits,
			"jsonpath":  cmdJSONPath,
			"fakearm":   cmdFakeARM,
			"fakeapim":  cmdFakeAPIM,  // fakeapim_test.go
			"fakegraph": cmdFakeGraph, // fakegraph_test.go
			"canned":    cmdCanned,
			"hostile":   cmdHostile, // hostile_test.go
		},
	})
}

type serverKey struct{}
type gatewayKey struct{}

func setupScript(env *testscript.Env) error {
	srv := fakeentra.New()
	env.Defer(srv.Close)
	env.Values[serverKey{}] = srv
	env.Values[armKey{}] = &armHolder{}
	env.Values[graphKey{}] = &graphHolder{}
	ca := filepath.Join(env.WorkDir, ".fakeentra-ca.pem")
	if err := srv.WriteCAFile(ca); err != nil {
		return err
	}
	// The test certificates: cert.pem is uploaded to the daemon's registration.
	certs, err := filepath.Abs("../../testdata/certs")
	if err != nil {
		return err
	}
	policies, err := filepath.Abs("../../testdata/policies")
	if err != nil {
		return err
	}
	env.Setenv("POLICIES", policies)
	apiops, err := filepath.Abs("../../testdata/apiops")
	if err != nil {
		return err
	}
	env.Setenv("APIOPS", apiops)
	responses, err := filepath.Abs("../../testdata/responses")
	if err != nil {
		return err
	}
	env.Setenv("RESPONSES", responses)
	pemCert, err := os.ReadFile(filepath.Join(certs, "cert.pem"))
	if err != nil {
		return err
	}
	block, _ := pem.Decode(pemCert)
	if err := srv.RegisterCert(fakeentra.ClientID, block.Bytes); err != nil {
		return err
	}
	// A gateway in front of the orders backend, enforcing the orders policy.
	orders, err := os.ReadFile(filepath.Join(policies, "orders.xml"))
	if err != nil {
		return err
	}
	gw, err := fakeapim.New(fakeapim.Options{Policy: orders, RequireSubscription: true, Tenant: srv})
	if err != nil {
		return err
	}
	env.Defer(gw.Close)
	env.Values[gatewayKey{}] = gw
	env.Setenv("GATEWAY", gw.URL)
	env.Setenv("SUBSCRIPTION_KEY", fakeapim.SubscriptionKey)
	for k, v := range map[string]string{
		"AZURE_AUTHORITY_HOST":  srv.URL,
		"SSL_CERT_FILE":         ca,
		"SSL_CERT_DIR":          filepath.Join(env.WorkDir, ".no-system-certs"),
		"ENTRATOKEN_CACHE_DIR":  filepath.Join(env.WorkDir, ".cache"),
		"HOME":                  env.WorkDir,
		"NO_COLOR":              "1",
		"AUTHORITY":             srv.URL,
		"TENANT":                fakeentra.TenantID,
		"TENANT_DOMAIN":         fakeentra.TenantDomain,
		"OTHER_TENANT":          fakeentra.OtherTenantID,
		"API_CLIENT_ID":         fakeentra.APIClientID,
		"API_APP_ID_URI":        fakeentra.APIAppIDURI,
		"CLIENT_ID":             fakeentra.ClientID,
		"AZURE_TENANT_ID":       "",
		"HTTPS_PROXY":           "",
		"https_proxy":           "",
		"CERTS":                 certs,
		"MI_URL":                srv.MIURL,
		"CLIENT_SECRET":         fakeentra.ClientSecret,
		"EXPIRED_SECRET":        fakeentra.ExpiredClientSecret,
		"SECRET_ID":             fakeentra.ClientSecretID,
		"NOROLE_CLIENT_ID":      fakeentra.NoRoleClientID,
		"NOROLE_SECRET":         fakeentra.NoRoleClientSecret,
		"INVENTORY_APP_ID_URI":  fakeentra.InventoryAppIDURI,
		"MI_CLIENT_ID":          fakeentra.MIClientID,
		"UAMI_CLIENT_ID":        fakeentra.UAMIClientID,
		"UAMI_OBJECT_ID":        fakeentra.UAMIObjectID,
		"UAMI_RESOURCE_ID":      fakeentra.UAMIResourceID,
		"IDENTITY_HEADER_VALUE": fakeentra.IdentityHeader,
		// Nothing may reach the real IMDS: it is moved to a dead loopback
		// port unless a script points it at the simulated one.
		"ENTRATOKEN_IMDS_ENDPOINT": "http://127.0.0.1:1/",
		// Nor Azure Resource Manager or Microsoft Graph: a script that does
		// not start fakearm or fakegraph reaches a dead loopback port.
		"ENTRATOKEN_ARM_ENDPOINT":       "https://127.0.0.1:1",
		"ENTRATOKEN_GRAPH_ENDPOINT":     "https://127.0.0.1:1",
		"IDENTITY_ENDPOINT":             "",
		"IDENTITY_HEADER":               "",
		"MSI_ENDPOINT":                  "",
		"AZURE_CLIENT_ID":               "",
		"AZURE_CLIENT_SECRET":           "",
		"AZURE_CLIENT_CERTIFICATE_PATH": "",
		"AZURE_FEDERATED_TOKEN_FILE":    "",
		"GITHUB_ACTIONS":                "",
	} {
		env.Setenv(k, v)
	}
	return setupHostile(env)
}

func server(ts *testscript.TestScript) *fakeentra.Server {
	return ts.Value(serverKey{}).(*fakeentra.Server)
}

// cmdMint mints a real signed token and stores it in $NAME and in file NAME:
//
//	mint NAME [-tenant ID|domain] [-v 1|2] [-roles A,B] [-scp 'a b'] [-aud A]
//	     [-client ID] [-graph] [-iat DUR] [-life DUR] [-alg none|HS256]
//	     [-claim name=JSON]... [-header name=JSON]... [-unset name]... [-cut N]
func cmdMint(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mint NAME [flags]")
	}
	name := args[0]
	fs := flag.NewFlagSet("mint", flag.ContinueOnError)
	tenant := fs.String("tenant", fakeentra.TenantID, "")
	ver := fs.String("v", "2", "")
	roles := fs.String("roles", "", "")
	scp := fs.String("scp", "", "")
	aud := fs.String("aud", "", "")
	client := fs.String("client", "", "")
	graph := fs.Bool("graph", false, "")
	iat := fs.Duration("iat", 0, "")
	life := fs.Duration("life", 0, "")
	alg := fs.String("alg", "", "")
	cut := fs.Int("cut", -1, "")
	claims, header := map[string]any{}, map[string]any{}
	fs.Func("claim", "", func(s string) error { return setJSON(claims, s) })
	fs.Func("header", "", func(s string) error { return setJSON(header, s) })
	fs.Func("unset", "", func(s string) error { claims[s] = nil; return nil })
	ts.Check(fs.Parse(args[1:]))

	t := server(ts).Tenant(*tenant)
	if t == nil {
		ts.Fatalf("mint: no tenant %q", *tenant)
	}
	sp := fakeentra.Spec{
		Version: entra.Version(*ver + ".0"), Audience: *aud, ClientID: *client, Graph: *graph,
		IssuedAt: time.Now().Add(*iat), Lifetime: *life, Alg: *alg, Claims: claims, Header: header,
	}
	if *roles != "" {
		sp.Roles = strings.Split(*roles, ",")
	}
	if *scp != "" {
		sp.Scopes = strings.Fields(*scp)
	}
	tok, err := t.Mint(sp)
	ts.Check(err)
	if *cut >= 0 { // keep the first N characters of the signature, as a terminal cuts a token
		dot := strings.LastIndex(tok, ".")
		tok = tok[:min(len(tok), dot+1+*cut)]
	}
	ts.Setenv(name, tok)
	ts.Check(os.WriteFile(ts.MkAbs(name), []byte(tok), 0o600))
}

func setJSON(m map[string]any, s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return errors.New("want name=value")
	}
	var val any
	if json.Unmarshal([]byte(v), &val) != nil {
		val = v // not JSON: a plain string
	}
	if list, ok := val.([]any); ok { // crit and friends want []string
		strs := make([]string, 0, len(list))
		for _, e := range list {
			if s, ok := e.(string); ok {
				strs = append(strs, s)
			}
		}
		if len(strs) == len(list) {
			val = strs
		}
	}
	m[k] = val
	return nil
}

// cmdFakeEntra drives the simulated tenant:
//
//	fakeentra rotate [tenant]          publish a new key and sign with it
//	fakeentra retire [tenant]          unpublish all but the active key
//	fakeentra hits KIND N              assert N requests of KIND (metadata, jwks, total)
//	fakeentra jwks FILE [tenant] [1|2] write the tenant's key set to FILE
//	fakeentra stop                     close the server
//	fakeentra federated FILE [SUBJECT] [-iss I] [-aud A] [-iat DUR] [-life DUR]
//	                                   write a GitHub-style federated token, signed
//	                                   by the simulated GitHub issuer's own key
//	fakeentra hits federated N         token requests that presented a federated token
//	fakeentra assignment-required on|off  the orders API's "Assignment required"
//	fakeentra delay DURATION           the token endpoint answers this late
func cmdFakeEntra(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: fakeentra rotate|retire|hits|jwks|stop ...")
	}
	srv := server(ts)
	tenant := func(i int) *fakeentra.Tenant {
		id := fakeentra.TenantID
		if len(args) > i {
			id = args[i]
		}
		t := srv.Tenant(id)
		if t == nil {
			ts.Fatalf("no tenant %q", id)
		}
		return t
	}
	switch args[0] {
	case "rotate":
		tenant(1).Rotate()
	case "retire":
		tenant(1).Retire()
	case "hits":
		if len(args) != 3 {
			ts.Fatalf("usage: fakeentra hits metadata|jwks|total N")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		got := srv.Hits(args[1])
		if args[1] == "total" {
			got = srv.TotalHits()
		}
		if (got == want) == neg {
			ts.Fatalf("%s requests: got %d, want %s%d; requests so far: %q", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want, srv.Requests())
		}
	case "jwks":
		v := entra.V2
		if len(args) > 3 && args[3] == "1" {
			v = entra.V1
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), tenant(2).KeySetJSON(v), 0o644))
	case "stop":
		srv.Close()
	case "federated":
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(githubToken(ts, srv, args[2:])), 0o600))
	case "delay":
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		srv.SetTokenDelay(d)
	case "assignment-required":
		srv.SetAssignmentRequired(fakeentra.APIClientID, len(args) > 1 && args[1] == "on")
	default:
		ts.Fatalf("unknown fakeentra command %q", args[0])
	}
}

// cmdExits runs a program and asserts its exact exit code, keeping its
// stdout and stderr for the commands that follow: exits N prog args...
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%v", err)
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdJSONPath asserts a value in the JSON on stdout of the last command:
//
//	jsonpath PATH VALUE
//
// PATH is dot-separated (signature.status, findings.0.code); VALUE is compared
// with the value's JSON encoding, or with the string itself for strings.
func cmdJSONPath(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: jsonpath PATH VALUE")
	}
	var doc any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &doc); err != nil {
		ts.Fatalf("stdout is not one JSON document: %v", err)
	}
	cur := doc
	for _, p := range strings.Split(args[0], ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(c) {
				cur = nil
			} else {
				cur = c[i]
			}
		default:
			cur = nil
		}
	}
	got := ""
	if s, ok := cur.(string); ok {
		got = s
	} else {
		b, _ := json.Marshal(cur)
		got = string(b)
	}
	if (got == args[1]) == neg {
		ts.Fatalf("%s = %s, want %s%s", args[0], got, map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}

// cmdCanned serves a saved response (curl -i form, testdata/responses) to
// every request, on loopback: canned NAME FILE sets $NAME to its URL. Tests
// of call that depend on the gateway's answer use it, so that the answer is
// written by hand and not by diagnose's own evaluator (style 5.9).
func cmdCanned(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: canned NAME FILE")
	}
	raw, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	status, h, body, err := diagnose.ParseResponse(bytes.NewReader(raw))
	ts.Check(err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, vs := range h {
			if strings.EqualFold(k, "Content-Length") {
				continue
			}
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(status)
		w.Write(body)
	}))
	ts.Defer(srv.Close)
	ts.Setenv(args[0], srv.URL+"/")
}
