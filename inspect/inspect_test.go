package inspect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/keys"
)

func setup(t testing.TB) (*fakeentra.Server, *fakeentra.Tenant, Options) {
	t.Helper()
	srv := fakeentra.New()
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	res := &keys.Resolver{Authority: u, HTTP: srv.Client(), Cache: &keys.Cache{Dir: t.TempDir()}}
	return srv, srv.Tenant(fakeentra.TenantID), Options{Resolver: res}
}

func codes(fs []finding.Finding) string {
	var c []string
	for _, f := range fs {
		c = append(c, f.Code)
	}
	return strings.Join(c, ",")
}

// Adversarial and ordinary tokens: each row is what a user or an attacker
// could hand the tool, and the verdict it must reach.
func TestInspect(t *testing.T) {
	srv, contoso, opts := setup(t)
	fabrikam := srv.Tenant(fakeentra.OtherTenantID)
	now := time.Now()
	tests := []struct {
		name       string
		sp         fakeentra.Spec
		tenant     *fakeentra.Tenant
		edit       func(string) string
		wantStatus string
		wantCodes  string
		wantOK     bool
		version    string
		kind       string
	}{
		{name: "v2 app", sp: fakeentra.Spec{Roles: []string{"Orders.Read"}}, wantStatus: StatusValid, wantOK: true, version: "2.0", kind: "app"},
		{name: "v1 app", sp: fakeentra.Spec{Version: entra.V1}, wantStatus: StatusValid, wantOK: true, version: "1.0", kind: "app"},
		{name: "v2 delegated", sp: fakeentra.Spec{Scopes: []string{"Orders.Read"}}, wantStatus: StatusValid, wantOK: true, kind: "delegated"},
		{name: "version from issuer when ver is absent", sp: fakeentra.Spec{Version: entra.V1, Claims: map[string]any{"ver": nil}}, wantStatus: StatusValid, wantOK: true, version: "1.0"},
		{name: "aud array", sp: fakeentra.Spec{Claims: map[string]any{"aud": []string{"a", "b"}}}, wantStatus: StatusValid, wantOK: true},
		{name: "other tenant's token verifies with its own keys", tenant: fabrikam, wantStatus: StatusValid, wantOK: true},
		{name: "expired", sp: fakeentra.Spec{IssuedAt: now.Add(-3 * time.Hour)}, wantStatus: StatusValid, wantCodes: "EXPIRED"},
		{name: "expires exactly now", sp: fakeentra.Spec{IssuedAt: now.Add(-time.Hour), Lifetime: time.Hour}, wantStatus: StatusValid, wantCodes: "EXPIRED"},
		{name: "not yet valid", sp: fakeentra.Spec{IssuedAt: now.Add(time.Hour)}, wantStatus: StatusValid, wantCodes: "NOT_YET_VALID"},
		{name: "no exp", sp: fakeentra.Spec{Claims: map[string]any{"exp": nil}}, wantStatus: StatusValid, wantCodes: "EXPIRATION_MISSING"},
		{name: "exp not a number", sp: fakeentra.Spec{Claims: map[string]any{"exp": "tomorrow"}}, wantStatus: StatusValid, wantCodes: "EXPIRATION_MISSING"},
		{name: "graph nonce", sp: fakeentra.Spec{Graph: true}, wantStatus: StatusUnverifiable, wantCodes: "GRAPH_TOKEN"},
		{name: "alg none", sp: fakeentra.Spec{Alg: "none"}, wantStatus: StatusInvalid, wantCodes: "UNSIGNED"},
		{name: "HS256 with the public key", sp: fakeentra.Spec{Alg: "HS256"}, wantStatus: StatusInvalid, wantCodes: "ALG_NOT_ALLOWED"},
		{name: "RS512 label", edit: setHeader("alg", "RS512"), wantStatus: StatusInvalid, wantCodes: "ALG_NOT_ALLOWED"},
		{name: "ES256 label", edit: setHeader("alg", "ES256"), wantStatus: StatusInvalid, wantCodes: "ALG_NOT_ALLOWED"},
		{name: "empty signature", edit: func(r string) string { return r[:strings.LastIndex(r, ".")+1] }, wantStatus: StatusInvalid, wantCodes: "UNSIGNED"},
		{name: "unknown kid", sp: fakeentra.Spec{Header: map[string]any{"kid": "nope"}}, wantStatus: StatusInvalid, wantCodes: "SIGNING_KEY_NOT_FOUND"},
		{name: "another tenant's key under our tid", tenant: fabrikam, sp: fakeentra.Spec{Claims: map[string]any{"tid": fakeentra.TenantID, "iss": entra.IssuerV2(fakeentra.TenantID)}}, wantStatus: StatusInvalid, wantCodes: "SIGNING_KEY_NOT_FOUND"},
		{name: "cut off in the signature", edit: cutSignature(171), wantStatus: StatusInvalid, wantCodes: "TOKEN_TRUNCATED"},
		{name: "cut off one character short", edit: cutSignature(341), wantStatus: StatusInvalid, wantCodes: "TOKEN_TRUNCATED"},
		{name: "right kid, wrong signature", edit: swapSignature(contoso.MustMint(t, fakeentra.Spec{Roles: []string{"X"}})), wantStatus: StatusInvalid, wantCodes: "SIGNATURE_INVALID"},
		{name: "no kid: every key is tried", sp: fakeentra.Spec{Header: map[string]any{"kid": nil}}, wantStatus: StatusValid, wantOK: true},
		{name: "embedded jwk is ignored", sp: fakeentra.Spec{Header: map[string]any{"jwk": symmetricKey(t)}}, wantStatus: StatusValid, wantCodes: "UNTRUSTED_KEY_REFERENCE", wantOK: true},
		{name: "crit header", sp: fakeentra.Spec{Header: map[string]any{"crit": []string{"x"}, "x": 1}}, wantStatus: StatusInvalid, wantCodes: "SIGNATURE_INVALID"},
		{name: "lookalike issuer", sp: fakeentra.Spec{Claims: map[string]any{"iss": "https://login.microsoftonline.com.evil.example/" + fakeentra.TenantID + "/v2.0"}}, wantStatus: StatusValid, wantCodes: "ISSUER_MISMATCH", wantOK: true},
		{name: "an ID token sent as an access token", sp: fakeentra.Spec{Audience: fakeentra.ClientID, Claims: map[string]any{"azp": nil, "nonce": "abc", "preferred_username": "adele@contoso.onmicrosoft.com"}},
			wantStatus: StatusValid, wantCodes: "ID_TOKEN", wantOK: true},
		{name: "graph audience without nonce", sp: fakeentra.Spec{Audience: "https://graph.microsoft.com"}, wantStatus: StatusValid, wantCodes: "GRAPH_TOKEN", wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tn := tt.tenant
			if tn == nil {
				tn = contoso
			}
			raw := tn.MustMint(t, tt.sp)
			if tt.edit != nil {
				raw = tt.edit(raw)
			}
			rep, err := Inspect(context.Background(), raw, opts)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if rep.Signature.Status != tt.wantStatus || codes(rep.Findings) != tt.wantCodes || rep.OK() != tt.wantOK {
				t.Errorf("status %s, findings %q, ok %v; want %s, %q, %v (reason %q)",
					rep.Signature.Status, codes(rep.Findings), rep.OK(), tt.wantStatus, tt.wantCodes, tt.wantOK, rep.Signature.Reason)
			}
			if tt.version != "" && rep.Version != tt.version {
				t.Errorf("version %q, want %q", rep.Version, tt.version)
			}
			if tt.kind != "" && rep.Kind != tt.kind {
				t.Errorf("kind %q, want %q", rep.Kind, tt.kind)
			}
			for _, f := range rep.Findings {
				if f.Fix == "" || f.Message == "" {
					t.Errorf("finding %s lacks message or fix", f.Code)
				}
			}
		})
	}
}

