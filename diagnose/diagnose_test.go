package diagnose

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/keys"
)

const (
	tid  = fakeentra.TenantID
	api  = fakeentra.APIClientID
	v2md = "https://login.microsoftonline.com/" + tid + "/v2.0/.well-known/openid-configuration"
	v1md = "https://login.microsoftonline.com/" + tid + "/.well-known/openid-configuration"
)

type harness struct {
	srv *fakeentra.Server
	in  Input
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	srv := fakeentra.New()
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return &harness{srv: srv, in: Input{Resolver: &keys.Resolver{Authority: u, HTTP: srv.Client(), Cache: &keys.Cache{Dir: t.TempDir()}}, Authority: u}}
}

func (h *harness) run(t *testing.T, policy string, sp fakeentra.Spec, mutate func(*Input)) *Report {
	t.Helper()
	tok := h.srv.Tenant(tid).MustMint(t, sp)
	in := h.in
	in.Token = tok
	if policy != "" {
		p, err := Parse([]byte(policy), map[string]string{"tid": tid})
		if err != nil {
			t.Fatal(err)
		}
		in.Policy = p
	}
	if mutate != nil {
		mutate(&in)
	}
	rep, err := Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func primary(r *Report) string {
	for _, f := range r.Findings {
		if f.Primary {
			return f.Code
		}
	}
	return ""
}

func has(r *Report, code string, sev finding.Severity) bool {
	for _, f := range r.Findings {
		if f.Code == code && (sev == "" || f.Severity == sev) {
			return true
		}
	}
	return false
}

func jwt(attrs, body string) string {
	return `<validate-jwt header-name="Authorization" ` + attrs + `>` + body + `</validate-jwt>`
}

func TestValidateJWTRules(t *testing.T) {
	h := newHarness(t)
	now := time.Now()
	v2 := `<openid-config url="` + v2md + `" />`
	v1 := `<openid-config url="` + v1md + `" />`
	auds := `<audiences><audience>api://contoso-orders</audience><audience>` + api + `</audience></audiences>`
	tests := []ruleRow{
		{name: "a good v2 token", rule: "§1.4 all checks pass", policy: jwt("", v2+auds), verdict: Accepted, status: 200},
		{name: "status from failed-validation-httpcode", rule: "§1.2 failed-validation-httpcode",
			policy: jwt(`failed-validation-httpcode="403"`, v2+`<audiences><audience>x</audience></audiences>`), verdict: Rejected, primary: finding.AudienceMismatch, status: 403},
		{name: "exp required by default", rule: "§1.2 require-expiration-time defaults to true",
			policy: jwt("", v2), sp: fakeentra.Spec{Claims: map[string]any{"exp": nil}}, verdict: Rejected, primary: finding.ExpirationMissing, status: 401},
		{name: "exp not required", rule: "§1.2 require-expiration-time=false",
			policy: jwt(`require-expiration-time="false"`, v2), sp: fakeentra.Spec{Claims: map[string]any{"exp": nil}}, verdict: Accepted, status: 200},
		{name: "clock skew 0 by default", rule: "§1.2 clock-skew defaults to 0",
			policy: jwt("", v2), sp: fakeentra.Spec{IssuedAt: now.Add(-61 * time.Minute), Lifetime: time.Hour}, verdict: Rejected, primary: finding.Expired, status: 401},
		{name: "clock skew tolerates", rule: "§1.4 lifetime checked with clock-skew",
			policy: jwt(`clock-skew="120"`, v2), sp: fakeentra.Spec{IssuedAt: now.Add(-61 * time.Minute), Lifetime: time.Hour}, verdict: Accepted, status: 200},
		{name: "metadata issuer enforced without issuers", rule: "§1.4 <issuers> absent: the metadata issuer is enforced (observed IDX10205)",
			policy: jwt("", v1), sp: fakeentra.Spec{}, verdict: Rejected, primary: finding.IssuerVersionMismatch, status: 401},
		{name: "union of issuers and metadata", rule: "§1.4 both present: union (UNCONFIRMED), with a warning when issuers cover only the other version",
			policy: jwt("", v2+`<issuers><issuer>https://sts.windows.net/`+tid+`/</issuer></issuers>`), verdict: Accepted, status: 200, also: finding.IssuerVersionMismatch},
		{name: "issuer compared exactly", rule: "§1.4 issuer: ordinal, no trailing-slash tolerance",
			policy:  jwt("", `<issuer-signing-keys><key id="x" n="AQAB" e="AQAB" /></issuer-signing-keys><issuers><issuer>https://login.microsoftonline.com/`+tid+`/v2.0/</issuer></issuers>`),
			verdict: Rejected, primary: finding.SigningKeyNotFound, status: 401, also: finding.IssuerMismatch},
		{name: "audience tolerates one trailing slash", rule: "§1.4 audience: IgnoreTrailingSlashWhenValidatingAudience",
			policy: jwt("", v2+`<audiences><audience>api://contoso-orders/</audience></audiences>`), sp: fakeentra.Spec{Audience: "api://contoso-orders"}, verdict: Accepted, status: 200},
		{name: "audience is case-sensitive", rule: "§1.4 audience: ordinal compare",
			policy: jwt("", v2+`<audiences><audience>API://contoso-orders</audience></audiences>`), sp: fakeentra.Spec{Audience: "api://contoso-orders"}, verdict: Rejected, primary: finding.AudienceMismatch, status: 401},
		{name: "no audiences: aud not checked", rule: "§1.4 <audiences> absent: not validated (INFERRED)",
			policy: jwt("", v2), sp: fakeentra.Spec{Audience: "https://graph.microsoft.com"}, verdict: Accepted, status: 200},
		{name: "claims match all", rule: "§1.3 required-claims match=all (default)",
			policy: jwt("", v2+`<required-claims><claim name="roles"><value>Orders.Read</value><value>Orders.Write</value></claim></required-claims>`),
			sp:     fakeentra.Spec{Roles: []string{"Orders.Read"}}, verdict: Rejected, primary: finding.RoleMissing, status: 401},
		{name: "claims match any", rule: "§1.3 required-claims match=any",
			policy: jwt("", v2+`<required-claims><claim name="roles" match="any"><value>Orders.Read</value><value>Orders.Write</value></claim></required-claims>`),
			sp:     fakeentra.Spec{Roles: []string{"Orders.Read"}}, verdict: Accepted, status: 200},
		{name: "scp needs a separator", rule: "§1.3 separator splits a multi-valued string claim",
			policy: jwt("", v2+`<required-claims><claim name="scp" separator=" "><value>Orders.Write</value></claim></required-claims>`),
			sp:     fakeentra.Spec{Scopes: []string{"Orders.Read", "Orders.Write"}}, verdict: Accepted, status: 200},
		{name: "scp without separator compares the whole string", rule: "§1.4 required claims without separator",
			policy: jwt("", v2+`<required-claims><claim name="scp"><value>Orders.Write</value></claim></required-claims>`),
			sp:     fakeentra.Spec{Scopes: []string{"Orders.Read", "Orders.Write"}}, verdict: Rejected, primary: finding.ScopeMissing, status: 401},
		{name: "v1 token checked on azp", rule: "appid (v1) vs azp (v2): §4.2",
			policy: jwt("", v1+`<required-claims><claim name="azp"><value>`+fakeentra.ClientID+`</value></claim></required-claims>`),
			sp:     fakeentra.Spec{Version: entra.V1}, verdict: Rejected, primary: finding.ClientAppNotAllowed, status: 401},
		{name: "scheme required", rule: "§1.2 require-scheme on Authorization",
			policy:  `<validate-jwt header-name="Authorization" require-scheme="Bearer">` + v2 + `</validate-jwt>`,
			mutate:  func(in *Input) { in.Headers = map[string]string{"Authorization": "Token " + in.Token} },
			verdict: Rejected, primary: finding.SchemeMissing, status: 401},
		{name: "scheme present", rule: "§1.2 require-scheme on Authorization",
			policy:  `<validate-jwt header-name="Authorization" require-scheme="Bearer">` + v2 + `</validate-jwt>`,
			verdict: Accepted, status: 200},
		{name: "as sent: no token", rule: "§1.5 JWT not present. (a gateway evaluates the request as sent)",
			policy: jwt("", v2), mutate: func(in *Input) { in.AsSent, in.Token = true, "" },
			verdict: Rejected, primary: finding.TokenMissing, status: 401},
		{name: "custom header: bare token", rule: "§1.2 custom header-name: no Bearer prefix",
			policy: `<validate-jwt header-name="X-Token">` + v2 + `</validate-jwt>`,
			mutate: func(in *Input) { in.Headers = map[string]string{"X-Token": in.Token} }, verdict: Accepted, status: 200},
		{name: "custom header: assumed sent there", rule: "diagnose answers for the token as the policy reads it",
			policy: `<validate-jwt header-name="X-Token">` + v2 + `</validate-jwt>`, verdict: Accepted, status: 200},
		{name: "query parameter: assumed sent there", rule: "§1.2 query-parameter-name",
			policy: `<validate-jwt query-parameter-name="access_token">` + v2 + `</validate-jwt>`, verdict: Accepted, status: 200},
		{name: "custom header with Bearer", rule: "§2.1 a custom header's value must not carry Bearer",
			policy: `<validate-jwt header-name="X-Token">` + v2 + `</validate-jwt>`,
			mutate: func(in *Input) { in.Headers = map[string]string{"X-Token": "Bearer " + in.Token} }, verdict: Rejected, primary: finding.TokenMalformed, status: 401},
		{name: "token missing", rule: "§1.5 JWT not present.",
			policy: `<validate-jwt header-name="X-Token">` + v2 + `</validate-jwt>`,
			mutate: func(in *Input) { in.Headers = map[string]string{"X-Token": ""} }, verdict: Rejected, primary: finding.TokenMissing, status: 401},
		{name: "token-value idiom", rule: "§1.2 token-value expression",
			policy: `<validate-jwt token-value="@(context.Request.Headers.GetValueOrDefault(&quot;Authorization&quot;,&quot;&quot;).Split(' ').Last())">` + v2 + `</validate-jwt>`, verdict: Accepted, status: 200},
		{name: "unsigned refused", rule: "§1.2 require-signed-tokens defaults to true",
			policy: jwt("", v2), sp: fakeentra.Spec{Alg: "none"}, verdict: Rejected, primary: finding.Unsigned, status: 401},
		{name: "unsigned accepted when allowed", rule: "§1.2 require-signed-tokens=false",
			policy: jwt(`require-signed-tokens="false"`, v2), sp: fakeentra.Spec{Alg: "none"}, verdict: Accepted, status: 200, also: finding.Unsigned},
		{name: "no keys at all", rule: "§1.3 keys from openid-config or issuer-signing-keys",
			policy: jwt("", ""), verdict: Rejected, primary: finding.SigningKeyNotFound, status: 401},
		{name: "graph token", rule: "§1.6 nonce tokens cannot be validated",
			policy: jwt("", v2), sp: fakeentra.Spec{Graph: true}, verdict: Rejected, primary: finding.GraphToken, status: 401},
		{name: "every failure reported, APIM's order picks the primary", rule: "§1.4 order: signature, lifetime, audience, issuer, claims",
			policy: jwt("", v1+`<audiences><audience>x</audience></audiences><required-claims><claim name="roles"><value>R</value></claim></required-claims>`),
			sp:     fakeentra.Spec{IssuedAt: now.Add(-3 * time.Hour)}, verdict: Rejected, primary: finding.Expired, status: 401, also: finding.AudienceMismatch},
	}
	runRows(t, h, tests)
}

// ruleRow is one semantic rule: a policy, a token, and APIM's answer.
type ruleRow struct {
	name, rule, policy string
	sp                 fakeentra.Spec
	mutate             func(*Input)
	verdict, primary   string
	status             int
	also               string // another finding code that must be present
}

func runRows(t *testing.T, h *harness, rows []ruleRow) {
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			rep := h.run(t, tt.policy, tt.sp, tt.mutate)
			if rep.Verdict != tt.verdict || primary(rep) != tt.primary || rep.Status != tt.status {
				t.Errorf("%s: verdict %s, primary %q, status %d; want %s, %q, %d\nfindings: %+v",
					tt.rule, rep.Verdict, primary(rep), rep.Status, tt.verdict, tt.primary, tt.status, rep.Findings)
			}
			if tt.also != "" && !has(rep, tt.also, "") {
				t.Errorf("%s: no %s among %+v", tt.rule, tt.also, rep.Findings)
			}
			n := 0
			for _, f := range rep.Findings {
				if f.Primary {
					n++
				}
			}
			if (rep.Verdict == Rejected) != (n == 1) || n > 1 {
				t.Errorf("%d primary findings for verdict %s: exactly one on a rejection", n, rep.Verdict)
			}
		})
	}
}

