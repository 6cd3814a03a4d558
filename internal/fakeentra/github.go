package fakeentra

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// GitHubSpec describes a federated token from a simulated GitHub Actions
// OIDC issuer, signed with that issuer's own key (not the tenant's).
type GitHubSpec struct {
	Issuer   string // default FederatedIssuer; a trailing '/' makes the classic mistake
	Subject  string // default FederatedSubject
	Audience string // default FederatedAudience
	Lifetime time.Duration
	IssuedAt time.Time // default now
}

// GitHubToken mints a GitHub-shaped federated token: iss, sub, aud and the
// claims GitHub adds (repository, ref, environment, event_name,
// job_workflow_ref, ...), read back from the subject's default template.
func (s *Server) GitHubToken(g GitHubSpec) (string, error) {
	iat := g.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	sub := cmp.Or(g.Subject, FederatedSubject)
	claims := map[string]any{"iss": cmp.Or(g.Issuer, FederatedIssuer), "sub": sub, "aud": cmp.Or(g.Audience, FederatedAudience),
		"iat": iat.Unix(), "nbf": iat.Unix(), "exp": iat.Add(cmp.Or(g.Lifetime, 5*time.Minute)).Unix(),
		"jti": base64.RawURLEncoding.EncodeToString([]byte(sub + iat.String()))[:22], "run_id": "7312345678", "run_attempt": "1",
		"actor": "adele", "event_name": "push", "ref_type": "branch", "runner_environment": "github-hosted"}
	if rest, ok := strings.CutPrefix(sub, "repo:"); ok {
		repo, ctx, _ := strings.Cut(rest, ":")
		owner, _, _ := strings.Cut(repo, "/")
		claims["repository"], claims["repository_owner"] = repo, owner
		claims["ref"] = "refs/heads/main"
		switch {
		case strings.HasPrefix(ctx, "environment:"):
			claims["environment"] = strings.TrimPrefix(ctx, "environment:")
		case strings.HasPrefix(ctx, "ref:"):
			claims["ref"] = strings.TrimPrefix(ctx, "ref:")
		case ctx == "pull_request":
			claims["event_name"], claims["ref"] = "pull_request", "refs/pull/7/merge"
		}
		claims["job_workflow_ref"] = repo + "/.github/workflows/deploy.yml@" + claims["ref"].(string)
	}
	payload, _ := json.Marshal(claims)
	key, err := jwk.Import(s.extKey.Private)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set("typ", "JWT")
	_ = hdr.Set("kid", s.extKey.Kid)
	_ = hdr.Set("x5t", s.extKey.Kid)
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
	return string(out), err
}

// federatedAssertion says whether a client assertion is a federated token
// (issued by someone other than the client itself, as a certificate
// assertion is).
func federatedAssertion(assertion, clientID string) bool {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct{ Iss string }
	if err != nil || json.Unmarshal(b, &c) != nil {
		return false
	}
	return c.Iss != "" && c.Iss != clientID
}
