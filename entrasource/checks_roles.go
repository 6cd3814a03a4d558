package entrasource

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/finding"
)

// miTokenCache is how long the platform may keep handing out a managed
// identity's cached token (evidence-sources.md §3.4, D15).
const miTokenCache = 24 * time.Hour

func (k *checker) appRoles() []AppRole {
	if k.ev.API != nil && len(k.ev.API.AppRoles) > 0 {
		return k.ev.API.AppRoles
	}
	if k.ev.APISP != nil {
		return k.ev.APISP.AppRoles
	}
	return nil
}

// assignmentsOnAPI are the client's assignments on the API's service
// principal.
func (k *checker) assignmentsOnAPI() []AppRoleAssignment {
	if k.ev.APISP == nil {
		return nil
	}
	var out []AppRoleAssignment
	for _, a := range k.ev.Assignments {
		if strings.EqualFold(a.ResourceID, k.ev.APISP.ID) {
			out = append(out, a)
		}
	}
	return out
}

func (k *checker) managedIdentity() bool {
	return k.ev.Client != nil && k.ev.Client.ServicePrincipalType == "ManagedIdentity"
}

// roles checks each role an app-only token needs: defined, enabled, for
// applications, assigned, assigned before the token was issued.
func (k *checker) roles() {
	if k.ev.Client == nil {
		k.line("entra: app roles", "skip", "the client's service principal "+k.c.ClientID+" was not read")
		return
	}
	if !k.ev.AssignmentsRead {
		k.line("entra: app roles", "skip", "not checked: the client's app role assignments could not be read")
		return
	}
	mine := k.assignmentsOnAPI()
	required := k.r.Roles
	if len(required) == 0 {
		if len(k.c.Roles) > 0 || k.r.Given {
			k.line("entra: app roles", "pass", fmt.Sprintf("no role missing from the token; Graph shows %d assignment(s) of %s on the API", len(mine), k.clientDisplay()))
			return
		}
		k.anyRole(mine)
		return
	}
	defs := k.appRoles()
	var unassigned []AppRole // defined, enabled, for applications, and not assigned
	defer func() { k.notAssigned(unassigned, mine) }()
	for _, want := range required {
		has := slices.Contains(k.c.Roles, want)
		i := slices.IndexFunc(defs, func(r AppRole) bool { return r.Value == want })
		if i < 0 {
			if !has {
				k.notDefined(want, defs)
			}
			continue
		}
		def := defs[i]
		switch {
		case !def.IsEnabled:
			k.add(finding.Finding{Code: finding.AppRoleDisabled, Severity: finding.SeverityError, Side: finding.SideEntra,
				Message:  fmt.Sprintf("Graph shows app role %s (ID %s) of %s disabled: Entra puts it in no token", want, def.ID, k.apiName()),
				Expected: want + " enabled", Actual: "isEnabled false",
				Fix: fmt.Sprintf("Entra admin center > App registrations > %s > App roles > %s > Enable this app role (checked) > Apply", k.apiDisplay(), want)})
			continue
		case !slices.Contains(def.AllowedMemberTypes, "Application"):
			k.add(finding.Finding{Code: finding.AppRoleNotDefined, Severity: finding.SeverityError, Side: finding.SideEntra,
				Message:  fmt.Sprintf("Graph shows app role %s of %s defined for users and groups only (allowedMemberTypes: %s): no application can be assigned it", want, k.apiName(), strings.Join(def.AllowedMemberTypes, ", ")),
				Expected: "allowedMemberTypes with Application", Actual: strings.Join(def.AllowedMemberTypes, ", "),
				Fix: fmt.Sprintf("Entra admin center > App registrations > %s > App roles > %s > Allowed member types: Both (Users/Groups + Applications) > Apply", k.apiDisplay(), want)})
			continue
		}
		j := slices.IndexFunc(mine, func(a AppRoleAssignment) bool { return strings.EqualFold(a.AppRoleID, def.ID) })
		switch {
		case j < 0 && has:
			k.add(finding.Finding{Code: finding.AppRoleNotAssigned, Severity: finding.SeverityWarning, Side: finding.SideEntra,
				Message:  fmt.Sprintf("Graph shows no assignment of %s to %s any more: this token still carries it until it expires (%s); new tokens will not", want, k.clientName(), k.c.Expires.UTC().Format(time.RFC3339)),
				Expected: want + " assigned", Actual: "not assigned", Fix: k.assignFix(def)})
		case j < 0:
			unassigned = append(unassigned, def)
		case !has && k.newer(mine[j]):
			k.newerFinding(want, mine[j])
		case !has:
			k.line("entra: app roles", "fail", fmt.Sprintf("Graph shows %s assigned to %s on %s, before the token was issued, yet the token lacks it: was it requested for this API? (or Graph's replicas lag)",
				want, k.clientDisplay(), mine[j].CreatedDateTime.UTC().Format(time.RFC3339)))
		default:
			k.line("entra: app roles", "pass", fmt.Sprintf("Graph shows %s assigned to %s", want, k.clientDisplay()))
		}
	}
}

