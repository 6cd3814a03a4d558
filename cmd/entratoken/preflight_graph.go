package main

import (
	"cmp"
	"context"
	"errors"
	"strings"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/entratoken/entratoken/acquire"
	"github.com/entratoken/entratoken/entrasource"
	"github.com/entratoken/entratoken/federation"
	"github.com/entratoken/entratoken/internal/finding"
)

// graphFederation reads an app registration's federated identity
// credentials over Microsoft Graph: the application by its client ID, then
// /applications/{id}/federatedIdentityCredentials.
type graphFederation struct {
	cl     *entrasource.Client
	caller entrasource.Caller
}

// graphReadError is a Graph read that failed, with its finding.
type graphReadError struct{ f finding.Finding }

func (e *graphReadError) Error() string            { return e.f.Message }
func (e *graphReadError) Finding() finding.Finding { return e.f }

// newAppFederation signs in to Graph with the evidence credential (so a
// credential that cannot is explained as acquire explains it, exit 3) and
// learns from its token whether it is a user's or an application's.
func (f *Factory) newAppFederation(ctx context.Context, g *EntraOptions, cred *acquire.Credential) (appFederation, error) {
	cl, err := entrasource.New(entrasource.Options{Endpoint: cmp.Or(g.Endpoint, f.Getenv("ENTRATOKEN_GRAPH_ENDPOINT")), Audience: g.Audience,
		Credential: cred, HTTP: f.HTTPClient(), Timeout: f.Globals.Timeout, Logf: f.verboseLogf()})
	if err != nil {
		return nil, flagErrorf("--graph-endpoint: %v", err)
	}
	aud := strings.TrimRight(cmp.Or(g.Audience, entrasource.DefaultEndpoint), "/")
	if err := signIn(ctx, cred, aud); err != nil {
		return nil, err
	}
	tok, err := cred.GetToken(ctx, azpolicy.TokenRequestOptions{Scopes: []string{aud + "/.default"}}) // cached by the credential
	if err != nil {
		return nil, err
	}
	return &graphFederation{cl: cl, caller: entrasource.CallerOf(tok.Token)}, nil
}

func (g *graphFederation) Application(ctx context.Context, clientID string) (*federation.Identity, []federation.Credential, error) {
	app, _, err := g.cl.ApplicationByAppID(ctx, clientID)
	var ge *entrasource.Error
	switch {
	case errors.As(err, &ge) && ge.NotFound():
		return nil, nil, nil
	case errors.As(err, &ge):
		return nil, nil, &graphReadError{ge.Finding(g.caller)}
	case err != nil:
		return nil, nil, err
	}
	fics, err := g.cl.FederatedCredentials(ctx, app.ID)
	if errors.As(err, &ge) {
		return nil, nil, &graphReadError{ge.Finding(g.caller)}
	} else if err != nil {
		return nil, nil, err
	}
	id := &federation.Identity{Kind: federation.KindApplication, ClientID: app.AppID, ObjectID: app.ID, Name: app.DisplayName}
	creds := make([]federation.Credential, len(fics))
	for i, c := range fics {
		creds[i] = federation.Credential{Name: c.Name, Issuer: c.Issuer, Subject: c.Subject, Audiences: c.Audiences, Description: c.Description}
	}
	return id, creds, nil
}
