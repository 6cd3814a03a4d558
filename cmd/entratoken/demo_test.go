package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// No step of the demo that shows a refusal may say that APIM accepts the
// token, or that nothing is wrong: the diagnosis of a refused call rests on
// the refusal (spec/cli.md, diagnose, basis).
func TestDemoNeverAcceptsARefusal(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	f := &Factory{IO: ios, Getenv: func(string) string { return "" }}
	if code := run(context.Background(), f, []string{"demo", "--no-color"}); code != exitOK {
		t.Fatalf("demo exited %d:\n%s", code, out)
	}
	steps := regexp.MustCompile(`(?m)^\d+\. `).Split(out.String(), -1)
	if len(steps) < 9 {
		t.Fatalf("%d steps in the demo's output:\n%s", len(steps)-1, out)
	}
	refusal := regexp.MustCompile(`HTTP/1\.1 40[13]|verdict: REJECTED`)
	accepts := regexp.MustCompile(`NO PROBLEM FOUND|verdict: ACCEPTED|"verdict": "accepted"|APIM would forward`)
	refused := 0
	for i, step := range steps[1:] {
		if !refusal.MatchString(step) {
			continue
		}
		refused++
		if m := accepts.FindString(step); m != "" {
			t.Errorf("step %d shows a refusal and then says %q:\n%s", i+1, m, step)
		}
	}
	if refused < 3 {
		t.Errorf("only %d steps show a refusal; the demo's story has at least three (2, 3, 5)", refused)
	}
	if strings.Contains(out.String(), "NO PROBLEM FOUND") {
		t.Error("the demo says NO PROBLEM FOUND")
	}
	// A call reads as curl -v does: the body after the response headers,
	// before the timing and the diagnosis.
	call := steps[2]
	body, diag := strings.Index(call, `{"statusCode":401`), strings.Index(call, "Diagnosis of the token sent")
	if body < 0 || diag < 0 || body > diag || body < strings.Index(call, "< Content-Type") {
		t.Errorf("step 2 shows the body at %d and the diagnosis at %d:\n%s", body, diag, call)
	}
}

