package federation

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/finding"
)

// jwt builds an unsigned-looking compact JWS with the claims (decoding
// only: the signature is Entra's business).
func jwt(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "k1"}) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("signature-bytes"))
}

func gh(t *testing.T, sub string, mods ...func(map[string]any)) *Token {
	t.Helper()
	c := map[string]any{"iss": GitHubIssuer, "sub": sub, "aud": DefaultAudience, "exp": time.Now().Add(5 * time.Minute).Unix(), "repository": "contoso/orders"}
	for _, m := range mods {
		m(c)
	}
	tok, err := Decode(jwt(t, c))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var prod = Credential{Name: "github-prod", Issuer: GitHubIssuer, Subject: "repo:contoso/orders:environment:prod", Audiences: []string{DefaultAudience}}

func TestDecode(t *testing.T) {
	tok := gh(t, "repo:contoso/orders:ref:refs/heads/main", func(c map[string]any) { c["aud"] = []string{"a", DefaultAudience} })
	if tok.Issuer != GitHubIssuer || tok.Subject != "repo:contoso/orders:ref:refs/heads/main" || len(tok.Audiences) != 2 || tok.Expires.IsZero() {
		t.Fatalf("decoded %+v", tok)
	}
	bad := map[string]string{
		"not a jwt":  "hello",
		"no sub":     jwt(t, map[string]any{"iss": GitHubIssuer, "aud": DefaultAudience}),
		"aud number": jwt(t, map[string]any{"iss": GitHubIssuer, "sub": "x", "aud": 5}),
		"aud mixed":  jwt(t, map[string]any{"iss": GitHubIssuer, "sub": "x", "aud": []any{"a", 5}}),
		"iss empty":  jwt(t, map[string]any{"iss": "", "sub": "x", "aud": "a"}),
		"exp string": jwt(t, map[string]any{"iss": "i", "sub": "x", "aud": "a", "exp": "soon"}),
		"too big":    jwt(t, map[string]any{"iss": "i", "sub": strings.Repeat("x", MaxTokenSize), "aud": "a"}),
	}
	for name, raw := range bad {
		_, err := Decode(raw)
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: err = %v, want a DecodeError", name, err)
		}
	}
}

func TestMatchExact(t *testing.T) {
	other := Credential{Name: "github-main", Issuer: GitHubIssuer, Subject: "repo:contoso/orders:ref:refs/heads/main", Audiences: []string{DefaultAudience}}
	r := Match(gh(t, prod.Subject), []Credential{other, prod})
	if r.Matched == nil || r.Matched.Credential.Name != "github-prod" || r.Nearest != nil {
		t.Fatalf("matched %+v nearest %+v", r.Matched, r.Nearest)
	}
	if fs := Findings(Identity{Kind: KindUAMI, Name: "orders-uami"}, gh(t, prod.Subject), r, time.Now()); len(fs) != 0 {
		t.Fatalf("findings for a match: %+v", fs)
	}
}

func TestBranchInsteadOfEnvironment(t *testing.T) {
	tok := gh(t, "repo:contoso/orders:ref:refs/heads/main")
	r := Match(tok, []Credential{prod})
	if r.Matched != nil || r.Nearest == nil || len(r.Nearest.Diffs) != 1 {
		t.Fatalf("result %+v", r)
	}
	d := r.Nearest.Diffs[0]
	if d.Field != FieldSubject || d.Expected != prod.Subject || d.Actual != tok.Subject {
		t.Fatalf("diff %+v", d)
	}
	for _, want := range []string{"environment prod", "branch main", "whenever the job declares an environment"} {
		if !strings.Contains(d.Note, want) {
			t.Errorf("note %q lacks %q", d.Note, want)
		}
	}
	id := Identity{Kind: KindApplication, ClientID: "c1", Name: "orders-daemon"}
	fs := Findings(id, tok, r, time.Now())
	if len(fs) != 1 || fs[0].Code != finding.FederatedMismatch || fs[0].Severity != finding.SeverityError {
		t.Fatalf("findings %+v", fs)
	}
	f := fs[0]
	for _, want := range []string{"github-prod, differs in subject", "AADSTS700213"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message %q lacks %q", f.Message, want)
		}
	}
	for _, want := range []string{"Entra admin center > App registrations > orders-daemon > Certificates & secrets > Federated credentials",
		`az ad app federated-credential create --id 'c1' --parameters '{"name":"contoso-orders-branch-main","issuer":"https://token.actions.githubusercontent.com","subject":"repo:contoso/orders:ref:refs/heads/main","audiences":["api://AzureADTokenExchange"]}'`} {
		if !strings.Contains(f.Fix, want) {
			t.Errorf("fix %q lacks %q", f.Fix, want)
		}
	}
}

