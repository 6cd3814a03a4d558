package entrasource

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// The Graph permissions the reads need (evidence-sources.md §3.2).
const (
	PermApplications = "Application.Read.All"
	PermGrants       = "Directory.Read.All"
)

const sideAdmin = "tenant admin"

// Caller is who reads the evidence, from its Graph token: a user's
// delegated sign-in (scp) or an application (roles).
type Caller struct {
	Delegated bool
	ClientID  string // the signed-in client (the Azure CLI for az and azd)
	Perms     []string
}

// CallerOf reads the credential's own Graph token (never printed).
func CallerOf(raw string) Caller {
	t, err := token.Decode(raw)
	if err != nil {
		return Caller{}
	}
	c := Caller{ClientID: t.String("appid")}
	if c.ClientID == "" {
		c.ClientID = t.String("azp")
	}
	if scp := t.String("scp"); scp != "" {
		c.Delegated, c.Perms = true, strings.Fields(scp)
	} else {
		c.Perms = t.Strings("roles")
	}
	return c
}

// Finding explains a failed read: EVIDENCE_FORBIDDEN naming the Graph
// permission for a 403, EVIDENCE_UNAVAILABLE otherwise (network, 401,
// throttling, not found).
func (e *Error) Finding(c Caller) finding.Finding {
	perm := PermApplications
	if strings.HasPrefix(e.Path, "/oauth2PermissionGrants") {
		perm = PermGrants
	}
	if e.Status == http.StatusForbidden {
		f := finding.Finding{Code: finding.EvidenceForbidden, Severity: finding.SeverityWarning, Side: sideAdmin,
			Message:  fmt.Sprintf("the credential may not read %s: Graph answered 403 %s (it needs %s)", e.What, e.Code, perm),
			Expected: perm}
		if c.Delegated {
			f.Actual = "a user's delegated sign-in"
			if c.ClientID != "" {
				f.Actual += " through client " + c.ClientID
			}
			f.Message += "; the credential is a user's sign-in (az or azd): what it may read is bounded by the user's own directory rights. A member user can read app registrations, enterprise applications and the permissions granted to them; a guest, or a user in a tenant that restricts default user permissions, cannot"
			f.Fix = "ask a tenant admin for the Directory Readers role (Entra admin center > Roles and administrators > Directory Readers > Add assignments), or read with a principal granted " + perm + " (--credential)"
		} else {
			f.Actual = "Graph application permissions of the credential: " + orNone(c.Perms)
			f.Fix = fmt.Sprintf("grant the credential's application the Microsoft Graph application permission %s with admin consent (Entra admin center > App registrations > the credential's app > API permissions > Add a permission > Microsoft Graph > Application permissions > %s > Grant admin consent; for a managed identity: az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/<its object ID>/appRoleAssignments --body '{\"principalId\":\"<its object ID>\",\"resourceId\":\"<Microsoft Graph's service principal ID>\",\"appRoleId\":\"<the ID of %s>\"}'), then sign in again", perm, perm, perm)
		}
		return f
	}
	msg := e.Error()
	switch e.Status {
	case http.StatusUnauthorized:
		msg += ": Graph did not accept the credential's token (tenant or audience, see --graph-audience)"
	case http.StatusTooManyRequests:
		msg += " (throttled; the retries after Retry-After were used up)"
	case http.StatusNotFound:
		msg += " (an object created moments ago may not have replicated yet)"
	}
	return finding.Finding{Code: finding.EvidenceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
		Message: oneLine(msg), Expected: e.What, Actual: "not read",
		Fix: "retry; check --graph-endpoint and the credential (--credential)"}
}

// Forbidden says whether any read was refused for want of a permission.
func (e *Evidence) Forbidden() bool {
	return slices.ContainsFunc(e.Failures, func(f *Error) bool { return f.Status == http.StatusForbidden })
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, ", ")
}
