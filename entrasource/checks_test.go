package entrasource

import (
	"strings"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/finding"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func ptrTime(t time.Time) *time.Time { return &t }
func ptrInt(i int) *int              { return &i }

// orders is an API with two roles (Orders.Write disabled), a scope, and
// the Azure CLI pre-authorized; the daemon holds Orders.Read.
func orders() *Evidence {
	api := &Application{ID: "app-orders", AppID: "api-client", DisplayName: "orders API", IdentifierURIs: []string{"api://contoso-orders"},
		API: &APISettings{RequestedAccessTokenVersion: ptrInt(2),
			OAuth2PermissionScopes:    []PermissionScope{{ID: "scope-read", Value: "Orders.Read", IsEnabled: true}, {ID: "scope-write", Value: "Orders.Write", IsEnabled: true}},
			PreAuthorizedApplications: []PreAuthorizedApplication{{AppID: "cli", DelegatedPermissionIDs: []string{"scope-read"}}}},
		AppRoles: []AppRole{{ID: "role-read", Value: "Orders.Read", AllowedMemberTypes: []string{"Application"}, IsEnabled: true},
			{ID: "role-write", Value: "Orders.Write", AllowedMemberTypes: []string{"Application"}},
			{ID: "role-user", Value: "Orders.Approve", AllowedMemberTypes: []string{"User"}, IsEnabled: true}}}
	return &Evidence{API: api, APISP: &ServicePrincipal{ID: "sp-orders", AppID: "api-client", DisplayName: "orders API", AppRoles: api.AppRoles},
		Client:      &ServicePrincipal{ID: "sp-daemon", AppID: "daemon", DisplayName: "orders-daemon", ServicePrincipalType: "Application"},
		ClientApp:   &Application{ID: "app-daemon", AppID: "daemon", DisplayName: "orders-daemon"},
		Assignments: []AppRoleAssignment{{ID: "as-1", AppRoleID: "role-read", PrincipalID: "sp-daemon", ResourceID: "sp-orders", CreatedDateTime: ptrTime(now.AddDate(0, 0, -30))}},
		Others:      map[string]*Application{}, APIRead: true, AssignmentsRead: true, GrantsRead: true}
}

func appToken() Claims {
	return Claims{Audience: "api-client", ClientID: "daemon", IssuedAt: now.Add(-10 * time.Minute), Expires: now.Add(time.Hour)}
}

func codes(r Result) string {
	var cs []string
	for _, f := range r.Findings {
		cs = append(cs, f.Code)
	}
	return strings.Join(cs, ",")
}

func one(t *testing.T, r Result, code string) finding.Finding {
	t.Helper()
	if len(r.Findings) != 1 || r.Findings[0].Code != code {
		t.Fatalf("findings %s, want exactly %s", codes(r), code)
	}
	return r.Findings[0]
}

func TestRoles(t *testing.T) {
	tok := appToken()
	// Assigned and in the token: nothing to say.
	tok.Roles = []string{"Orders.Read"}
	if r := Check(orders(), tok, Requirements{Roles: []string{"Orders.Read"}, Given: true}, now); len(r.Findings) != 0 {
		t.Fatalf("findings %s", codes(r))
	}
	tok.Roles = nil
	f := one(t, Check(orders(), tok, Requirements{Roles: []string{"Orders.Admin"}, Given: true}, now), finding.AppRoleNotDefined)
	if !strings.Contains(f.Message, "Graph shows no app role Orders.Admin") || !strings.Contains(f.Fix, "App roles > Create app role") {
		t.Errorf("%+v", f)
	}
	if f := one(t, Check(orders(), tok, Requirements{Roles: []string{"orders.read"}, Given: true}, now), finding.AppRoleNotDefined); !strings.Contains(f.Message, "differs only in case") {
		t.Errorf("case: %s", f.Message)
	}
	one(t, Check(orders(), tok, Requirements{Roles: []string{"Orders.Write"}, Given: true}, now), finding.AppRoleDisabled)
	if f := one(t, Check(orders(), tok, Requirements{Roles: []string{"Orders.Approve"}, Given: true}, now), finding.AppRoleNotDefined); !strings.Contains(f.Message, "users and groups only") {
		t.Errorf("member types: %s", f.Message)
	}
	ev := orders()
	ev.Assignments = nil
	ev.APISP.AppRoleAssignmentRequired = true
	f = one(t, Check(ev, tok, Requirements{Roles: []string{"Orders.Read"}, Given: true}, now), finding.AppRoleNotAssigned)
	for _, want := range []string{"Graph shows no assignment of Orders.Read to orders-daemon (client ID daemon, service principal sp-daemon)", "AADSTS501051"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message lacks %q: %s", want, f.Message)
		}
	}
	for _, want := range []string{"App registrations > orders-daemon > API permissions", "az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/sp-orders/appRoleAssignedTo",
		`"principalId":"sp-daemon","resourceId":"sp-orders","appRoleId":"role-read"`} {
		if !strings.Contains(f.Fix, want) {
			t.Errorf("fix lacks %q: %s", want, f.Fix)
		}
	}
	// No role required and none in the token: does it hold any?
	if f := one(t, Check(ev, tok, Requirements{}, now), finding.AppRoleNotAssigned); f.Severity != finding.SeverityWarning {
		t.Errorf("implicit: %+v", f)
	}
}