// The demo carries the orders policy as a constant (a binary cannot read
// testdata); testdata/policies/orders.xml is the same policy for the tests
// and users. Their validate-jwt, the part that decides, must stay the same.
func TestDemoPolicyIsTheFixture(t *testing.T) {
	fixture, err := os.ReadFile("../../testdata/policies/orders.xml")
	if err != nil {
		t.Fatal(err)
	}
	jwt := func(src []byte) string {
		p, err := diagnose.Parse(src, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range p.Inbound() {
			if n.Name == "validate-jwt" {
				return shape(n)
			}
		}
		t.Fatal("no validate-jwt")
		return ""
	}
	if a, b := jwt([]byte(demoPolicy)), jwt(fixture); a != b {
		t.Errorf("the demo's policy and testdata/policies/orders.xml differ:\n demo    %s\n fixture %s", a, b)
	}
}

// shape renders an element's names, attributes and texts, without layout.
func shape(n *diagnose.Node) string {
	var attrs []string
	for _, a := range n.Attrs {
		attrs = append(attrs, a.Name.Local+"="+a.Value)
	}
	sort.Strings(attrs)
	var kids []string
	for _, c := range n.Children {
		kids = append(kids, shape(c))
	}
	return n.Name + "[" + strings.Join(attrs, " ") + "](" + strings.TrimSpace(n.Text) + strings.Join(kids, "") + ")"
}

// syncBuffer is a buffer one goroutine writes while another reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// demo --serve prints an environment that works: a real acquire, inspect,
// diagnose and call against it succeed, nothing printed holds a secret, and
// cancelling (Ctrl-C) stops it and removes its files.
func TestDemoServe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ios := &iostreams.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &Factory{IO: ios, Getenv: func(string) string { return "" }}, []string{"demo", "--serve"})
	}()
	for !strings.Contains(out.String(), "Ctrl-C stops") {
		select {
		case code := <-done:
			t.Fatalf("demo --serve ended (exit %d) before it was ready:\n%s%s", code, out, errOut)
		case <-time.After(20 * time.Millisecond):
		}
	}
	printed := out.String()
	for _, secret := range []string{fakeentra.ClientSecret, fakeentra.NoRoleClientSecret, fakeapim.SubscriptionKey, fakeentra.IdentityHeader, fakearm.PartnersKey, fakeentra.EvidenceContributorSecret} {
		if strings.Contains(printed, secret) {
			t.Errorf("demo --serve printed a secret %q", secret)
		}
	}
	// The environment, as a shell would read it.
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  export ([A-Z_]+)=(.*)$`).FindAllStringSubmatch(printed, -1) {
		v := m[2]
		if f, ok := strings.CutPrefix(v, `"$(cat `); ok {
			b, err := os.ReadFile(strings.TrimSuffix(f, `)"`))
			if err != nil {
				t.Fatal(err)
			}
			v = strings.TrimSpace(string(b))
		}
		env[m[1]] = v
	}
	for _, k := range []string{"AZURE_AUTHORITY_HOST", "SSL_CERT_FILE", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "APIM_SUBSCRIPTION_KEY", "GATEWAY", "POLICY", "ENTRATOKEN_CACHE_DIR"} {
		if env[k] == "" {
			t.Fatalf("no %s in:\n%s", k, printed)
		}
	}
	dir := filepath.Dir(env["SSL_CERT_FILE"])
	if got, _ := os.ReadFile(filepath.Join(dir, "env.sh")); !strings.Contains(string(got), "export GATEWAY="+env["GATEWAY"]) {
		t.Errorf("env.sh does not export what was printed:\n%s", got)
	}
	// SSL_CERT_FILE is read once per process by Go, so here its CA is given
	// as the roots directly: the same file a shell would use.
	pem, err := os.ReadFile(env["SSL_CERT_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("SSL_CERT_FILE holds no certificate")
	}
	cmd := func(args ...string) (string, int) {
		ios, _, o, e := iostreams.Test()
		code := run(ctx, &Factory{IO: ios, Getenv: func(k string) string { return env[k] }, RootCAs: roots}, args)
		return o.String() + e.String(), code
	}
	tok, code := cmd("acquire", "--resource", "api://contoso-orders", "-o", "json")
	if code != 0 {
		t.Fatalf("acquire: exit %d\n%s", code, tok)
	}
	var acquired struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(tok), &acquired); err != nil || acquired.AccessToken == "" {
		t.Fatalf("acquire -o json: %v\n%s", err, tok)
	}
	for _, args := range [][]string{
		{"inspect", acquired.AccessToken},
		{"diagnose", acquired.AccessToken, "--policy", env["POLICY"]},
		{"call", env["GATEWAY"] + "orders", "--token", acquired.AccessToken, "--expect-status", "200"},
	} {
		if o, code := cmd(args...); code != 0 {
			t.Errorf("%s: exit %d\n%s", args[0], code, o)
		}
	}
	if o, code := cmd("call", env["GATEWAY"]+"orders", "--resource", "api://contoso-inventory"); code != exitFailed || !strings.Contains(o, "401") {
		t.Errorf("call with a token for the wrong API: exit %d\n%s", code, o)
	}
	// The live story by hand, as the Try list says: the evidence principal's
	// sign-in, the partners key, the service found by the gateway's host.
	for k, file := range map[string]string{"AZURE_CLIENT_SECRET": "evidence-secret.txt", "APIM_SUBSCRIPTION_KEY": "partners-key.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		env[k] = strings.TrimSpace(string(b))
	}
	env["AZURE_CLIENT_ID"] = fakeentra.EvidenceContributorClientID
	o, code := cmd("call", env["PARTNERS_GATEWAY"]+"orders/42", "--token", acquired.AccessToken, "--apim", "auto", "--apim-trace", "--entra")
	if code != exitFailed || !strings.Contains(o, "refused by: the validate-jwt at product partners") || !strings.Contains(o, "the trace agrees with the prediction") {
		t.Errorf("call --apim auto --apim-trace --entra against the served cloud: exit %d\n%s", code, o)
	}

	cancel() // Ctrl-C
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("demo --serve stopped with exit %d: %s", code, errOut)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("demo --serve did not stop when its context ended")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there after the demo stopped (%v)", dir, err)
	}
	if !strings.Contains(errOut.String(), "demo stopped; removed "+dir) {
		t.Errorf("stderr: %q", errOut)
	}
}

// On a terminal the demo's headings are coloured; the shortening must find
// them all the same: the coloured story, without its colour, drops exactly
// what the plain one drops.
func TestDemoShortensOnATerminal(t *testing.T) {
	story := func(colour bool) string {
		ios, _, out, _ := iostreams.Test()
		ios.Color = colour
		if code := run(context.Background(), &Factory{IO: ios, Getenv: func(string) string { return "" }}, []string{"demo"}); code != 0 {
			t.Fatalf("demo: exit %d\n%s", code, out)
		}
		return out.String()
	}
	coloured, plain := story(true), story(false)
	if !strings.Contains(coloured, "\x1b[") {
		t.Fatal("no colour in the output: the test does not test a terminal")
	}
	stripped := ansiEscape.ReplaceAllString(coloured, "")
	for _, marker := range []string{"(header and claims listing omitted", "\nChecks\n", "\nHeader\n", "\nClaims\n"} {
		if a, b := strings.Count(stripped, marker), strings.Count(plain, marker); a != b {
			t.Errorf("%q: %d times on a terminal, %d times in a pipe", marker, a, b)
		}
	}
	if !strings.Contains(stripped, "(header and claims listing omitted") {
		t.Error("inspect's header and claims were not shortened")
	}
}