// notAssigned is one finding for the required roles the client holds
// none of: each role its own line would say the same thing twice.
func (k *checker) notAssigned(roles []AppRole, mine []AppRoleAssignment) {
	if len(roles) == 0 {
		return
	}
	var values []string
	for _, r := range roles {
		values = append(values, r.Value)
	}
	list := strings.Join(values, ", ")
	msg := fmt.Sprintf("Graph shows no assignment of %s to %s on %s", list, k.clientName(), k.apiName())
	if len(roles) > 1 {
		msg = fmt.Sprintf("Graph shows none of %s assigned to %s on %s", list, k.clientName(), k.apiName())
	}
	if k.ev.APISP != nil && k.ev.APISP.AppRoleAssignmentRequired && len(mine) == 0 {
		msg += "; the API requires assignment, so Entra refuses this client any token for it (AADSTS501051)"
	}
	fix := k.assignFix(roles[0])
	if len(roles) > 1 {
		fix += fmt.Sprintf(" (that is %s; the same for %s where the policy requires each)", roles[0].Value, strings.Join(values[1:], ", "))
	}
	k.add(finding.Finding{Code: finding.AppRoleNotAssigned, Severity: finding.SeverityError, Side: "tenant admin",
		Message: msg, Expected: list + " assigned to " + k.clientDisplay(), Actual: fmt.Sprintf("%d assignment(s) on the API, none of %s", len(mine), list),
		Fix: fix})
}

func (k *checker) newer(a AppRoleAssignment) bool {
	return a.CreatedDateTime != nil && !k.c.IssuedAt.IsZero() && a.CreatedDateTime.After(k.c.IssuedAt)
}

// anyRole: no role required and none in the token: does the client hold
// any role of the API at all?
func (k *checker) anyRole(mine []AppRoleAssignment) {
	defs := k.appRoles()
	switch {
	case len(defs) == 0:
		k.add(finding.Finding{Code: finding.AppRoleNotDefined, Severity: finding.SeverityWarning, Side: finding.SideEntra,
			Message:  fmt.Sprintf("Graph shows %s defines no app roles: an app-only token for it never has roles", k.apiName()),
			Expected: "app roles on the API's registration", Actual: "none",
			Fix: fmt.Sprintf("Entra admin center > App registrations > %s > App roles > Create app role (Allowed member types: Applications)", k.apiDisplay())})
	case len(mine) == 0:
		k.add(finding.Finding{Code: finding.AppRoleNotAssigned, Severity: finding.SeverityWarning, Side: "tenant admin",
			Message:  fmt.Sprintf("Graph shows no app role of %s assigned to %s", k.apiName(), k.clientName()),
			Expected: "an app role of the API assigned to the client", Actual: "no assignment", Fix: k.assignFix(defs[0])})
	default:
		for _, a := range mine {
			if k.newer(a) {
				k.newerFinding(k.roleValue(a.AppRoleID), a)
				return
			}
		}
		k.line("entra: app roles", "fail", fmt.Sprintf("Graph shows %d assignment(s) of %s on the API made before the token was issued, yet the token has no roles", len(mine), k.clientDisplay()))
	}
}

func (k *checker) roleValue(id string) string {
	for _, r := range k.appRoles() {
		if strings.EqualFold(r.ID, id) {
			return r.Value
		}
	}
	return id
}

func (k *checker) newerFinding(role string, a AppRoleAssignment) {
	at := a.CreatedDateTime.UTC().Format(time.RFC3339)
	f := finding.Finding{Code: finding.AssignmentNewer, Severity: finding.SeverityError, Side: finding.SideClient,
		Message: fmt.Sprintf("Graph shows %s assigned to %s at %s (assignment %s), after the token was issued at %s: the token predates the assignment",
			role, k.clientName(), at, a.ID, k.c.IssuedAt.UTC().Format(time.RFC3339)),
		Expected: "a token issued after " + at, Actual: "issued at " + k.c.IssuedAt.UTC().Format(time.RFC3339)}
	if k.managedIdentity() {
		next := k.c.IssuedAt.Add(miTokenCache)
		f.Message += fmt.Sprintf("; a managed identity's token is cached by the platform for up to 24 hours, so a new one, with the role, will be issued by %s at the latest", next.UTC().Format(time.RFC3339))
		f.Fix = "wait until then: the platform's cache cannot be emptied from outside (restarting the app does not always help); in the meantime, diagnose again later"
	} else {
		f.Fix = "get a new token (empty the client's token cache: MSAL keeps a token until it expires at " + k.c.Expires.UTC().Format(time.RFC3339) + ")"
	}
	k.add(f)
}

