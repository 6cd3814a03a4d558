package fakeentra

import (
	"slices"
	"sort"
	"time"
)

// Directory is a copy of the simulated tenant's registrations, for a
// simulated Microsoft Graph (internal/fakegraph) to serve: the same
// applications, APIs and assignments the token endpoint issues from, so
// that the roles in a minted token and the assignments Graph shows agree.
type Directory struct {
	Apps        []App // client applications and managed identities
	APIs        []API // resource applications (Microsoft's own included)
	Assignments []Assignment
}

// Assignment is an app role of an API assigned to a client, and when.
type Assignment struct {
	ClientID, APIClientID, Role string
	Created                     time.Time
}

// Directory returns a copy of the registrations as they are now.
func (s *Server) Directory() Directory {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.dir
	var out Directory
	for _, a := range d.apps {
		c := *a
		c.Secrets, c.ExpiredSecrets = slices.Clone(a.Secrets), slices.Clone(a.ExpiredSecrets)
		c.Certs, c.Federated = slices.Clone(a.Certs), slices.Clone(a.Federated)
		out.Apps = append(out.Apps, c)
	}
	sort.Slice(out.Apps, func(i, j int) bool { return out.Apps[i].ClientID < out.Apps[j].ClientID })
	for _, a := range d.apis {
		c := *a
		c.Roles, c.Scopes, c.PreAuthorized, c.DisabledRoles = slices.Clone(a.Roles), slices.Clone(a.Scopes), slices.Clone(a.PreAuthorized), slices.Clone(a.DisabledRoles)
		out.APIs = append(out.APIs, c)
	}
	for client, byAPI := range d.assignments {
		for api, roles := range byAPI {
			for _, r := range roles {
				out.Assignments = append(out.Assignments, Assignment{ClientID: client, APIClientID: api, Role: r, Created: d.assigned[client+"|"+api+"|"+r]})
			}
		}
	}
	sort.Slice(out.Assignments, func(i, j int) bool {
		a, b := out.Assignments[i], out.Assignments[j]
		return a.ClientID+a.APIClientID+a.Role < b.ClientID+b.APIClientID+b.Role
	})
	return out
}
