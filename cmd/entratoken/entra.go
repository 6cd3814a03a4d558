package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/acquire"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/entrasource"
	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// EntraOptions are the flags that read the token's registrations live
// over Microsoft Graph (spec/cli.md, "The Entra registrations").
type EntraOptions struct {
	On                 bool
	Endpoint, Audience string
}

func addEntraFlags(cmd *cobra.Command, o *EntraOptions) {
	fl := cmd.Flags()
	fl.BoolVar(&o.On, "entra", false, "read the token's API and client registrations over Microsoft Graph (with --credential) and check them")
	addGraphFlags(cmd, o)
}

// addGraphFlags adds the flags that say where Microsoft Graph is.
func addGraphFlags(cmd *cobra.Command, o *EntraOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Endpoint, "graph-endpoint", "", "Microsoft Graph's URL (default ENTRATOKEN_GRAPH_ENDPOINT or https://graph.microsoft.com)")
	fl.StringVar(&o.Audience, "graph-audience", "", "the audience of Graph tokens (default https://graph.microsoft.com)")
}

func (e *EntraOptions) validate(hasToken bool) error {
	switch {
	case !e.On && (e.Endpoint != "" || e.Audience != ""):
		return flagErrorf("--graph-endpoint and --graph-audience need --entra")
	case e.On && !hasToken:
		return flagErrorf("--entra checks a token's registrations: give the token")
	}
	return nil
}

// entraInput is what the Entra checks compare the registrations with.
type entraInput struct {
	raw  string
	pol  *diagnose.Policy
	exp  *diagnose.Expectations // nil when none were given
	save string                 // --save-evidence DIR
}

// addEntra reads the registrations of the token's API and client over
// Graph and adds what they prove to rep. It never changes the verdict: a
// refusal stays one, and what could not be read is "not checked".
func (f *Factory) addEntra(ctx context.Context, e *EntraOptions, a *APIMOptions, in entraInput, rep *diagnose.Report) error {
	t, err := token.Decode(in.raw)
	if err != nil {
		rep.Checks = append(rep.Checks, diagnose.Check{Name: "entra", Result: "skip", Detail: "not checked: the token does not decode"})
		return nil
	}
	c := claimsOf(t)
	if c.Audience == "" || c.ClientID == "" {
		rep.Checks = append(rep.Checks, diagnose.Check{Name: "entra", Result: "skip", Detail: "not checked: the token names no aud or no client (appid/azp)"})
		return nil
	}
	needs := diagnose.Requirements(in.pol, in.exp)
	req := entrasource.Requirements{Roles: missing(needs, "roles", c.Roles), Scopes: missing(needs, "scp", c.Scopes),
		Versions: needs.Versions, Audiences: needs.Audiences, Given: in.pol != nil || in.exp != nil}

	cred := f.evidenceCredential(a)
	cl, err := entrasource.New(entrasource.Options{Endpoint: cmp.Or(e.Endpoint, f.Getenv("ENTRATOKEN_GRAPH_ENDPOINT")), Audience: e.Audience,
		Credential: cred, HTTP: f.HTTPClient(), Timeout: f.Globals.Timeout, Logf: f.verboseLogf()})
	if err != nil {
		return flagErrorf("--graph-endpoint: %v", err)
	}
	aud := strings.TrimRight(cmp.Or(e.Audience, entrasource.DefaultEndpoint), "/")
	// Sign in first: a credential that cannot is explained, and the token
	// says whether it is a user's (delegated) or an application's.
	gt, err := cred.GetToken(ctx, azpolicy.TokenRequestOptions{Scopes: []string{aud + "/.default"}})
	if err != nil {
		fd := finding.Finding{Code: finding.EvidenceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
			Message: "the credential that reads Graph could not sign in: " + oneLineErr(err), Fix: "check --credential (and --credential-tenant, --credential-client-id), or sign in with az login"}
		var ae *acquire.Error
		if errors.As(err, &ae) {
			fd.Message = "the credential that reads Graph could not sign in: " + credentialFlags.Replace(ae.Message)
			fd.Fix = cmp.Or(credentialFlags.Replace(ae.Fix), fd.Fix)
		}
		rep.Findings = append(rep.Findings, fd)
		rep.Checks = append(rep.Checks, diagnose.Check{Name: "entra", Result: "skip", Detail: "not checked (no Graph sign-in)"})
		rep.Entra = &diagnose.EntraEvidence{Status: "unavailable"}
		return nil
	}
	caller := entrasource.CallerOf(gt.Token)
	ev := cl.Read(ctx, entrasource.Target{Audience: c.Audience, ClientID: c.ClientID, Delegated: c.Delegated, Others: needs.Audiences})
	// One EVIDENCE_FORBIDDEN per missing permission, however many reads it refused.
	seen := map[string]bool{}
	for _, fe := range ev.Failures {
		fd := fe.Finding(caller)
		if fd.Code == finding.EvidenceForbidden {
			if seen[fd.Expected] {
				continue
			}
			seen[fd.Expected] = true
		}
		rep.Findings = append(rep.Findings, fd)
	}
	sum := &diagnose.EntraEvidence{Status: "read"}
	if ev.API != nil {
		sum.Application, sum.AppID = ev.API.ID, ev.API.AppID
	}
	if ev.APISP != nil {
		sum.ServicePrincipal, sum.AppID = ev.APISP.ID, ev.APISP.AppID
	}
	if ev.Client != nil {
		sum.Client = ev.Client.ID
	}
	if ev.ClientApp != nil {
		sum.ClientApplication = ev.ClientApp.ID
	}
	rep.Entra = sum
	if len(ev.Failures) > 0 {
		sum.Status = "partial"
		if !ev.APIRead {
			sum.Status = "unavailable"
			if ev.Forbidden() {
				sum.Status = "forbidden"
			}
		}
	}
	if sum.Status == "forbidden" {
		rep.Checks = append(rep.Checks, diagnose.Check{Name: "entra", Result: "skip", Detail: "not checked (no Graph permission): the registrations could not be read"})
	} else {
		res := entrasource.Check(ev, c, req, time.Now())
		rep.Findings = append(rep.Findings, res.Findings...)
		for _, l := range res.Checks {
			rep.Checks = append(rep.Checks, diagnose.Check{Name: l.Name, Result: l.Result, Detail: l.Detail})
		}
		linkTokenFindings(rep.Findings)
	}
	diagnose.SortFindings(rep.Findings)
	if in.save != "" {
		if _, err := ev.Save(in.save); err != nil {
			return flagErrorf("%v", err)
		}
	}
	return nil
}

