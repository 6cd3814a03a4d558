package main

import (
	"flag"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

// githubToken mints a federated token from the simulated GitHub Actions
// OIDC issuer: [SUBJECT] [-iss I] [-aud A] [-iat DUR] [-life DUR].
func githubToken(ts *testscript.TestScript, srv *fakeentra.Server, args []string) string {
	var g fakeentra.GitHubSpec
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		g.Subject, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("federated", flag.ContinueOnError)
	fs.StringVar(&g.Issuer, "iss", "", "")
	fs.StringVar(&g.Audience, "aud", "", "")
	iat := fs.Duration("iat", 0, "")
	fs.DurationVar(&g.Lifetime, "life", 0, "")
	ts.Check(fs.Parse(args))
	g.IssuedAt = time.Now().Add(*iat)
	tok, err := srv.GitHubToken(g)
	ts.Check(err)
	return tok
}
