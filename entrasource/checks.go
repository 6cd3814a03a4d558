package entrasource

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/finding"
)

// Claims are what the token under test says (its claims, read; never
// the token itself).
type Claims struct {
	Audience  string
	ClientID  string // appid (v1) or azp (v2)
	Delegated bool   // scp present: a user's token
	Roles     []string
	Scopes    []string
	IssuedAt  time.Time
	Expires   time.Time
	UserOID   string // oid of a delegated token
}

// Requirements are what the policy (or the command line's expectations)
// requires, from the diagnosis.
type Requirements struct {
	Roles, Scopes []string
	// Versions are the token versions ("1.0", "2.0") the policy's issuers
	// accept; empty when it does not say.
	Versions []string
	// Audiences are the policy's audiences.
	Audiences []string
	// Given says a policy or expectations were given.
	Given bool
}

// Line is one step of the Entra checks, for the report's checks.
type Line struct{ Name, Result, Detail string }

// Result is what the checks found.
type Result struct {
	Findings []finding.Finding
	Checks   []Line
}

// CredentialWindow is how soon an end date makes CREDENTIAL_EXPIRING.
const CredentialWindow = 30 * 24 * time.Hour

// graphURL is where the az commands in fixes send their writes: the
// public cloud's Graph, whatever endpoint the evidence was read from.
const graphURL = "https://graph.microsoft.com/v1.0"

type checker struct {
	ev  *Evidence
	c   Claims
	r   Requirements
	now time.Time
	out Result
}

// Check compares the token's claims and the policy's requirements with the
// registrations Graph showed. Pure: no I/O.
func Check(ev *Evidence, c Claims, r Requirements, now time.Time) Result {
	k := &checker{ev: ev, c: c, r: r, now: now}
	if !ev.APIRead {
		k.line("entra", "skip", "not checked: the API's registration could not be read (see the EVIDENCE_* findings)")
		k.credentials()
		return k.out
	}
	if !k.identifier() {
		return k.out
	}
	k.version()
	if c.Delegated {
		k.consent()
	} else {
		k.roles()
	}
	k.credentials()
	return k.out
}

func (k *checker) add(f finding.Finding) { k.out.Findings = append(k.out.Findings, f) }
func (k *checker) line(name, result, detail string) {
	k.out.Checks = append(k.out.Checks, Line{Name: name, Result: result, Detail: detail})
}

// apiName names the API as the portal lists it, with its IDs.
func (k *checker) apiName() string {
	switch {
	case k.ev.API != nil && k.ev.APISP != nil:
		return fmt.Sprintf("%s (application %s, client ID %s, service principal %s)", k.ev.API.DisplayName, k.ev.API.ID, k.ev.API.AppID, k.ev.APISP.ID)
	case k.ev.API != nil:
		return fmt.Sprintf("%s (application %s, client ID %s)", k.ev.API.DisplayName, k.ev.API.ID, k.ev.API.AppID)
	case k.ev.APISP != nil:
		return fmt.Sprintf("%s (client ID %s, service principal %s)", k.ev.APISP.DisplayName, k.ev.APISP.AppID, k.ev.APISP.ID)
	}
	return k.c.Audience
}

// apiDisplay and apiAppID name the API by its application, or else its
// service principal.
func (k *checker) apiDisplay() string {
	return k.apiField(func(n, _ string) string { return n }, k.c.Audience)
}
func (k *checker) apiAppID() string {
	return k.apiField(func(_, id string) string { return id }, "<the API's client ID>")
}

func (k *checker) apiField(pick func(name, appID string) string, none string) string {
	switch {
	case k.ev.API != nil:
		return pick(k.ev.API.DisplayName, k.ev.API.AppID)
	case k.ev.APISP != nil:
		return pick(k.ev.APISP.DisplayName, k.ev.APISP.AppID)
	}
	return none
}

func (k *checker) clientName() string {
	if k.ev.Client != nil {
		return fmt.Sprintf("%s (client ID %s, service principal %s)", k.ev.Client.DisplayName, k.ev.Client.AppID, k.ev.Client.ID)
	}
	return "client " + k.c.ClientID
}