// cutSignature returns an edit that keeps the first n characters of the
// signature, as a terminal or a log line cuts a long token.
func cutSignature(n int) func(string) string {
	return func(raw string) string { return raw[:strings.LastIndex(raw, ".")+1+n] }
}

// swapSignature returns an edit that puts other's signature on a token with
// the same kid: a real signature, by the right key, over other content.
func swapSignature(other string) func(string) string {
	return func(raw string) string {
		return raw[:strings.LastIndex(raw, ".")] + other[strings.LastIndex(other, "."):]
	}
}

// A key set whose keys carry only x5t (no kid) still verifies: Entra's kid
// and x5t are the same thumbprint.
func TestKeyMatchedByThumbprint(t *testing.T) {
	_, contoso, opts := setup(t)
	set := strings.ReplaceAll(string(contoso.KeySetJSON(entra.V2)), `"kid":`, `"ignored":`)
	opts.JWKS = writeTemp(t, []byte(set))
	rep, err := Inspect(context.Background(), contoso.MustMint(t, fakeentra.Spec{}), opts)
	if err != nil || rep.Signature.Status != StatusValid {
		t.Fatalf("%v %+v", err, rep.Signature)
	}
}

func TestNoVerifyTouchesNothing(t *testing.T) {
	srv, contoso, opts := setup(t)
	opts.NoVerify = true
	rep, err := Inspect(context.Background(), contoso.MustMint(t, fakeentra.Spec{}), opts)
	if err != nil || rep.Signature.Status != StatusUnverified || !rep.OK() || srv.TotalHits() != 0 {
		t.Errorf("status %s ok %v err %v hits %d", rep.Signature.Status, rep.OK(), err, srv.TotalHits())
	}
	if !strings.Contains(rep.Signature.Reason, "NOT checked") {
		t.Errorf("reason %q does not say loudly that nothing was verified", rep.Signature.Reason)
	}
}