func TestAssignmentNewerThanToken(t *testing.T) {
	ev := orders()
	ev.Client.ServicePrincipalType = "ManagedIdentity"
	ev.Assignments[0].CreatedDateTime = ptrTime(now.Add(-5 * time.Minute))
	tok := appToken()
	f := one(t, Check(ev, tok, Requirements{Roles: []string{"Orders.Read"}, Given: true}, now), finding.AssignmentNewer)
	next := tok.IssuedAt.Add(24 * time.Hour).Format(time.RFC3339)
	if !strings.Contains(f.Message, "after the token was issued at "+tok.IssuedAt.Format(time.RFC3339)) || !strings.Contains(f.Message, "issued by "+next) {
		t.Errorf("%s", f.Message)
	}
	// Without a requirement the same assignment explains an empty roles claim.
	one(t, Check(ev, tok, Requirements{}, now), finding.AssignmentNewer)
}

func TestConsent(t *testing.T) {
	tok := Claims{Audience: "api://contoso-orders", ClientID: "reporting", Delegated: true, Scopes: []string{"Orders.Read"}, UserOID: "user-1", IssuedAt: now}
	ev := orders()
	ev.Client = &ServicePrincipal{ID: "sp-reporting", AppID: "reporting", DisplayName: "reporting"}
	ev.ClientApp = nil
	f := one(t, Check(ev, tok, Requirements{Scopes: []string{"Orders.Write"}, Given: true}, now), finding.ConsentRequired)
	if !strings.Contains(f.Message, "no oauth2PermissionGrant covers it") || !strings.Contains(f.Fix, "az ad app permission grant --id reporting --api api-client --scope Orders.Write") {
		t.Errorf("%+v", f)
	}
	// An admin consent covering it: the client just did not ask.
	ev.Grants = []PermissionGrant{{ClientID: "sp-reporting", ConsentType: "AllPrincipals", ResourceID: "sp-orders", Scope: "Orders.Read Orders.Write"}}
	if r := Check(ev, tok, Requirements{Scopes: []string{"Orders.Write"}}, now); len(r.Findings) != 0 {
		t.Errorf("covered by a grant: %s", codes(r))
	}
	// A user's own consent covers only that user.
	ev.Grants[0].ConsentType, ev.Grants[0].PrincipalID = "Principal", "user-2"
	one(t, Check(ev, tok, Requirements{Scopes: []string{"Orders.Write"}}, now), finding.ConsentRequired)
	// Pre-authorized (the Azure CLI for Orders.Read).
	tok.ClientID, tok.Scopes = "cli", nil
	if r := Check(ev, tok, Requirements{Scopes: []string{"Orders.Read"}}, now); len(r.Findings) != 0 {
		t.Errorf("pre-authorized: %s", codes(r))
	}
}