func (k *checker) clientDisplay() string {
	if k.ev.Client != nil {
		return k.ev.Client.DisplayName
	}
	return k.c.ClientID
}

// names says whether app has res as its client ID or an identifier URI.
func names(app *Application, res string) bool {
	if app == nil {
		return false
	}
	if strings.EqualFold(app.AppID, res) {
		return true
	}
	return slices.ContainsFunc(app.IdentifierURIs, func(u string) bool { return sameResource(u, res) })
}

// identifier finds the API the aud names, and checks that the policy's
// audiences name the same one. False: there is nothing to check further.
func (k *checker) identifier() bool {
	aud := k.c.Audience
	if k.ev.API == nil && k.ev.APISP == nil {
		k.add(finding.Finding{Code: finding.IdentifierURIUnknown, Severity: finding.SeverityError, Side: finding.SideEntra,
			Message:  fmt.Sprintf("Graph shows no application or service principal in the tenant with the client ID or identifier URI %s: the token's aud names no API registered here", aud),
			Expected: "an application whose client ID or Application ID URI is " + aud, Actual: "none in the tenant",
			Fix: fmt.Sprintf("request the token for the API's Application ID URI exactly as Entra admin center > App registrations > the API > Expose an API shows it; or set it there (Application ID URI > Edit: %s), or: az ad app update --id <the API's client ID> --identifier-uris %s", aud, aud)})
		k.line("entra: API", "fail", "no application or service principal has "+aud)
		return false
	}
	k.line("entra: API", "pass", "aud "+aud+" is "+k.apiName())
	if len(k.r.Audiences) == 0 {
		return true
	}
	var other *Application
	otherAud := ""
	for _, a := range k.r.Audiences {
		if sameResource(a, aud) || names(k.ev.API, a) || (k.ev.APISP != nil && strings.EqualFold(k.ev.APISP.AppID, a)) ||
			(k.ev.APISP != nil && slices.ContainsFunc(k.ev.APISP.ServicePrincipalNames, func(n string) bool { return sameResource(n, a) })) {
			return true // the policy accepts this API (in one form or the other)
		}
		if app := k.ev.Others[a]; app != nil && other == nil {
			other, otherAud = app, a
		}
	}
	if other != nil {
		k.add(finding.Finding{Code: finding.IdentifierURIUnknown, Severity: finding.SeverityError, Side: finding.SideClient,
			Message: fmt.Sprintf("the token's aud %s is not among the identifier URIs or the client ID of %s (application %s, client ID %s), which the policy's audience %s names: Graph shows the token is for another API, %s",
				aud, other.DisplayName, other.ID, other.AppID, otherAud, k.apiName()),
			Expected: fmt.Sprintf("%s or one of %s", other.AppID, strings.Join(other.IdentifierURIs, ", ")), Actual: aud,
			Fix: fmt.Sprintf("request the token for %s (scope %s/.default)", cmp.Or(first(other.IdentifierURIs), other.AppID), cmp.Or(first(other.IdentifierURIs), other.AppID))})
		return true
	}
	allRead := true
	for _, a := range k.r.Audiences {
		if _, read := k.ev.Others[a]; !read {
			allRead = false
		}
	}
	if allRead {
		k.add(finding.Finding{Code: finding.IdentifierURIUnknown, Severity: finding.SeverityWarning, Side: finding.SideAPIM,
			Message:  fmt.Sprintf("Graph shows no application in the tenant with the client ID or identifier URI %s, the policy's audience: the policy names an API that is not registered here", strings.Join(k.r.Audiences, ", ")),
			Expected: "an application named by the policy's audiences", Actual: "none in the tenant",
			Fix: fmt.Sprintf("make the policy's <audiences> name the API the clients call: %s (its client ID, which v2 tokens carry) and its Application ID URI", k.apiAppID())})
	}
	return true
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// version compares the registration's requestedAccessTokenVersion with the
// versions the policy's issuers accept.
func (k *checker) version() {
	if len(k.r.Versions) == 0 || k.ev.API == nil {
		return
	}
	setting, shown := "1.0", "null"
	if a := k.ev.API.API; a != nil && a.RequestedAccessTokenVersion != nil {
		shown = fmt.Sprint(*a.RequestedAccessTokenVersion)
		if *a.RequestedAccessTokenVersion == 2 {
			setting = "2.0"
		}
	}
	if slices.Contains(k.r.Versions, setting) {
		k.line("entra: token version", "pass", "requestedAccessTokenVersion "+shown+": v"+setting+" tokens, which the policy's issuers accept")
		return
	}
	want := k.r.Versions[0]
	n := strings.TrimSuffix(want, ".0")
	k.add(finding.Finding{Code: finding.TokenVersionSetting, Severity: finding.SeverityError, Side: finding.SideEntra,
		Message: fmt.Sprintf("Graph shows %s with api.requestedAccessTokenVersion %s: Entra issues it v%s tokens, and the policy's issuers accept only v%s tokens",
			k.apiName(), shown, setting, want),
		Expected: "requestedAccessTokenVersion " + n, Actual: "requestedAccessTokenVersion " + shown,
		Fix: fmt.Sprintf("Entra admin center > App registrations > %s > Manifest: set \"requestedAccessTokenVersion\": %s in \"api\" and Save (or: az ad app update --id %s --set api.requestedAccessTokenVersion=%s), then get a new token; or make the policy accept v%s issuers",
			k.apiDisplay(), n, k.apiAppID(), n, setting)})
}

// credentials warns of the client's secrets and certificates that end
// within CredentialWindow, or have ended.
func (k *checker) credentials() {
	app := k.ev.ClientApp
	if app == nil {
		return
	}
	type cred struct {
		kind, name, id string
		end            *time.Time
	}
	var cs []cred
	for _, p := range app.PasswordCredentials {
		cs = append(cs, cred{"client secret", p.DisplayName, p.KeyID, p.EndDateTime})
	}
	for _, c := range app.KeyCredentials {
		cs = append(cs, cred{"certificate", c.DisplayName, c.KeyID, c.EndDateTime})
	}
	n := 0
	for _, c := range cs {
		if c.end == nil || c.end.Sub(k.now) > CredentialWindow {
			continue
		}
		n++
		when := fmt.Sprintf("expired on %s: a caller that still uses it gets no token (AADSTS7000222)", c.end.UTC().Format(time.RFC3339))
		if c.end.After(k.now) {
			when = fmt.Sprintf("expires on %s, in %d day(s): after that, a caller that still uses it gets no token", c.end.UTC().Format(time.RFC3339), int(math.Ceil(c.end.Sub(k.now).Hours()/24)))
		}
		fix := fmt.Sprintf("Entra admin center > App registrations > %s > Certificates & secrets > New client secret; move the callers to it, then delete the old one (or: az ad app credential reset --id %s --append, which prints the new secret once)", app.DisplayName, app.AppID)
		if c.kind == "certificate" {
			fix = fmt.Sprintf("Entra admin center > App registrations > %s > Certificates & secrets > Certificates > Upload certificate; move the callers to it, then delete the old one (or: az ad app credential reset --id %s --append --cert @new.pem)", app.DisplayName, app.AppID)
		}
		k.add(finding.Finding{Code: finding.CredentialExpiring, Severity: finding.SeverityWarning, Side: finding.SideEntra,
			Message: fmt.Sprintf("Graph shows %s %q (key ID %s) of %s (application %s, client ID %s) %s (this token was issued, so it did not decide here)",
				c.kind, c.name, c.id, app.DisplayName, app.ID, app.AppID, when),
			Expected: "an end date more than 30 days away", Actual: c.end.UTC().Format(time.RFC3339), Fix: fix})
	}
	if n == 0 {
		k.line("entra: credentials", "pass", fmt.Sprintf("%d secret(s) and certificate(s), none ending within 30 days", len(cs)))
	}
}