func TestOtherStatements(t *testing.T) {
	h := newHarness(t)
	aad := func(attrs, body string) string {
		return `<validate-azure-ad-token ` + attrs + `>` + body + `</validate-azure-ad-token>`
	}
	cond := `@(context.Request.Headers.GetValueOrDefault("Authorization","").Split(' ').Last().AsJwt()?.Claims.GetValueOrDefault("azp","") == "` + fakeentra.ClientID + `")`
	tests := []ruleRow{
		{name: "aad token by tenant GUID", rule: "§2.1 tenant-id GUID", policy: aad(`tenant-id="`+tid+`"`, `<audiences><audience>`+api+`</audience></audiences>`), verdict: Accepted, status: 200},
		{name: "aad token by URL form", rule: "§2.1 tenant-id as a URL", policy: aad(`tenant-id="https://contoso.onmicrosoft.com"`, ""), verdict: Accepted, status: 200},
		{name: "aad organizations", rule: "§2.1 tenant-id organizations: any Entra tenant", policy: aad(`tenant-id="organizations"`, ""), verdict: Accepted, status: 200},
		{name: "aad other tenant", rule: "§2.2 keys and issuers of the configured tenant only (the simulated tenants' keys differ, so the signature fails first)",
			policy: aad(`tenant-id="`+fakeentra.OtherTenantID+`"`, ""), verdict: Rejected, primary: finding.SigningKeyNotFound, status: 401},
		{name: "aad client application ids", rule: "§2.2 client-application-ids against azp/appid (UNCONFIRMED)",
			policy:  aad(`tenant-id="`+tid+`"`, `<client-application-ids><application-id>00000000-0000-4000-8000-000000000001</application-id></client-application-ids>`),
			verdict: Rejected, primary: finding.ClientAppNotAllowed, status: 401},
		{name: "aad authentication-endpoint reported, not ignored", rule: "POLICY_UNSUPPORTED for what cannot be evaluated",
			policy: aad(`tenant-id="`+tid+`" authentication-endpoint="login.microsoftonline.us"`, ""), verdict: Accepted, status: 200, also: finding.PolicyUnsupported},
		{name: "aad accepts v1 tokens too", rule: "§2.2 both issuer versions (UNCONFIRMED)", policy: aad(`tenant-id="`+tid+`"`, ""), sp: fakeentra.Spec{Version: entra.V1}, verdict: Accepted, status: 200},
		{name: "check-header missing", rule: "§3.1 check-header: absent header",
			policy: `<check-header name="X-Env" failed-check-httpcode="400" failed-check-error-message="no env" ignore-case="true" />`, verdict: Rejected, primary: finding.HeaderCheckFailed, status: 400},
		{name: "check-header any value, ignore-case", rule: "§3.1 any listed value matches; ignore-case",
			policy: `<check-header name="X-Env" failed-check-httpcode="400" failed-check-error-message="no" ignore-case="true"><value>test</value><value>PROD</value></check-header>`,
			mutate: func(in *Input) { in.Headers = map[string]string{"X-Env": "prod"} }, verdict: Accepted, status: 200},
		{name: "subscription key check-header", rule: "§3.4 the subscription key",
			policy:  `<check-header name="Ocp-Apim-Subscription-Key" failed-check-httpcode="401" failed-check-error-message="key" ignore-case="false" />`,
			verdict: Rejected, primary: finding.SubscriptionKeyMiss, status: 401},
		{name: "choose: first true when wins", rule: "§3.2 choose/when in order",
			policy:  `<choose><when condition="` + xmlAttr(cond) + `"><return-response><set-status code="200" /></return-response></when><otherwise><return-response><set-status code="403" /></return-response></otherwise></choose>`,
			verdict: Accepted, status: 200},
		{name: "choose: otherwise", rule: "§3.2 otherwise when no when is true",
			policy: `<choose><when condition="` + xmlAttr(cond) + `"><return-response><set-status code="200" /></return-response></when><otherwise><return-response><set-status code="403" /></return-response></otherwise></choose>`,
			sp:     fakeentra.Spec{ClientID: fakeentra.NoRoleClientID}, verdict: Rejected, primary: finding.ForbiddenByPolicy, status: 403},
		{name: "statements after a refusal do not run", rule: "§1.5 a failure ends inbound processing",
			policy:  `<policies><inbound><return-response><set-status code="401" /></return-response><validate-jwt header-name="Authorization" /></inbound></policies>`,
			verdict: Rejected, primary: finding.ForbiddenByPolicy, status: 401},
		{name: "an expression as an audience is never compared as text", rule: "POLICY_UNSUPPORTED",
			policy:  jwt("", `<openid-config url="`+v2md+`" /><audiences><audience>@(context.Variables["aud"])</audience></audiences>`),
			verdict: Unknown, status: 0},
		{name: "an unsupported condition is never passed", rule: "POLICY_UNSUPPORTED",
			policy:  `<choose><when condition="@(context.Request.IpAddress == &quot;1.2.3.4&quot;)"><return-response><set-status code="403" /></return-response></when></choose>`,
			verdict: Unknown, status: 0},
	}
	runRows(t, h, tests)
}