// claimsOf reads what the Entra checks need from the token.
func claimsOf(t *token.Token) entrasource.Claims {
	c := entrasource.Claims{ClientID: cmp.Or(t.String("azp"), t.String("appid")), Roles: t.Strings("roles"),
		Scopes: strings.Fields(t.String("scp")), Delegated: inspect.Kind(t) == "delegated"}
	if auds := t.Strings("aud"); len(auds) > 0 {
		c.Audience = auds[0]
	}
	if c.Delegated {
		c.UserOID = t.String("oid")
	}
	if iat, ok, _ := t.Time("iat"); ok {
		c.IssuedAt = iat
	}
	if exp, ok, _ := t.Time("exp"); ok {
		c.Expires = exp
	}
	return c
}

// missing are the values of the required claim name the token lacks: all
// of an "all" requirement's missing values; every value of an "any"
// requirement that none of is present.
func missing(n diagnose.Needs, name string, has []string) []string {
	var out []string
	for _, r := range n.Claims {
		if r.Name != name {
			continue
		}
		if r.Any && slices.ContainsFunc(r.Values, func(v string) bool { return slices.Contains(has, v) }) {
			continue
		}
		for _, v := range r.Values {
			if !slices.Contains(out, v) && (r.Any || !slices.Contains(has, v)) {
				out = append(out, v)
			}
		}
	}
	return out
}

// graphProves maps a token-only finding to the Graph findings that say why.
var graphProves = map[string][]string{
	finding.RoleMissing:  {finding.AppRoleNotDefined, finding.AppRoleDisabled, finding.AppRoleNotAssigned, finding.AssignmentNewer},
	finding.ScopeMissing: {finding.ConsentRequired},
}

// linkTokenFindings makes a finding read from the token name the Graph
// finding that proves its cause, when there is one.
func linkTokenFindings(fs []finding.Finding) {
	for i := range fs {
		why, ok := graphProves[fs[i].Code]
		if !ok {
			continue
		}
		for _, g := range fs {
			if slices.Contains(why, g.Code) {
				fs[i].Message += fmt.Sprintf(" (this is what the token says; Graph shows why: %s)", g.Code)
				break
			}
		}
	}
}

func oneLineErr(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