// assignFix is the portal path and the az command that assign role def
// to the client.
func (k *checker) assignFix(def AppRole) string {
	apiSP, clientSP := "<the API's service principal ID>", "<the client's service principal ID>"
	if k.ev.APISP != nil {
		apiSP = k.ev.APISP.ID
	}
	if k.ev.Client != nil {
		clientSP = k.ev.Client.ID
	}
	az := fmt.Sprintf("az rest --method POST --uri %s/servicePrincipals/%s/appRoleAssignedTo --body '{\"principalId\":\"%s\",\"resourceId\":\"%s\",\"appRoleId\":\"%s\"}'",
		graphURL, apiSP, clientSP, apiSP, def.ID)
	if k.managedIdentity() {
		return fmt.Sprintf("a managed identity has no API permissions page in the portal: assign %s with %s; then get a new token (the managed identity's cached token lasts up to 24 h)", def.Value, az)
	}
	return fmt.Sprintf("Entra admin center > App registrations > %s > API permissions > Add a permission > APIs my organization uses > %s > Application permissions > %s > Add permissions, then Grant admin consent; or: %s",
		k.clientDisplay(), k.apiDisplay(), def.Value, az)
}

// notDefined: the role is not among the API's app roles.
func (k *checker) notDefined(want string, defs []AppRole) {
	values := make([]string, 0, len(defs))
	near := ""
	for _, d := range defs {
		values = append(values, d.Value)
		if strings.EqualFold(d.Value, want) {
			near = d.Value
		}
	}
	msg := fmt.Sprintf("Graph shows no app role %s on %s (its app roles: %s)", want, k.apiName(), orNone(values))
	if near != "" {
		msg += fmt.Sprintf("; %s differs only in case, and app role values are case-sensitive", near)
	}
	if ca := k.ev.ClientApp; ca != nil && slices.ContainsFunc(ca.AppRoles, func(r AppRole) bool { return r.Value == want }) {
		msg += fmt.Sprintf("; %s is defined on the client's own registration %s, which does not count: roles come from the API's", want, ca.DisplayName)
	}
	k.add(finding.Finding{Code: finding.AppRoleNotDefined, Severity: finding.SeverityError, Side: finding.SideEntra,
		Message: msg, Expected: want + " among the API's app roles", Actual: orNone(values),
		Fix: fmt.Sprintf("Entra admin center > App registrations > %s > App roles > Create app role (Value: %s, Allowed member types: Applications), then assign it to the client; or fix the role's name in the policy", k.apiDisplay(), want)})
}

// consent checks each scope a delegated token needs and lacks: a grant or
// a pre-authorization must cover it.
func (k *checker) consent() {
	var missing []string
	for _, s := range k.r.Scopes {
		if !slices.Contains(k.c.Scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		k.line("entra: consent", "pass", "the token has every scope required")
		return
	}
	if !k.ev.GrantsRead {
		k.line("entra: consent", "skip", "not checked: the client's delegated grants could not be read")
		return
	}
	var scopes []PermissionScope
	var pre []PreAuthorizedApplication
	if k.ev.API != nil && k.ev.API.API != nil {
		scopes, pre = k.ev.API.API.OAuth2PermissionScopes, k.ev.API.API.PreAuthorizedApplications
	} else if k.ev.APISP != nil {
		scopes = k.ev.APISP.OAuth2PermissionScopes
	}
	for _, s := range missing {
		i := slices.IndexFunc(scopes, func(p PermissionScope) bool { return p.Value == s })
		if i < 0 {
			k.line("entra: consent", "fail", fmt.Sprintf("Graph shows no delegated scope %s exposed by %s (Expose an API)", s, k.apiDisplay()))
			continue
		}
		id := scopes[i].ID
		preauth := slices.ContainsFunc(pre, func(p PreAuthorizedApplication) bool {
			return strings.EqualFold(p.AppID, k.c.ClientID) && slices.Contains(p.DelegatedPermissionIDs, id)
		})
		granted := k.ev.APISP != nil && slices.ContainsFunc(k.ev.Grants, func(g PermissionGrant) bool {
			return strings.EqualFold(g.ResourceID, k.ev.APISP.ID) && slices.Contains(strings.Fields(g.Scope), s) &&
				(g.ConsentType == "AllPrincipals" || strings.EqualFold(g.PrincipalID, k.c.UserOID))
		})
		if preauth || granted {
			k.line("entra: consent", "fail", fmt.Sprintf("Graph shows consent to %s for %s, yet the token lacks it: the client did not request it (scope %s/%s)", s, k.clientDisplay(), k.apiAppID(), s))
			continue
		}
		k.add(finding.Finding{Code: finding.ConsentRequired, Severity: finding.SeverityError, Side: "tenant admin",
			Message: fmt.Sprintf("Graph shows no consent for %s to call %s with %s: no oauth2PermissionGrant covers it and the client is not pre-authorized for it; Entra asks the user to consent, or refuses (AADSTS65001)",
				k.clientName(), k.apiName(), s),
			Expected: s + " granted or pre-authorized", Actual: fmt.Sprintf("%d grant(s) of the client, none covering %s", len(k.ev.Grants), s),
			Fix: fmt.Sprintf("Entra admin center > App registrations > %s > API permissions > Add a permission > APIs my organization uses > %s > Delegated permissions > %s > Add permissions, then Grant admin consent (or: az ad app permission grant --id %s --api %s --scope %s); or, on the API: App registrations > %s > Expose an API > Add a client application > %s with %s",
				k.clientDisplay(), k.apiDisplay(), s, k.c.ClientID, k.apiAppID(), s, k.apiDisplay(), k.c.ClientID, s)})
	}
}
