package federation

import (
	"strings"
)

// GitHubIssuer is GitHub Actions' OIDC issuer (github.com; GitHub
// Enterprise Server and data residency use their own host).
const GitHubIssuer = "https://token.actions.githubusercontent.com"

// GitHub Actions puts in sub, by default (GitHub docs, "OpenID Connect",
// "Example subject claims"):
//
//	repo:ORG/REPO:environment:NAME      a job that declares environment: NAME (whatever the branch or event)
//	repo:ORG/REPO:pull_request          a job run by a pull_request event, without an environment
//	repo:ORG/REPO:ref:refs/heads/BRANCH a job on a branch, without an environment
//	repo:ORG/REPO:ref:refs/tags/TAG     a job on a tag, without an environment
//
// An organization or repository can customize the template (for example
// with repository_owner_id and repository_id, numeric IDs); then sub has
// that form and so must the credential.

// GitHubSubject is a parsed default GitHub subject.
type GitHubSubject struct {
	Repo string // ORG/REPO
	Kind string // environment, pull_request, branch, tag, or "" (another form)
	Name string // the environment, branch or tag
}

// ParseGitHubSubject reads a default-template GitHub subject; ok is false
// for any other form.
func ParseGitHubSubject(sub string) (s GitHubSubject, ok bool) {
	rest, found := strings.CutPrefix(sub, "repo:")
	if !found {
		return s, false
	}
	repo, ctx, found := strings.Cut(rest, ":")
	if !found || !strings.Contains(repo, "/") {
		return s, false
	}
	s.Repo = repo
	switch {
	case ctx == "pull_request":
		s.Kind = "pull_request"
	case strings.HasPrefix(ctx, "environment:"):
		s.Kind, s.Name = "environment", strings.TrimPrefix(ctx, "environment:")
	case strings.HasPrefix(ctx, "ref:refs/heads/"):
		s.Kind, s.Name = "branch", strings.TrimPrefix(ctx, "ref:refs/heads/")
	case strings.HasPrefix(ctx, "ref:refs/tags/"):
		s.Kind, s.Name = "tag", strings.TrimPrefix(ctx, "ref:refs/tags/")
	}
	return s, true
}

// Describe says in words which jobs a GitHub subject stands for.
func (s GitHubSubject) Describe() string {
	switch s.Kind {
	case "environment":
		return "jobs of " + s.Repo + " that use the environment " + s.Name + " (any branch or event)"
	case "pull_request":
		return "pull_request jobs of " + s.Repo + " without an environment"
	case "branch":
		return "jobs of " + s.Repo + " on the branch " + s.Name + " without an environment"
	case "tag":
		return "jobs of " + s.Repo + " on the tag " + s.Name + " without an environment"
	}
	return "jobs of " + s.Repo + " (a customized subject)"
}

// githubSubjectNote explains a GitHub subject that differs from the
// credential's.
func githubSubjectNote(t *Token, want string) string {
	if t.Issuer != GitHubIssuer {
		return ""
	}
	got, okGot := ParseGitHubSubject(t.Subject)
	exp, okExp := ParseGitHubSubject(want)
	switch {
	case !okGot:
		return "the token's subject is not GitHub's default repo:ORG/REPO:... form: the organization or repository customizes the OIDC subject template (GET /repos/ORG/REPO/actions/oidc/customization/sub shows it); the credential must use that form"
	case !okExp:
		return "the credential's subject is not GitHub's default form; the token stands for " + got.Describe()
	case !strings.EqualFold(got.Repo, exp.Repo):
		return "the credential is for the repository " + exp.Repo + ", the token comes from " + got.Repo
	case got.Repo != exp.Repo:
		return "the repository's name differs only in case: GitHub writes the owner and repository as GitHub has them, and Entra compares case-sensitively"
	case got.Kind != exp.Kind:
		return "the credential trusts " + exp.Describe() + "; the token comes from " + got.Describe() +
			". GitHub puts environment:NAME in sub whenever the job declares an environment, ref:refs/heads/BRANCH only for jobs without one, pull_request for pull_request events without one"
	}
	return "the credential trusts " + exp.Describe() + "; the token comes from " + got.Describe()
}

func githubCaseNote(t *Token) string {
	if t.Issuer != GitHubIssuer {
		return ""
	}
	return " (GitHub writes the owner and repository as GitHub has them: copy the token's sub)"
}