func xmlAttr(s string) string { return strings.ReplaceAll(s, `"`, "&quot;") }

// Warm cache: evaluating a policy a second time makes no request at all.
func TestWarmCacheNoNetwork(t *testing.T) {
	h := newHarness(t)
	pol := jwt("", `<openid-config url="`+v2md+`" />`)
	h.run(t, pol, fakeentra.Spec{}, nil)
	before := h.srv.TotalHits()
	if rep := h.run(t, pol, fakeentra.Spec{}, nil); rep.Verdict != Accepted {
		t.Fatalf("%+v", rep)
	}
	if h.srv.TotalHits() != before {
		t.Errorf("%d requests on a warm cache: %q", h.srv.TotalHits()-before, h.srv.Requests())
	}
}

func TestParsePolicies(t *testing.T) {
	for name, src := range map[string]string{
		"quotes inside an attribute expression": `<when condition="@(context.Request.Headers.GetValueOrDefault("A","") == "b")" />`,
		"generics and && in an expression":      `<set-variable name="x" value="@(context.Variables.GetValueOrDefault<bool>("a") && true)" />`,
		"a block expression":                    `<set-body>@{ var x = "<a>"; return x; }</set-body>`,
		"an XML declaration":                    "<?xml version=\"1.0\"?>\n<policies><inbound /></policies>",
		"portal-escaped quotes":                 `<when condition="@(context.Request.Headers.ContainsKey(&quot;A&quot;))" />`,
	} {
		if _, err := Parse([]byte(src), nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	p, err := Parse([]byte("<policies>\n<inbound>\n<validate-jwt header-name=\"{{hdr}}\" />\n</inbound>\n</policies>"), map[string]string{"hdr": "Authorization"})
	if err != nil || p.Fragment || p.Inbound()[0].Line != 3 || p.Inbound()[0].AttrOr("header-name", "") != "Authorization" {
		t.Errorf("%v %+v", err, p)
	}
	for name, src := range map[string]string{
		"unclosed":            "<policies><inbound>",
		"unterminated @(":     `<when condition="@(a(" />`,
		"missing named value": `<a b="{{x}}" />`,
		"empty":               "   ",
	} {
		if _, err := Parse([]byte(src), nil); err == nil {
			t.Errorf("%s: parsed", name)
		} else if _, ok := err.(*ParseError); !ok {
			t.Errorf("%s: %T", name, err)
		}
	}
}

func FuzzParseAndEvaluate(f *testing.F) {
	seedPolicies(f)
	for _, seed := range []string{
		`<validate-jwt header-name="Authorization"><audiences><audience>a</audience></audiences></validate-jwt>`,
		`<choose><when condition="@(context.Request.Headers.ContainsKey(&quot;A&quot;))"><return-response /></when></choose>`,
		`<policies><inbound><base /><check-header name="A" failed-check-httpcode="401" failed-check-error-message="m" ignore-case="true" /></inbound></policies>`,
		`<when condition="@(context.Request.Headers.GetValueOrDefault("A","").AsJwt()?.Claims["roles"].Contains("x"))" />`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse([]byte(src), map[string]string{})
		if err != nil {
			return
		}
		LintPolicy(p)
		var walk func([]*Node)
		walk = func(ns []*Node) {
			for _, n := range ns {
				if c, ok := n.Attr("condition"); ok {
					_, _ = EvalCondition(c, Request{Headers: map[string]string{"A": "Bearer x.y.z"}})
				}
				walk(n.Children)
			}
		}
		walk(p.Root.Children)
	})
}

// Lint, one row per rule; each finding is reported once.
func TestLint(t *testing.T) {
	v2 := `<openid-config url="` + v2md + `" />`
	tests := []struct {
		name, policy string
		want         []string // codes, in order
		errors       bool
	}{
		{"no audience", jwt("", v2), []string{finding.PolicyNoAudience}, false},
		{"v1 issuers under v2 metadata, unsatisfiable aud claim (public shape 2)",
			jwt("", v2+`<audiences><audience>api://x</audience></audiences><issuers><issuer>https://sts.windows.net/`+tid+`/</issuer></issuers><required-claims><claim name="aud"><value>y</value></claim></required-claims>`),
			[]string{finding.PolicyIssuerConflict, finding.PolicyUnsatisfiable}, true},
		{"no keys", jwt("", `<audiences><audience>a</audience></audiences>`), []string{finding.PolicyUnsatisfiable}, true},
		{"inline symmetric key", jwt("", `<issuer-signing-keys><key>c2VjcmV0</key></issuer-signing-keys><audiences><audience>a</audience></audiences>`), []string{finding.PolicyUnsatisfiable}, false},
		{"match all on a single-valued claim", jwt("", v2+`<audiences><audience>a</audience></audiences><required-claims><claim name="azp"><value>a</value><value>b</value></claim></required-claims>`), []string{finding.PolicyUnsatisfiable}, true},
		{"scp without separator", jwt("", v2+`<audiences><audience>a</audience></audiences><required-claims><claim name="scp"><value>a</value></claim></required-claims>`), []string{finding.PolicyUnsatisfiable}, false},
		{"aad token without audience", `<validate-azure-ad-token tenant-id="x" />`, []string{finding.PolicyNoAudience}, false},
		{"a sound policy", jwt("", v2+`<audiences><audience>a</audience></audiences>`), nil, false},
		{"inside choose, in a whole document", `<policies><inbound><choose><when condition="@(true)">` + jwt("", v2) + `</when></choose></inbound></policies>`, []string{finding.PolicyNoAudience}, false},
	}
	for _, tt := range tests {
		p, err := Parse([]byte(tt.policy), nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		rep := LintPolicy(p)
		var got []string
		for _, f := range rep.Findings {
			got = append(got, f.Code)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") || finding.HasErrors(rep.Findings) != tt.errors {
			t.Errorf("%s: %v (errors %v), want %v (errors %v)", tt.name, got, finding.HasErrors(rep.Findings), tt.want, tt.errors)
		}
	}
}

// Adversarial tokens under a sound policy: none may be accepted, and a
// valid one must be.
func TestAdversarialTokens(t *testing.T) {
	h := newHarness(t)
	src, err := os.ReadFile("../testdata/policies/orders.xml")
	if err != nil {
		t.Fatal(err)
	}
	pol := string(src)
	fab := h.srv.Tenant(fakeentra.OtherTenantID)
	good := fakeentra.Spec{Roles: []string{"Orders.Read"}}
	forged := map[string]func() string{
		"alg none": func() string {
			return h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Alg: "none"})
		},
		"HS256 keyed with the public key": func() string {
			return h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Alg: "HS256"})
		},
		"unknown kid": func() string {
			return h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Header: map[string]any{"kid": "nope"}})
		},
		"right kid, wrong signature": func() string {
			a, b := h.srv.Tenant(tid).MustMint(t, good), h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Write"}})
			return a[:strings.LastIndex(a, ".")] + b[strings.LastIndex(b, "."):]
		},
		"edited roles": func() string {
			a := h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{})
			parts := strings.Split(a, ".")
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(p), `"oid"`, `"roles":["Orders.Read"],"oid"`, 1)))
			return strings.Join(parts, ".")
		},
		"another tenant's key, our claims": func() string {
			return fab.MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Claims: map[string]any{"tid": tid, "iss": entra.IssuerV2(tid)}})
		},
		"embedded jwk": func() string {
			k, _ := jwk.Import([]byte("attacker"))
			return h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Header: map[string]any{"jwk": k, "alg": "HS256"}, Alg: "HS256"})
		},
		"crit header": func() string {
			return h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Header: map[string]any{"crit": []string{"x"}, "x": 1}})
		},
		"lookalike issuer": func() string {
			return h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Claims: map[string]any{"iss": "https://login.microsoftonline.com.evil.example/" + tid + "/v2.0"}})
		},
		"graph token": func() string {
			return h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Graph: true, Roles: []string{"Orders.Read"}})
		},
		"expired": func() string {
			return h.srv.Tenant(tid).MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, IssuedAt: time.Now().Add(-3 * time.Hour)})
		},
	}
	for name, mk := range forged {
		p, _ := Parse([]byte(pol), nil)
		in := h.in
		in.Token, in.Policy = mk(), p
		rep, err := Run(context.Background(), in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rep.Verdict != Rejected {
			t.Errorf("%s: verdict %s; a forged or invalid token must be rejected", name, rep.Verdict)
		}
	}
	p, _ := Parse([]byte(pol), nil)
	in := h.in
	in.Token, in.Policy = h.srv.Tenant(tid).MustMint(t, good), p
	if rep, _ := Run(context.Background(), in); rep.Verdict != Accepted {
		t.Errorf("the valid token was not accepted: %+v", rep.Findings)
	}
}

