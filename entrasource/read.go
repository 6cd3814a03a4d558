package entrasource

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
)

// Target says whose registrations to read: the token's aud (a client ID or
// an identifier URI) and client (appid/azp), whether the token is
// delegated, and other audiences (the policy's) whose application to find.
type Target struct {
	Audience  string
	ClientID  string
	Delegated bool
	Others    []string
}

// Evidence is what was read over Graph. A nil object was not found (or
// could not be read: Failures says which).
type Evidence struct {
	Target Target
	// API is the application the aud names (nil for a multi-tenant API
	// registered elsewhere, or when none has it); APISP its service
	// principal.
	API   *Application
	APISP *ServicePrincipal
	// Client is the client's service principal, ClientApp its application
	// with secrets' and certificates' end dates (nil for a managed identity
	// or a first-party client: no application object in the tenant).
	Client      *ServicePrincipal
	ClientApp   *Application
	Assignments []AppRoleAssignment // the client's, on every resource
	Grants      []PermissionGrant   // the client's delegated grants
	// Others are the applications of the other audiences, by audience
	// (nil: none has it).
	Others map[string]*Application
	// Failures are the reads that failed, other than "not found".
	Failures []*Error
	// APIRead says the API's application and service principal were
	// looked up (found or not); AssignmentsRead and GrantsRead that the
	// client's lists were read. A check whose evidence was not read is
	// "not checked", never passed or failed.
	APIRead, AssignmentsRead, GrantsRead bool

	raw map[string]json.RawMessage // save path -> document
}

// Read reads what the checks need, concurrently where independent: first
// the applications and service principals, then the client's assignments
// and (for a delegated token) grants.
func (c *Client) Read(ctx context.Context, t Target) *Evidence {
	ev := &Evidence{Target: t, Others: map[string]*Application{}, raw: map[string]json.RawMessage{}}
	var mu sync.Mutex
	fail := func(err error) {
		var e *Error
		if errors.As(err, &e) && e.NotFound() {
			return
		}
		if !errors.As(err, &e) {
			e = &Error{What: "Graph", Err: err}
		}
		mu.Lock()
		ev.Failures = append(ev.Failures, e)
		mu.Unlock()
	}
	keep := func(path string, raw json.RawMessage) {
		mu.Lock()
		ev.raw[path] = merge(ev.raw[path], raw)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }

	var appFailed, spFailed bool
	run(func() {
		app, raw, err := c.findApplication(ctx, t.Audience)
		if err != nil {
			fail(err)
			appFailed = !isNotFound(err)
		}
		if app != nil {
			ev.API = app
			keep("applications/"+app.AppID+".json", raw)
		}
	})
	run(func() {
		sp, raw, err := c.findServicePrincipal(ctx, t.Audience)
		if err != nil {
			fail(err)
			spFailed = !isNotFound(err)
		}
		if sp != nil {
			ev.APISP = sp
			keep("servicePrincipals/"+sp.AppID+".json", raw)
		}
	})
	if t.ClientID != "" {
		run(func() {
			sp, raw, err := c.ServicePrincipalByAppID(ctx, t.ClientID)
			if err != nil {
				fail(err)
				return
			}
			ev.Client = sp
			keep("servicePrincipals/"+sp.AppID+".json", raw)
		})
		run(func() {
			app, raw, err := c.ClientCredentials(ctx, t.ClientID)
			if err != nil {
				fail(err)
				return
			}
			ev.ClientApp = app
			keep("applications/"+app.AppID+".json", raw)
		})
	}
	for _, o := range t.Others {
		if sameResource(o, t.Audience) {
			continue
		}
		run(func() {
			app, raw, err := c.findApplication(ctx, o)
			if err != nil && !isNotFound(err) {
				fail(err)
				return
			}
			mu.Lock()
			ev.Others[o] = app
			mu.Unlock()
			if app != nil {
				keep("applications/"+app.AppID+".json", raw)
			}
		})
	}
	wg.Wait()
	ev.APIRead = !appFailed && !spFailed
	if ev.Client == nil {
		return ev
	}
	run(func() {
		as, raws, err := c.AppRoleAssignments(ctx, ev.Client.ID)
		if err != nil {
			fail(err)
			return
		}
		ev.Assignments, ev.AssignmentsRead = as, true
		keep("appRoleAssignments/"+ev.Client.ID+".json", listDoc(raws))
	})
	if t.Delegated {
		run(func() {
			gs, raws, err := c.PermissionGrants(ctx, ev.Client.ID)
			if err != nil {
				fail(err)
				return
			}
			ev.Grants, ev.GrantsRead = gs, true
			keep("oauth2PermissionGrants/"+ev.Client.ID+".json", listDoc(raws))
		})
	}
	wg.Wait()
	return ev
}

// findApplication reads the application a resource names: by client ID
// when it is a GUID, else by identifier URI (with and without a trailing
// slash, as Entra matches them).
func (c *Client) findApplication(ctx context.Context, res string) (*Application, json.RawMessage, error) {
	return find(ctx, res, c.ApplicationByAppID, c.ApplicationsByIdentifierURI)
}

// findServicePrincipal is findApplication for service principals (by
// servicePrincipalNames: a multi-tenant API has only one here).
func (c *Client) findServicePrincipal(ctx context.Context, res string) (*ServicePrincipal, json.RawMessage, error) {
	return find(ctx, res, c.ServicePrincipalByAppID, c.ServicePrincipalsByName)
}

func find[T any](ctx context.Context, res string, byID func(context.Context, string) (*T, json.RawMessage, error),
	byName func(context.Context, string) ([]T, []json.RawMessage, error)) (*T, json.RawMessage, error) {
	if isGUID(res) {
		return byID(ctx, res)
	}
	for _, u := range uriForms(res) {
		items, raws, err := byName(ctx, u)
		if err != nil || len(items) > 0 {
			if err != nil {
				return nil, nil, err
			}
			return &items[0], raws[0], nil
		}
	}
	return nil, nil, nil
}

func isNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.NotFound()
}

func uriForms(u string) []string {
	t := strings.TrimSuffix(u, "/")
	if t == u {
		return []string{u}
	}
	return []string{u, t}
}

func sameResource(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "/"), strings.TrimSuffix(b, "/"))
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", r):
			return false
		}
	}
	return true
}

func listDoc(raws []json.RawMessage) json.RawMessage {
	if raws == nil {
		raws = []json.RawMessage{}
	}
	b, _ := json.Marshal(map[string]any{"value": raws})
	return b
}
