package federation

import (
	"slices"
	"strings"

	"github.com/entratoken/entratoken/internal/editdist"
)

// Credential is one federated identity credential, as Graph
// (federatedIdentityCredential) and ARM (federatedIdentityCredentials)
// return it.
type Credential struct {
	Name        string   `json:"name"`
	ID          string   `json:"id,omitempty"` // Graph object ID or ARM resource ID
	Issuer      string   `json:"issuer"`
	Subject     string   `json:"subject"`
	Audiences   []string `json:"audiences"`
	Description string   `json:"description,omitempty"`
	// Expression is a flexible federated identity credential's
	// claimsMatchingExpression (Graph beta, preview), which stands in for
	// the subject. It is not evaluated here (UNCONFIRMED: its language is
	// documented only for a few GitHub claims and may change).
	Expression string `json:"claims_matching_expression,omitempty"`
}

// Field names, as they appear in Diff.Field.
const (
	FieldIssuer   = "issuer"
	FieldSubject  = "subject"
	FieldAudience = "audience"
)

// Diff is one field of a credential that the token does not match.
type Diff struct {
	Field    string `json:"field"`
	Expected string `json:"expected"` // the credential's value
	Actual   string `json:"actual"`   // the token's
	Note     string `json:"note,omitempty"`
}

// Outcome is one credential compared with the token.
type Outcome struct {
	Credential Credential `json:"credential"`
	Match      bool       `json:"match"`
	// Unevaluated: issuer and audience match and the credential decides by
	// a claims matching expression, which is not evaluated.
	Unevaluated bool   `json:"unevaluated,omitempty"`
	Diffs       []Diff `json:"differences,omitempty"`
	distance    int
}

// Result is the token against every credential of one identity.
type Result struct {
	Outcomes []Outcome
	// Matched is the first credential that matches, nil when none does.
	Matched *Outcome
	// Nearest is, when none matches, the credential with the fewest
	// differing fields and then the most similar subject; nil when the
	// identity has no credential at all.
	Nearest *Outcome
	// Unevaluated lists the flexible credentials that might match.
	Unevaluated []*Outcome
}

// Match compares the token with every credential, as Entra does: issuer
// and subject exact and case-sensitive, the token's aud one of the
// credential's audiences (exact, case-sensitive: INFERRED, Entra documents
// no normalisation).
func Match(t *Token, creds []Credential) Result {
	r := Result{Outcomes: make([]Outcome, len(creds))}
	for i, c := range creds {
		r.Outcomes[i] = compare(t, c)
	}
	for i := range r.Outcomes {
		o := &r.Outcomes[i]
		switch {
		case o.Match && r.Matched == nil:
			r.Matched = o
		case o.Unevaluated:
			r.Unevaluated = append(r.Unevaluated, o)
		}
	}
	if r.Matched != nil || len(r.Outcomes) == 0 {
		return r
	}
	best := 0
	for i := 1; i < len(r.Outcomes); i++ {
		a, b := &r.Outcomes[i], &r.Outcomes[best]
		if len(a.Diffs) < len(b.Diffs) || len(a.Diffs) == len(b.Diffs) && a.distance < b.distance {
			best = i
		}
	}
	r.Nearest = &r.Outcomes[best]
	return r
}

func compare(t *Token, c Credential) Outcome {
	o := Outcome{Credential: c}
	if c.Issuer != t.Issuer {
		o.Diffs = append(o.Diffs, Diff{Field: FieldIssuer, Expected: c.Issuer, Actual: t.Issuer, Note: issuerNote(c.Issuer, t.Issuer)})
	}
	switch {
	case c.Expression != "" && c.Subject == "":
		// Decided by the expression: not evaluated.
	case c.Subject != t.Subject:
		o.Diffs = append(o.Diffs, Diff{Field: FieldSubject, Expected: c.Subject, Actual: t.Subject, Note: subjectNote(t, c.Subject)})
	}
	if !slices.ContainsFunc(c.Audiences, func(a string) bool { return slices.Contains(t.Audiences, a) }) {
		o.Diffs = append(o.Diffs, Diff{Field: FieldAudience, Expected: strings.Join(c.Audiences, ", "), Actual: strings.Join(t.Audiences, ", "),
			Note: audienceNote(c.Audiences, t.Audiences)})
	}
	o.distance = distance(c.Subject, t.Subject)
	if len(o.Diffs) == 0 {
		o.Match = c.Expression == "" || c.Subject != ""
		o.Unevaluated = !o.Match
	}
	return o
}

// issuerNote explains the classic issuer mistakes.
func issuerNote(want, got string) string {
	switch {
	case strings.TrimRight(want, "/") == strings.TrimRight(got, "/"):
		return "only a trailing '/' differs: Entra compares the issuer as an exact string, so the credential must carry the token's iss character for character (GitHub's is https://token.actions.githubusercontent.com, without '/'; an AKS cluster's OIDC issuer URL ends with '/')"
	case strings.EqualFold(want, got):
		return "only letter case differs: the issuer is compared case-sensitively"
	case strings.TrimSpace(want) == got:
		return "the credential's issuer has spaces around it"
	}
	return ""
}

func audienceNote(want, got []string) string {
	for _, w := range want {
		for _, g := range got {
			switch {
			case strings.EqualFold(strings.TrimRight(w, "/"), strings.TrimRight(g, "/")):
				return "only letter case or a trailing '/' differs: the audience is compared exactly"
			}
		}
	}
	if slices.Contains(want, DefaultAudience) {
		return "the workload asked its issuer for a token with another audience: request " + DefaultAudience +
			" (azure/login and AKS workload identity do by default; with actions/core getIDToken(audience) or a projected service account token, set it)"
	}
	return ""
}

// DefaultAudience is the audience Entra suggests for federated credentials
// in the public cloud.
const DefaultAudience = "api://AzureADTokenExchange"

func subjectNote(t *Token, want string) string {
	got := t.Subject
	switch {
	case strings.EqualFold(want, got):
		return "only letter case differs: the subject is compared case-sensitively" + githubCaseNote(t)
	case strings.TrimSpace(want) == got:
		return "the credential's subject has spaces around it"
	}
	if n := kubernetesSubjectNote(want, got); n != "" {
		return n
	}
	return githubSubjectNote(t, want)
}

// kubernetesSubjectNote explains an AKS (or any Kubernetes) service
// account subject, system:serviceaccount:NAMESPACE:NAME, that differs.
func kubernetesSubjectNote(want, got string) string {
	const prefix = "system:serviceaccount:"
	w, okW := strings.CutPrefix(want, prefix)
	g, okG := strings.CutPrefix(got, prefix)
	if !okW || !okG {
		return ""
	}
	wns, wsa, _ := strings.Cut(w, ":")
	gns, gsa, _ := strings.Cut(g, ":")
	return "the credential trusts the service account " + wsa + " in the namespace " + wns + "; the token is the pod's service account " +
		gsa + " in the namespace " + gns + " (the pod's serviceAccountName and namespace, with the azure.workload.identity/client-id annotation on that service account)"
}

// distance is how far apart two subjects are (each cut to 512 bytes:
// Entra's subjects are at most 600 characters).
func distance(a, b string) int {
	a, b = a[:min(len(a), 512)], b[:min(len(b), 512)]
	return editdist.Distance(a, b, len(a)+len(b)+1)
}