func TestIssuerTrailingSlash(t *testing.T) {
	c := prod
	c.Issuer += "/"
	r := Match(gh(t, prod.Subject), []Credential{c})
	if r.Matched != nil || len(r.Nearest.Diffs) != 1 || r.Nearest.Diffs[0].Field != FieldIssuer || !strings.Contains(r.Nearest.Diffs[0].Note, "trailing '/'") {
		t.Fatalf("result %+v", r.Nearest)
	}
	c.Issuer = strings.ToUpper(GitHubIssuer)
	r = Match(gh(t, prod.Subject), []Credential{c})
	if !strings.Contains(r.Nearest.Diffs[0].Note, "case") {
		t.Fatalf("note %q", r.Nearest.Diffs[0].Note)
	}
}

func TestAudience(t *testing.T) {
	tok := gh(t, prod.Subject, func(c map[string]any) { c["aud"] = "https://github.com/contoso" })
	r := Match(tok, []Credential{prod})
	d := r.Nearest.Diffs
	if len(d) != 1 || d[0].Field != FieldAudience || d[0].Expected != DefaultAudience || d[0].Actual != "https://github.com/contoso" || !strings.Contains(d[0].Note, "request "+DefaultAudience) {
		t.Fatalf("diffs %+v", d)
	}
	// One of several audiences of the token suffices.
	tok = gh(t, prod.Subject, func(c map[string]any) { c["aud"] = []string{"x", DefaultAudience} })
	if Match(tok, []Credential{prod}).Matched == nil {
		t.Fatal("an aud array holding the credential's audience must match")
	}
}

func TestCaseSensitiveSubject(t *testing.T) {
	r := Match(gh(t, "repo:Contoso/orders:environment:prod"), []Credential{prod})
	if r.Matched != nil || !strings.Contains(r.Nearest.Diffs[0].Note, "case-sensitively") {
		t.Fatalf("result %+v", r.Nearest)
	}
}

func TestNearest(t *testing.T) {
	farIssuer := Credential{Name: "aks", Issuer: "https://westeurope.oic.prod-aks.azure.com/tid/cid/", Subject: "system:serviceaccount:orders:api", Audiences: []string{DefaultAudience}}
	staging := Credential{Name: "github-staging", Issuer: GitHubIssuer, Subject: "repo:contoso/orders:environment:staging", Audiences: []string{DefaultAudience}}
	pr := Credential{Name: "github-pr", Issuer: GitHubIssuer, Subject: "repo:contoso/orders:pull_request", Audiences: []string{DefaultAudience}}
	r := Match(gh(t, "repo:contoso/orders:environment:stage"), []Credential{farIssuer, pr, staging})
	if r.Nearest == nil || r.Nearest.Credential.Name != "github-staging" {
		t.Fatalf("nearest %+v", r.Nearest)
	}
	// Fewest differing fields first: an exact subject with a wrong issuer
	// is nearer than two fields off.
	wrongIss := Credential{Name: "ghes", Issuer: "https://ghes.contoso.com/_services/token", Subject: "repo:contoso/orders:environment:stage", Audiences: []string{DefaultAudience}}
	bothOff := Credential{Name: "both", Issuer: "https://x", Subject: "repo:contoso/orders:environment:stag", Audiences: []string{"y"}}
	r = Match(gh(t, "repo:contoso/orders:environment:stage"), []Credential{bothOff, wrongIss})
	if r.Nearest.Credential.Name != "ghes" {
		t.Fatalf("nearest %s", r.Nearest.Credential.Name)
	}
	fs := Findings(Identity{Kind: KindUAMI, Name: "orders-uami", ResourceGroup: "orders", Subscription: "sub1"}, gh(t, "repo:contoso/orders:environment:stage"), r, time.Now())
	if !strings.Contains(fs[0].Message, "AADSTS700211") || !strings.Contains(fs[0].Fix, "Azure portal > Managed Identities > orders-uami > Federated credentials") ||
		!strings.Contains(fs[0].Fix, "az identity federated-credential create --name 'contoso-orders-environment-stage' --identity-name 'orders-uami' --resource-group 'orders' --issuer 'https://token.actions.githubusercontent.com' --subject 'repo:contoso/orders:environment:stage' --audiences 'api://AzureADTokenExchange' --subscription 'sub1'") {
		t.Fatalf("finding %+v", fs[0])
	}
}

