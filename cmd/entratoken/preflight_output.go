package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/entratoken/entratoken/federation"
	"github.com/entratoken/entratoken/inspect"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/token"
)

// buildPreflight compares the token with the credentials and says what it
// means.
func buildPreflight(tok *federation.Token, id federation.Identity, creds []federation.Credential, source string, now time.Time) *preflightDoc {
	r := federation.Match(tok, creds)
	d := &preflightDoc{Identity: id, Source: source, Credentials: r.Outcomes, result: r,
		Findings: federation.Findings(id, tok, r, now),
		FederatedToken: tokenView{Issuer: tok.Issuer, Subject: tok.Subject, Audiences: tok.Audiences,
			Fingerprint: token.Fingerprint(tok.Raw), Signature: signatureNote}}
	if d.Credentials == nil {
		d.Credentials = []federation.Outcome{}
	}
	if !tok.IssuedAt.IsZero() {
		d.FederatedToken.IssuedAt = tok.IssuedAt.UTC().Format(time.RFC3339)
	}
	if !tok.Expires.IsZero() {
		d.FederatedToken.Expires = tok.Expires.UTC().Format(time.RFC3339)
	}
	if tok.Issuer == federation.GitHubIssuer {
		if s, ok := federation.ParseGitHubSubject(tok.Subject); ok {
			d.FederatedToken.Describes = s.Describe()
		}
	}
	who := id.Kind + " " + firstOf(id.Name, id.ClientID)
	check := preflightCheck{Name: "federated credential", Result: "fail"}
	switch {
	case r.Matched != nil:
		d.Verdict, d.Matched, check.Result = "accepted", r.Matched.Credential.Name, "pass"
		d.Message = fmt.Sprintf("the federated credential %s of the %s matches the token's iss, sub and aud: Entra will accept it as that identity's credential (if its signature holds and it has not expired)", d.Matched, who)
	case len(r.Unevaluated) > 0:
		d.Verdict, check.Result = "unknown", "skip"
		d.Message = "no federated credential of the " + who + " matches exactly, and a flexible one (claims matching expression) was not evaluated"
	case r.Nearest == nil:
		d.Verdict = "rejected"
		d.Message = "the " + who + " has no federated credential: Entra will refuse the token"
	default:
		d.Verdict, d.Nearest = "rejected", r.Nearest.Credential.Name
		var fields []string
		for _, df := range r.Nearest.Diffs {
			fields = append(fields, df.Field)
		}
		d.Message = fmt.Sprintf("no federated credential of the %s matches the token; the nearest, %s, differs in %s", who, d.Nearest, strings.Join(fields, " and "))
	}
	check.Detail = d.Message
	d.Checks = []preflightCheck{check}
	if d.Findings == nil {
		d.Findings = []finding.Finding{}
	}
	return d
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// writePreflight prints the answer: JSON, or text for people. Everything
// passes the invocation's redaction; text from outside is escaped.
func (f *Factory) writePreflight(d *preflightDoc) error {
	return f.printRedacted(f.IO.Out, func(w io.Writer) error {
		if f.Globals.Output == "json" {
			return writeJSON(w, d)
		}
		writePreflightText(w, f, d)
		return nil
	})
}

func writePreflightText(w io.Writer, f *Factory, d *preflightDoc) {
	p, e := f.IO.Palette(), finding.Escape
	t := d.FederatedToken
	fmt.Fprintf(w, "federated token %s (signature %s)\n", t.Fingerprint, t.Signature)
	fmt.Fprintf(w, "  iss  %s\n", e(t.Issuer))
	fmt.Fprintf(w, "  sub  %s\n", e(t.Subject))
	if t.Describes != "" {
		fmt.Fprintf(w, "       (%s)\n", e(t.Describes))
	}
	fmt.Fprintf(w, "  aud  %s\n", e(strings.Join(t.Audiences, ", ")))
	if t.Expires != "" {
		exp, _ := time.Parse(time.RFC3339, t.Expires)
		rel := "in " + inspect.Ago(time.Until(exp))
		if time.Until(exp) < 0 {
			rel = p.Red("expired " + inspect.Ago(-time.Until(exp)) + " ago")
		}
		fmt.Fprintf(w, "  exp  %s (%s)\n", exp.Format(inspect.TimeLayout), rel)
	}
	id := d.Identity
	fmt.Fprintf(w, "identity: %s %s (client %s", id.Kind, e(firstOf(id.Name, id.ClientID)), e(id.ClientID))
	if id.ResourceID != "" {
		fmt.Fprintf(w, ", %s", e(id.ResourceID))
	}
	fmt.Fprintf(w, ")\nfederated credentials: %d, read from %s\n", len(d.Credentials), e(d.Source))
	for _, o := range d.Credentials {
		mark := p.Red("✗")
		switch {
		case o.Match:
			mark = p.Green("✓")
		case o.Unevaluated:
			mark = p.Yellow("?")
		}
		c := o.Credential
		fmt.Fprintf(w, "  %s %s  issuer %s, subject %s, audiences %s\n", mark, p.Bold(e(c.Name)), e(c.Issuer), e(firstOf(c.Subject, "(expression) "+c.Expression)), e(strings.Join(c.Audiences, ", ")))
		for _, df := range o.Diffs {
			fmt.Fprintf(w, "      %-8s expected %q\n                 actual %q\n", df.Field, df.Expected, df.Actual)
			if df.Note != "" {
				fmt.Fprintf(w, "                 %s\n", e(df.Note))
			}
		}
	}
	verdict := p.Red(d.Verdict)
	switch d.Verdict {
	case "accepted":
		verdict = p.Green(d.Verdict)
	case "unknown":
		verdict = p.Yellow(d.Verdict)
	}
	fmt.Fprintf(w, "verdict: %s: %s\n", verdict, e(d.Message))
	for _, fd := range d.Findings {
		finding.Write(w, p, fd)
	}
}
