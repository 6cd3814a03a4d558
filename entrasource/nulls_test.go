package entrasource

import (
	"encoding/json"
	"testing"
	"time"
)

// Graph objects with nulls where values belong (as a partial or odd
// answer has them) are checked without a panic, whatever was read.
func TestChecksTakeNulls(t *testing.T) {
	app := `{"id":null,"appId":"a1","displayName":null,"identifierUris":null,"api":null,"appRoles":[null,{"id":null,"value":null,"allowedMemberTypes":null}],` +
		`"passwordCredentials":[null,{"keyId":"k","endDateTime":null}],"keyCredentials":null}`
	sp := `{"id":"s1","appId":null,"servicePrincipalNames":null,"appRoles":null,"oauth2PermissionScopes":[null],"accountEnabled":null}`
	var a, ca Application
	var s, c ServicePrincipal
	for _, u := range []struct {
		doc string
		v   any
	}{{app, &a}, {app, &ca}, {sp, &s}, {sp, &c}} {
		if err := json.Unmarshal([]byte(u.doc), u.v); err != nil {
			t.Fatal(err)
		}
	}
	var as []AppRoleAssignment
	_ = json.Unmarshal([]byte(`[null,{"appRoleId":null,"resourceId":null,"createdDateTime":null}]`), &as)
	var gs []PermissionGrant
	_ = json.Unmarshal([]byte(`[null,{"clientId":null,"scope":null}]`), &gs)
	now := time.Now()
	tok := Claims{Audience: "a1", ClientID: "c1", Roles: []string{"R"}, Scopes: []string{"S"}, IssuedAt: now.Add(-time.Hour)}
	req := Requirements{Roles: []string{"R", "X"}, Scopes: []string{"S", "Y"}, Versions: []string{"2.0"}, Audiences: []string{"a1", "other"}, Given: true}
	evs := []*Evidence{
		{},
		{API: &a},
		{APISP: &s},
		{API: &a, Client: &c, ClientApp: &ca, Assignments: as, Grants: gs, APIRead: true, AssignmentsRead: true, GrantsRead: true},
		{APISP: &s, Client: &c, Assignments: as, Grants: gs, APIRead: true, AssignmentsRead: true, GrantsRead: true},
		{Client: &c, Assignments: as, Grants: gs, APIRead: true, AssignmentsRead: true, GrantsRead: true},
		{API: &a, APISP: &s, Client: &c, ClientApp: &ca, Assignments: as, Grants: gs, Others: map[string]*Application{"other": nil},
			APIRead: true, AssignmentsRead: true, GrantsRead: true},
	}
	for i, ev := range evs {
		for _, delegated := range []bool{false, true} {
			tok.Delegated = delegated
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("evidence %d (delegated %v): panic %v", i, delegated, r)
					}
				}()
				_ = Check(ev, tok, req, now)
			}()
		}
	}
}
