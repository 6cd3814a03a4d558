package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/sarif"
	"github.com/entratoken/entratoken/policy"
)

// validateSources checks the effective-policy flags against each other
// before anything is read (spec/cli.md, "The effective policy (offline)").
func (o *DiagnoseOptions) validateSources() error {
	scopes := map[policy.Scope]string{}
	for _, p := range o.Policies {
		sc, file := policy.SplitScope(p)
		if file == "" {
			return flagErrorf("--policy %q names no file", p)
		}
		if prev, dup := scopes[sc]; dup {
			return flagErrorf("--policy: two files for scope %s (%s and %s): give at most one per scope", sc, prev, file)
		}
		scopes[sc] = file
	}
	switch {
	case o.APIOps != "" && len(o.Policies) > 0:
		return flagErrorf("flag '--apiops' and flag '--policy' are mutually exclusive")
	case o.APIOps == "" && (o.API != "" || o.Operation != "" || o.URL != ""):
		return flagErrorf("--api, --operation and --url need --apiops DIR (the folder that holds the APIs)")
	case o.Operation != "" && o.API == "":
		return flagErrorf("--operation needs --api")
	case o.URL != "" && o.API != "":
		return flagErrorf("flag '--url' and flag '--api' are mutually exclusive: --url finds the API itself")
	case o.Product != "" && o.NoProduct:
		return flagErrorf("flag '--product' and flag '--no-product' are mutually exclusive")
	case o.ShowPolicy != "" && o.ShowPolicy != "tree" && o.ShowPolicy != "xml":
		return flagErrorf("--show-policy is tree or xml, not %q", o.ShowPolicy)
	case o.Format != "" && o.Format != "sarif":
		return flagErrorf("--format is sarif, not %q", o.Format)
	case o.ShowPolicy != "" && len(o.Policies) == 0 && o.APIOps == "":
		return flagErrorf("--show-policy needs a policy: --policy [SCOPE=]FILE or --apiops DIR")
	}
	for _, nv := range o.NamedValues {
		if k, _, _ := strings.Cut(nv, "="); !policy.IsName(strings.TrimSpace(k)) {
			return flagErrorf("--named-value %q: a named value's name has only letters, digits, '.', '-' and '_'", k)
		}
	}
	return nil
}