func TestNoCredentials(t *testing.T) {
	r := Match(gh(t, prod.Subject), nil)
	fs := Findings(Identity{Kind: KindApplication, ClientID: "c1"}, gh(t, prod.Subject), r, time.Now())
	if r.Nearest != nil || len(fs) != 1 || !strings.Contains(fs[0].Message, "has no federated credential") {
		t.Fatalf("findings %+v", fs)
	}
}

func TestExpressionNotEvaluated(t *testing.T) {
	flex := Credential{Name: "flex", Issuer: GitHubIssuer, Audiences: []string{DefaultAudience}, Expression: "claims['sub'] matches 'repo:contoso/*'"}
	r := Match(gh(t, "repo:contoso/orders:ref:refs/heads/main"), []Credential{prod, flex})
	if r.Matched != nil || len(r.Unevaluated) != 1 {
		t.Fatalf("result %+v", r)
	}
	fs := Findings(Identity{Kind: KindApplication, ClientID: "c1"}, gh(t, "repo:contoso/orders:ref:refs/heads/main"), r, time.Now())
	if len(fs) != 1 || fs[0].Severity != finding.SeverityWarning || !strings.Contains(fs[0].Message, "does not evaluate") {
		t.Fatalf("findings %+v", fs)
	}
}

func TestExpiredAndQuoting(t *testing.T) {
	tok := gh(t, "repo:o'brien/x:environment:prod", func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
	fs := Findings(Identity{Kind: KindApplication, ClientID: "c1"}, tok, Match(tok, []Credential{prod}), time.Now())
	if len(fs) != 2 || fs[0].Code != finding.Expired {
		t.Fatalf("findings %+v", fs)
	}
	if !strings.Contains(fs[1].Fix, `o'\''brien`) {
		t.Fatalf("the quote is not escaped for the shell: %s", fs[1].Fix)
	}
}

func TestCredentialName(t *testing.T) {
	for in, want := range map[string]string{
		"repo:contoso/orders:pull_request":    "contoso-orders-pull_request",
		"system:serviceaccount:orders:api":    "system-serviceaccount-orders-api",
		"::":                                  "federated-workload",
		"repo:c/o:ref:refs/heads/feature/a.b": "c-o-branch-feature-a-b",
	} {
		if got := credentialName(in); got != want {
			t.Errorf("credentialName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKubernetesSubject(t *testing.T) {
	iss := "https://westeurope.oic.prod-aks.azure.com/tid/cid/"
	tok, err := Decode(jwt(t, map[string]any{"iss": iss, "sub": "system:serviceaccount:orders:default", "aud": []string{DefaultAudience}}))
	if err != nil {
		t.Fatal(err)
	}
	r := Match(tok, []Credential{{Name: "aks", Issuer: iss, Subject: "system:serviceaccount:orders:orders-api", Audiences: []string{DefaultAudience}}})
	if n := r.Nearest.Diffs[0].Note; !strings.Contains(n, "service account orders-api in the namespace orders") || !strings.Contains(n, "service account default") {
		t.Fatalf("note %q", n)
	}
}
