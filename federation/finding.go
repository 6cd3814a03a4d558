package federation

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/finding"
)

// Kinds of identity a federated credential can belong to.
const (
	KindApplication = "application"
	KindUAMI        = "user-assigned managed identity"
)

// Identity is the identity a workload federates as: the --client-id of the
// workload identity acquisition.
type Identity struct {
	Kind     string `json:"kind"`
	ClientID string `json:"client_id"`
	ObjectID string `json:"object_id,omitempty"` // the application's object ID, or the identity's principal ID
	Name     string `json:"name,omitempty"`
	// ResourceID, Subscription, ResourceGroup: a user-assigned identity's.
	ResourceID    string `json:"resource_id,omitempty"`
	Subscription  string `json:"-"`
	ResourceGroup string `json:"-"`
}

// Where is the portal path to the identity's federated credentials.
func (id Identity) Where() string {
	if id.Kind == KindUAMI {
		return "Azure portal > Managed Identities > " + cmp.Or(id.Name, id.ClientID) + " > Federated credentials"
	}
	return "Entra admin center > App registrations > " + cmp.Or(id.Name, id.ClientID) + " > Certificates & secrets > Federated credentials"
}

// CreateCommand is the az command that adds a credential matching the
// token's own iss, sub and aud (the first audience), single-quoted for a
// POSIX shell.
func (id Identity) CreateCommand(t *Token) string {
	name := credentialName(t.Subject)
	aud := t.Audiences[0]
	if id.Kind == KindUAMI {
		cmd := fmt.Sprintf("az identity federated-credential create --name %s --identity-name %s --resource-group %s --issuer %s --subject %s --audiences %s",
			quote(name), quote(id.Name), quote(id.ResourceGroup), quote(t.Issuer), quote(t.Subject), quote(aud))
		if id.Subscription != "" {
			cmd += " --subscription " + quote(id.Subscription)
		}
		return cmd
	}
	params, _ := json.Marshal(struct {
		Name      string   `json:"name"`
		Issuer    string   `json:"issuer"`
		Subject   string   `json:"subject"`
		Audiences []string `json:"audiences"`
	}{name, t.Issuer, t.Subject, []string{aud}})
	return fmt.Sprintf("az ad app federated-credential create --id %s --parameters %s", quote(id.ClientID), quote(string(params)))
}

// quote single-quotes s for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// credentialName derives a credential name from a subject: letters,
// digits, '-' and '_' (Entra's rule), at most 120 characters.
func credentialName(sub string) string {
	if s, ok := ParseGitHubSubject(sub); ok && s.Kind != "" {
		sub = strings.ReplaceAll(s.Repo, "/", "-") + "-" + s.Kind + "-" + s.Name
	}
	var b strings.Builder
	dash := false
	for _, r := range sub {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 120 {
		name = strings.TrimRight(name[:120], "-")
	}
	if len(name) < 3 {
		name = "federated-workload"
	}
	return name
}

// Findings turns a result into findings: none when a credential matches,
// FEDERATED_CREDENTIAL_MISMATCH otherwise (a warning when only flexible
// credentials, not evaluated, might match), and a warning for an expired
// token.
func Findings(id Identity, t *Token, r Result, now time.Time) []finding.Finding {
	var out []finding.Finding
	side := finding.SideEntra
	if id.Kind == KindUAMI {
		side = "managed identity"
	}
	if !t.Expires.IsZero() && t.Expires.Before(now) {
		out = append(out, finding.Finding{Code: finding.Expired, Severity: finding.SeverityWarning, Side: finding.SideClient,
			Message:  "the federated token expired at " + t.Expires.UTC().Format("2006-01-02 15:04:05 UTC") + ": Entra refuses an expired assertion (AADSTS700024) whatever the credentials say",
			Expected: "a fresh federated token", Actual: "exp " + t.Expires.UTC().Format("2006-01-02T15:04:05Z"),
			Fix: "get a new one (GitHub's live 5 minutes from the job's request; AKS refreshes the projected token file): exchange it right after it is issued"})
	}
	if r.Matched != nil {
		return out
	}
	who := fmt.Sprintf("the %s %s", id.Kind, cmp.Or(id.Name, id.ClientID))
	add := fmt.Sprintf("add a credential with the token's own values (%s > Add credential: issuer %s, subject %s, audience %s), or run: %s",
		id.Where(), t.Issuer, t.Subject, t.Audiences[0], id.CreateCommand(t))
	if len(r.Unevaluated) > 0 {
		names := make([]string, len(r.Unevaluated))
		for i, o := range r.Unevaluated {
			names[i] = o.Credential.Name
		}
		out = append(out, finding.Finding{Code: finding.FederatedMismatch, Severity: finding.SeverityWarning, Side: side,
			Message: fmt.Sprintf("no federated credential of %s matches the token exactly; %s decide(s) by a claims matching expression (flexible federated identity credential, preview) that entratoken does not evaluate: it may match",
				who, strings.Join(names, ", ")),
			Expected: "a credential with issuer " + t.Issuer + ", subject " + t.Subject + ", audience " + strings.Join(t.Audiences, " or "),
			Actual:   "not decided", Fix: "check the expression against the token's claims by hand; or " + add})
		return out
	}
	f := finding.Finding{Code: finding.FederatedMismatch, Severity: finding.SeverityError, Side: side,
		Expected: "a credential with issuer " + t.Issuer + ", subject " + t.Subject + ", audience " + strings.Join(t.Audiences, " or "), Fix: add}
	if r.Nearest == nil {
		f.Message = fmt.Sprintf("%s has no federated credential: Entra will refuse the federated token (AADSTS70021)", who)
		f.Actual = "no federated credential"
		return append(out, f)
	}
	n := r.Nearest
	var fields, diffs []string
	for _, d := range n.Diffs {
		fields = append(fields, d.Field)
		diffs = append(diffs, fmt.Sprintf("%s %q (the token has %q)", d.Field, d.Expected, d.Actual))
	}
	f.Message = fmt.Sprintf("none of the %d federated credential(s) of %s matches the token; the nearest, %s, differs in %s: Entra will refuse it (%s)",
		len(r.Outcomes), who, n.Credential.Name, strings.Join(fields, " and "), aadstsFor(n.Diffs))
	f.Actual = n.Credential.Name + ": " + strings.Join(diffs, "; ")
	f.Fix = fmt.Sprintf("if %s is meant for this workload, edit it (%s > %s) to the token's values; otherwise %s", n.Credential.Name, id.Where(), n.Credential.Name, add)
	return append(out, f)
}

// aadstsFor names the error Entra answers for the first differing field,
// as Entra's messages show it: 700211 for an issuer no credential has,
// 700213 for a subject; for an audience the code is UNCONFIRMED.
func aadstsFor(ds []Diff) string {
	for _, d := range ds {
		switch d.Field {
		case FieldIssuer:
			return "AADSTS700211: no matching federated identity record found for the issuer"
		case FieldSubject:
			return "AADSTS700213: no matching federated identity record found for the subject"
		}
	}
	return "a 'no matching federated identity record found' error for the audience (AADSTS70021 family; the exact code UNCONFIRMED)"
}