// sources gathers what the flags say about the effective policy.
func (o *DiagnoseOptions) sources() (*diagnose.Sources, error) {
	s := &diagnose.Sources{Policies: o.Policies, Fragments: o.Fragments, APIOps: o.APIOps, API: o.API, Operation: o.Operation,
		Product: o.Product, NoProduct: o.NoProduct, URL: o.URL, Method: strings.ToUpper(o.Method), KeySent: o.SubscriptionKey, Values: policy.NamedValues{}}
	if o.NamedValuesFile != "" {
		nv, err := policy.ReadNamedValues(o.NamedValuesFile)
		if err != nil {
			return nil, flagErrorf("--named-values %s: %v", o.NamedValuesFile, err)
		}
		s.Values = nv
	}
	for _, nv := range o.NamedValues {
		k, v, _ := strings.Cut(nv, "=")
		s.Values[strings.TrimSpace(k)] = policy.NamedValue{Value: v, HasValue: true, Source: "--named-value"}
	}
	s.Headers = map[string]string{}
	for _, h := range o.Headers {
		k, v, _ := strings.Cut(h, ":")
		s.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return s, nil
}

// targets composes the effective policies the flags describe. An APIOps
// folder without a token and without --api/--url returns none: the caller
// lints the whole folder. A URL no API or operation matches is returned as
// the gateway's 404.
func (o *DiagnoseOptions) targets(f *Factory, haveToken bool) ([]diagnose.Target, *policy.NotFoundError, error) {
	src, err := o.sources()
	if err != nil || src.Empty() {
		return nil, nil, err
	}
	if !haveToken && o.APIOps != "" && o.API == "" && o.URL == "" {
		return nil, nil, nil
	}
	ts, err := src.Targets()
	if nf, ok := diagnose.AsNotFound(err); ok {
		return nil, nf, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, t := range ts {
		for _, s := range t.Effective.Secrets {
			f.addSecret(s)
		}
	}
	return ts, nil, nil
}

// runTargets evaluates the request under each effective policy. When the
// key's product is not known there is one per possibility: if they agree,
// that is the verdict; if not, it is unknown, and a finding says which
// product gives which answer.
func runTargets(ctx context.Context, in diagnose.Input, targets []diagnose.Target) (*diagnose.Report, error) {
	if len(targets) == 0 {
		return diagnose.Run(ctx, in)
	}
	var reps []*diagnose.Report
	for i := range targets {
		in.Target = &targets[i]
		rep, err := diagnose.Run(ctx, in)
		if err != nil {
			return nil, err
		}
		reps = append(reps, rep)
	}
	rep := reps[0]
	if len(reps) == 1 {
		return rep, nil
	}
	var answers []string
	agree := true
	for i, r := range reps {
		a := r.Verdict
		if r.Status != 0 {
			a += fmt.Sprintf(" (%d)", r.Status)
		}
		answers = append(answers, targets[i].Context.Why+": "+a)
		agree = agree && r.Verdict == rep.Verdict && r.Status == rep.Status
	}
	f := finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideClient,
		Message: "a key is sent and its product is not known; every possibility gives the same answer: " + strings.Join(answers, "; ")}
	if !agree {
		f.Severity = finding.SeverityWarning
		f.Message = "a key is sent and its product is not known, and the answer depends on it: " + strings.Join(answers, "; ")
		f.Fix = "say which: --product NAME (a key of that product) or --no-product (a key scoped to the API or all APIs)"
		rep.Verdict, rep.Status, rep.Message = diagnose.Unknown, 0, ""
		for i := range rep.Findings {
			rep.Findings[i].Primary = false
		}
	}
	rep.Findings = append([]finding.Finding{f}, rep.Findings...)
	return rep, nil
}

// lintComposed finds what only the effective policy shows: fragments that
// do not exist, and (for a folder that holds every named value) references
// to a named value the service does not have.
func lintComposed(t diagnose.Target) []finding.Finding {
	var out []finding.Finding
	for _, n := range t.Effective.Missing {
		id := n.AttrOr("fragment-id", "")
		f := finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: n.Line, Source: policy.Source(n),
			Message: "<include-fragment fragment-id=\"" + id + "\"> runs a fragment that was not given", Fix: "give it with --fragment " + id + "=FILE"}
		if t.Complete {
			f.Code, f.Severity = finding.PolicyInvalid, finding.SeverityError
			f.Message = "<include-fragment fragment-id=\"" + id + "\"> names a fragment the service does not have: APIM refuses to save this policy"
			f.Fix = "create policy fragments/" + id + "/policy.xml, or fix the fragment-id"
		}
		out = append(out, f)
	}
	if t.Complete {
		for _, name := range t.Effective.Unresolved() {
			if _, ok := t.Effective.Value(name); !ok {
				out = append(out, finding.Finding{Code: finding.PolicyInvalid, Severity: finding.SeverityError, Side: finding.SideAPIM,
					Message: "the policy refers to named value {{" + name + "}}, which the service does not have: APIM refuses to save it",
					Fix:     "create named values/" + name + "/namedValueInformation.json (display name " + name + "), or fix the reference"})
			}
		}
	}
	return out
}

// writeDiagnosis prints a report in the form asked for, and says by its
// error how the command ends.
func (f *Factory) writeDiagnosis(rep *diagnose.Report, o *DiagnoseOptions, source string) error {
	switch {
	case o.Format == "sarif":
		if err := sarif.Write(f.IO.Out, version, sarifResults(rep.Findings, o.APIOps)); err != nil {
			return err
		}
	case f.Globals.Output == "json":
		if err := writeJSON(f.IO.Out, rep); err != nil {
			return err
		}
	default:
		rep.WriteText(f.IO.Out, f.IO.Palette(), source)
	}
	if rep.Verdict == diagnose.Lint && f.Getenv("GITHUB_ACTIONS") == "true" {
		sarif.Annotate(f.IO.ErrOut, sarifResults(rep.Findings, o.APIOps))
	}
	switch rep.Verdict {
	case diagnose.Accepted:
		return nil
	case diagnose.Lint:
		if finding.HasErrors(rep.Findings) {
			return errFailed
		}
		return nil
	}
	return errFailed
}