func TestIdentifierAndVersion(t *testing.T) {
	tok := appToken()
	tok.Roles = []string{"Orders.Read"}
	none := &Evidence{Others: map[string]*Application{}, APIRead: true}
	if f := one(t, Check(none, tok, Requirements{}, now), finding.IdentifierURIUnknown); !strings.Contains(f.Message, "Graph shows no application or service principal") {
		t.Errorf("%s", f.Message)
	}
	// The policy names another API.
	ev := orders()
	ev.Others["api://contoso-inventory"] = &Application{ID: "app-inv", AppID: "inv", DisplayName: "inventory API", IdentifierURIs: []string{"api://contoso-inventory"}}
	f := one(t, Check(ev, tok, Requirements{Audiences: []string{"api://contoso-inventory"}, Given: true}, now), finding.IdentifierURIUnknown)
	if !strings.Contains(f.Message, "which the policy's audience api://contoso-inventory names") {
		t.Errorf("%s", f.Message)
	}
	// The policy names the same API in its other form: fine.
	if r := Check(orders(), tok, Requirements{Audiences: []string{"api://contoso-orders"}, Given: true}, now); len(r.Findings) != 0 {
		t.Errorf("same API: %s", codes(r))
	}
	// requestedAccessTokenVersion null issues v1 tokens; the policy wants v2.
	ev = orders()
	ev.API.API.RequestedAccessTokenVersion = nil
	f = one(t, Check(ev, tok, Requirements{Versions: []string{"2.0"}, Given: true}, now), finding.TokenVersionSetting)
	if f.Actual != "requestedAccessTokenVersion null" || !strings.Contains(f.Fix, "az ad app update --id api-client --set api.requestedAccessTokenVersion=2") {
		t.Errorf("%+v", f)
	}
	if r := Check(orders(), tok, Requirements{Versions: []string{"2.0"}}, now); len(r.Findings) != 0 {
		t.Errorf("v2 setting: %s", codes(r))
	}
}

func TestCredentialExpiring(t *testing.T) {
	tok := appToken()
	tok.Roles = []string{"Orders.Read"}
	ev := orders()
	ev.ClientApp.PasswordCredentials = []PasswordCredential{{KeyID: "k1", DisplayName: "old", EndDateTime: ptrTime(now.AddDate(0, 0, -1))},
		{KeyID: "k2", DisplayName: "soon", EndDateTime: ptrTime(now.AddDate(0, 0, 10))}, {KeyID: "k3", DisplayName: "fine", EndDateTime: ptrTime(now.AddDate(0, 0, 40))}}
	r := Check(ev, tok, Requirements{}, now)
	if codes(r) != "CREDENTIAL_EXPIRING,CREDENTIAL_EXPIRING" {
		t.Fatalf("%s", codes(r))
	}
	if !strings.Contains(r.Findings[0].Message, "expired on") || !strings.Contains(r.Findings[1].Message, "in 10 day(s)") || r.Findings[0].Severity != finding.SeverityWarning {
		t.Errorf("%+v", r.Findings)
	}
}

// What could not be read is not checked: no finding and no pass.
func TestUnreadIsNotChecked(t *testing.T) {
	tok := appToken()
	for name, ev := range map[string]*Evidence{
		"api":         {Others: map[string]*Application{}},
		"assignments": func() *Evidence { e := orders(); e.Assignments, e.AssignmentsRead = nil, false; return e }(),
	} {
		r := Check(ev, tok, Requirements{Roles: []string{"Orders.Read"}, Given: true}, now)
		if len(r.Findings) != 0 {
			t.Errorf("%s: findings %s", name, codes(r))
		}
		skipped := false
		for _, l := range r.Checks {
			if strings.HasPrefix(l.Name, "entra") && l.Result == "skip" {
				skipped = true
			}
			if strings.Contains(l.Name, "roles") && l.Result == "pass" {
				t.Errorf("%s: passed %+v", name, l)
			}
		}
		if !skipped {
			t.Errorf("%s: no skip in %+v", name, r.Checks)
		}
	}
	ev := orders()
	ev.GrantsRead = false
	user := Claims{Audience: "api-client", ClientID: "reporting", Delegated: true, IssuedAt: now}
	if r := Check(ev, user, Requirements{Scopes: []string{"Orders.Write"}}, now); len(r.Findings) != 0 {
		t.Errorf("grants unread: %s", codes(r))
	}
}