func TestNoTenant(t *testing.T) {
	_, contoso, opts := setup(t)
	raw := contoso.MustMint(t, fakeentra.Spec{Claims: map[string]any{"tid": nil, "iss": "https://issuer.example/"}})
	// A defect of the token, not an outage: a finding and exit 1, no error.
	rep, err := Inspect(context.Background(), raw, opts)
	if err != nil || rep.OK() || len(rep.Findings) != 1 || rep.Findings[0].Code != finding.KeysUnavailable ||
		rep.Findings[0].Severity != finding.SeverityError || !strings.Contains(rep.Signature.Reason, "names no tenant") {
		t.Fatalf("err = %v, ok %v, findings %+v, reason %q", err, rep.OK(), rep.Findings, rep.Signature.Reason)
	}
	opts.Tenant = fakeentra.TenantDomain // --tenant fills in
	rep, err = Inspect(context.Background(), raw, opts)
	if err != nil || rep.Signature.Status != StatusValid {
		t.Errorf("with --tenant: %v %s", err, rep.Signature.Status)
	}
}

func TestTextReport(t *testing.T) {
	_, contoso, opts := setup(t)
	opts.Now = time.Now()
	raw := contoso.MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, ClientID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", IssuedAt: opts.Now.Add(-2 * time.Hour), Lifetime: time.Hour})
	rep, _ := Inspect(context.Background(), raw, opts)
	var buf bytes.Buffer
	ios, _, _, _ := iostreams.Test()
	if err := rep.WriteText(&buf, ios.Palette()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"signature: VALID  RS256 key ",
		"lifetime:  EXPIRED  the token expired 1h00m ago",
		"roles: Orders.Read",
		"# client application: Azure CLI",
		"# audience: your API, named by its client ID",
		"  error   EXPIRED  ",
		"fix: acquire a new token",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, raw) || strings.Contains(out, "\x1b[") {
		t.Error("report contains the token or colour codes without a terminal")
	}
	if first := strings.SplitN(out, "\n", 2)[0]; !strings.HasPrefix(first, "signature:") {
		t.Errorf("first line %q is not the signature verdict", first)
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45s", 52 * time.Minute: "52m", 3*time.Hour + 12*time.Minute: "3h12m",
		-90 * time.Minute: "1h30m", 52 * time.Hour: "2d4h",
	} {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}

// BenchmarkDecodeVerify measures decoding plus RS256 verification against an
// in-memory key set (no network, no disk).
func BenchmarkDecodeVerify(b *testing.B) {
	srv, contoso, _ := setup(b)
	raw := contoso.MustMint(b, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	res := &keys.Resolver{}
	set, err := res.JWKS(context.Background(), writeTemp(b, contoso.KeySetJSON(entra.V2)))
	if err != nil {
		b.Fatal(err)
	}
	_ = srv
	path := set.From
	opts := Options{Resolver: res, JWKS: path}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Inspect(context.Background(), raw, opts)
		if err != nil || rep.Signature.Status != StatusValid {
			b.Fatal(err, rep.Signature)
		}
	}
}

// BenchmarkDecode measures decoding alone.
func BenchmarkDecode(b *testing.B) {
	_, contoso, _ := setup(b)
	raw := contoso.MustMint(b, fakeentra.Spec{Roles: []string{"Orders.Read"}})
	opts := Options{NoVerify: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Inspect(context.Background(), raw, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func writeTemp(tb testing.TB, b []byte) string {
	tb.Helper()
	p := tb.TempDir() + "/keys.json"
	if err := os.WriteFile(p, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// setHeader rewrites one header parameter, keeping the signature.
func setHeader(k string, v any) func(string) string {
	return func(raw string) string {
		parts := strings.Split(raw, ".")
		b, _ := base64.RawURLEncoding.DecodeString(parts[0])
		var h map[string]any
		_ = json.Unmarshal(b, &h)
		h[k] = v
		b, _ = json.Marshal(h)
		parts[0] = base64.RawURLEncoding.EncodeToString(b)
		return strings.Join(parts, ".")
	}
}

func symmetricKey(t testing.TB) jwk.Key {
	k, err := jwk.Import([]byte("attacker-chosen-secret"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzInspect: a mutated token is decoded and verified against a fixed key
// set without a panic, and a token whose signature verifies carries exactly
// the signed part (header and payload) of a token the tenant minted: the
// fuzzer cannot forge one.
func FuzzInspect(f *testing.F) {
	srv := fakeentra.New()
	defer srv.Close()
	tn := srv.Tenant(fakeentra.TenantID)
	signed := map[string]bool{}
	for _, sp := range []fakeentra.Spec{{Roles: []string{"Orders.Read"}}, {Version: entra.V1}, {Graph: true}, {Alg: "none"}, {Alg: "HS256"}, {Scopes: []string{"a"}}} {
		if tok, err := tn.Mint(sp); err == nil {
			f.Add(tok)
			signed[tok[:strings.LastIndex(tok, ".")]] = true
		}
	}
	opts := Options{Resolver: &keys.Resolver{Offline: true}, JWKS: writeTemp(f, tn.KeySetJSON(entra.V2))}
	f.Fuzz(func(t *testing.T, raw string) {
		rep, err := Inspect(context.Background(), raw, opts)
		if err != nil || rep.Signature.Status != StatusValid {
			return
		}
		r := rep.Decoded().Raw
		if !signed[r[:strings.LastIndex(r, ".")]] {
			t.Fatalf("a token the tenant never signed verified: %q", raw)
		}
	})
}

// A library caller who sets nothing still gets a report, not a panic.
func TestZeroOptions(t *testing.T) {
	rep, err := Inspect(context.Background(), "not-a-token", Options{})
	if err != nil || rep.Signature.Status != StatusUnverified || codes(rep.Findings) != "TOKEN_MALFORMED" {
		t.Errorf("%v %+v", err, rep)
	}
	rep, _ = Inspect(context.Background(), "a.b.c", Options{NoVerify: true})
	if rep == nil {
		t.Fatal("nil report")
	}
}