// sarifResults places findings in the repository: a file relative to an
// APIOps folder is joined to the folder as given.
func sarifResults(fs []finding.Finding, dir string) []sarif.Result {
	var out []sarif.Result
	for _, f := range fs {
		r := sarif.Result{Finding: f, Line: f.Line}
		if f.Source != nil {
			r.File, r.Line = f.Source.File, f.Source.Line
			if dir != "" && r.File != "" {
				r.File = filepath.ToSlash(filepath.Join(dir, r.File))
			}
		}
		out = append(out, r)
	}
	return out
}

// showPolicy prints the effective policy as the gateway runs it: the tree
// (with each statement's result when a token was evaluated) before the
// report, or the composed XML alone on stdout with the report on stderr.
func (f *Factory) showPolicy(t diagnose.Target, rep *diagnose.Report, o *DiagnoseOptions, source string) error {
	var b bytes.Buffer
	if o.ShowPolicy == "xml" {
		if err := t.Effective.WriteXML(&b); err != nil {
			return err
		}
		fmt.Fprint(f.IO.Out, f.redact(b.String()))
		if rep != nil {
			saved := f.IO.Out
			f.IO.Out = f.IO.ErrOut
			defer func() { f.IO.Out = saved }()
		}
	} else {
		fmt.Fprintf(&b, "Effective policy: %s\n", t.Label)
		var result func(*policy.Node) string
		if rep != nil {
			result = rep.Result
		}
		t.Effective.WriteTree(&b, result)
		fmt.Fprintln(&b)
		fmt.Fprint(f.IO.Out, f.redact(b.String()))
	}
	if rep == nil {
		return nil
	}
	return f.writeDiagnosis(rep, o, source)
}

// lintAPIOps lints every document of an APIOps folder on its own, and every
// API and operation's effective policy in each product context it can run
// in, for what only composition shows.
func (f *Factory) lintAPIOps(o *DiagnoseOptions) error {
	svc, err := policy.ReadAPIOps(o.APIOps)
	if err != nil {
		return flagErrorf("%v", err)
	}
	rep := &diagnose.Report{Verdict: diagnose.Lint, Findings: []finding.Finding{}, Checks: []diagnose.Check{}}
	seen := map[string]bool{}
	add := func(fs ...finding.Finding) {
		for _, x := range fs {
			key := x.Code + "|" + x.Message
			if x.Source != nil {
				key += fmt.Sprintf("|%s:%d", x.Source.File, x.Source.Line)
			}
			if !seen[key] {
				seen[key] = true
				rep.Findings = append(rep.Findings, x)
			}
		}
	}
	for _, d := range svc.Documents() {
		add(lintDocument(d)...)
	}
	for _, a := range svc.APIs {
		ops := append([]*policy.Operation{nil}, a.Operations...)
		ctxs := []policy.Context{{}}
		for _, p := range a.Products {
			ctxs = append(ctxs, policy.Context{Product: p})
		}
		for _, op := range ops {
			for _, c := range ctxs {
				eff, err := policy.Compose(svc.Set(a, op, c))
				if err != nil {
					return flagErrorf("%v", err)
				}
				add(lintComposed(diagnose.Target{Effective: eff, Complete: true})...)
			}
		}
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if severityRank(a.Severity) != severityRank(b.Severity) {
			return severityRank(a.Severity) < severityRank(b.Severity)
		}
		return sourceKey(a) < sourceKey(b)
	})
	return f.writeDiagnosis(rep, o, fmt.Sprintf("APIOps folder %s (%d APIs, %d products)", o.APIOps, len(svc.APIs), len(svc.Products)))
}

func severityRank(s finding.Severity) int {
	switch s {
	case finding.SeverityError:
		return 0
	case finding.SeverityWarning:
		return 1
	}
	return 2
}

func sourceKey(f finding.Finding) string {
	if f.Source == nil {
		return ""
	}
	return fmt.Sprintf("%s:%06d", f.Source.File, f.Source.Line)
}

// lintDocument lints one document alone, each finding placed in it.
func lintDocument(d *policy.Document) []finding.Finding {
	rep := diagnose.LintPolicy(&policy.Document{Root: d.Root, Fragment: d.Fragment, Scope: d.Scope, File: d.File})
	for i := range rep.Findings {
		if rep.Findings[i].Source == nil {
			rep.Findings[i].Source = &finding.Source{Scope: string(d.Scope), File: d.File, Line: rep.Findings[i].Line}
		}
	}
	return rep.Findings
}