// A tenant whose metadata names its own issuer form (a sovereign cloud such
// as login.microsoftonline.us, or a test tenant): expectations and
// validate-azure-ad-token accept the issuer the tenant's metadata names at
// the configured authority, not only the global cloud's forms.
func TestIssuerFromTheAuthoritysMetadata(t *testing.T) {
	ent := fakeentra.New()
	defer ent.Close()
	tn := ent.Tenant(tid)
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/"+tid+"/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, base+tid+"/v2.0", base+tid+"/discovery/v2.0/keys")
	})
	mux.HandleFunc("/"+tid+"/discovery/v2.0/keys", func(w http.ResponseWriter, r *http.Request) { w.Write(tn.KeySetJSON(entra.V2)) })
	cloud := httptest.NewTLSServer(mux)
	defer cloud.Close()
	base = cloud.URL + "/"
	u, _ := url.Parse(base)
	tok := tn.MustMint(t, fakeentra.Spec{Roles: []string{"Orders.Read"}, Claims: map[string]any{"iss": base + tid + "/v2.0"}})
	res := &keys.Resolver{Authority: u, HTTP: cloud.Client()}
	for name, in := range map[string]Input{
		"expectations":            {Token: tok, Expectations: &Expectations{Tenant: tid, Audiences: []string{api}}, Resolver: res, Authority: u},
		"validate-azure-ad-token": {Token: tok, Policy: mustParse(t, `<validate-azure-ad-token tenant-id="`+tid+`"><audiences><audience>`+api+`</audience></audiences></validate-azure-ad-token>`), Resolver: res, Authority: u},
	} {
		rep, err := Run(context.Background(), in)
		if err != nil || rep.Verdict != Accepted {
			t.Errorf("%s: %v %s %+v", name, err, rep.Verdict, rep.Findings)
		}
	}
	// The global cloud's policy refuses it, and says why: another cloud, not another version.
	global := &keys.Resolver{Authority: u, HTTP: cloud.Client()}
	rep, err := Run(context.Background(), Input{Token: tok, Policy: mustParse(t, `<validate-jwt header-name="Authorization"><issuer-signing-keys><key id="x" n="AQAB" e="AQAB" /></issuer-signing-keys><issuers><issuer>`+entra.IssuerV2(tid)+`</issuer></issuers></validate-jwt>`), Resolver: global, Authority: u})
	if err != nil || !has(rep, finding.IssuerMismatch, finding.SeverityError) || !strings.Contains(fmt.Sprint(rep.Findings), "another cloud or authority") {
		t.Errorf("another cloud: %v %+v", err, rep.Findings)
	}
	// Another tenant's issuer on the same host is still refused.
	other := tn.MustMint(t, fakeentra.Spec{Claims: map[string]any{"iss": base + fakeentra.OtherTenantID + "/v2.0"}})
	rep, err = Run(context.Background(), Input{Token: other, Expectations: &Expectations{Tenant: tid}, Resolver: res, Authority: u})
	if err != nil || rep.Verdict != Rejected {
		t.Errorf("another tenant's issuer: %v %s", err, rep.Verdict)
	}
}

func mustParse(t *testing.T, src string) *Policy {
	t.Helper()
	p, err := Parse([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
