package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
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
	case o.APIOps == "" && o.APIM.Service == "" && (o.API != "" || o.Operation != "" || o.URL != ""):
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
	case o.ShowPolicy != "" && len(o.Policies) == 0 && o.APIOps == "" && o.APIM.Service == "":
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
	s := &diagnose.Sources{Service: o.liveService(), Policies: o.Policies, Fragments: o.Fragments, APIOps: o.APIOps, API: o.API, Operation: o.Operation,
		Product: o.Product, NoProduct: o.NoProduct, URL: o.URL, Method: strings.ToUpper(o.Method), KeySent: o.SubscriptionKey, KeyOwner: o.APIM.owner, Values: policy.NamedValues{}}
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
		for _, v := range t.Effective.Values() {
			if v.Secret && v.HasValue {
				f.addSecret(v.Value)
			}
		}
		if haveToken {
			if err := diagnose.SchemaError(t); err != nil {
				return nil, nil, err
			}
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
	if in.Gateway != nil {
		return gatewayPicks(reps, targets), nil
	}
	var answers []string
	agree := true
	for i, r := range reps {
		answers = append(answers, targets[i].Context.Why+": "+verdictWords(r.Verdict, r.Status))
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

// gatewayPicks is runTargets with the gateway's answer known (call's
// refusal, --response): each possibility's prediction is compared with it,
// and the report is the first one the answer agrees with, so that a product
// that would have accepted is not blamed for the refusal.
func gatewayPicks(reps []*diagnose.Report, targets []diagnose.Target) *diagnose.Report {
	var answers, fits []string
	pick := -1
	for i, r := range reps {
		v, st := r.Verdict, r.Status
		if p := r.Prediction; p != nil {
			v, st = p.Verdict, p.Status
		}
		answers = append(answers, targets[i].Context.Why+": "+verdictWords(v, st))
		if r.Prediction == nil || r.Prediction.Agreement == diagnose.Agree {
			fits = append(fits, targets[i].Context.Why)
			if pick < 0 {
				pick = i
			}
		}
	}
	f := finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideClient, Explains: true,
		Message: "a key is sent and its product is not known; the policies predict: " + strings.Join(answers, "; ")}
	if pick < 0 {
		pick = 0
		f.Message += "; the gateway's answer fits none of them"
	} else {
		f.Message += "; the gateway's answer fits: " + strings.Join(fits, "; ")
	}
	if len(fits) != 1 {
		f.Severity = finding.SeverityWarning
		f.Fix = "say which: --product NAME (a key of that product) or --no-product (a key scoped to the API or all APIs)"
	}
	rep := reps[pick]
	rep.Findings = append([]finding.Finding{f}, rep.Findings...)
	return rep
}

func verdictWords(v string, status int) string {
	if status != 0 {
		return fmt.Sprintf("%s (%d)", v, status)
	}
	return v
}

// writeDiagnosis prints a report in the form asked for, and says by its
// error how the command ends.
func (f *Factory) writeDiagnosis(rep *diagnose.Report, o *DiagnoseOptions, source string) error {
	// Everything printed passes the invocation's redaction: a secret named
	// value that was substituted (from the folder, ARM or --named-value) may
	// stand in a finding's expected value or a message.
	err := f.printRedacted(f.IO.Out, func(w io.Writer) error {
		switch {
		case o.Format == "sarif":
			return sarif.Write(w, version, sarifResults(rep.Findings, o.APIOps))
		case f.Globals.Output == "json":
			return writeJSON(w, rep)
		}
		rep.WriteText(w, f.IO.Palette(), source)
		return nil
	})
	if err != nil {
		return err
	}
	if rep.Verdict == diagnose.Lint && f.Getenv("GITHUB_ACTIONS") == "true" {
		_ = f.printRedacted(f.IO.ErrOut, func(w io.Writer) error {
			sarif.Annotate(w, sarifResults(rep.Findings, o.APIOps))
			return nil
		})
	}
	switch {
	case rep.Verdict == diagnose.Accepted:
		return nil
	case rep.Verdict == diagnose.Unknown && rep.Basis == diagnose.BasisToken:
		return nil // as inspect: nothing is wrong with the token itself
	case rep.Verdict == diagnose.Lint:
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
	if o.ShowPolicy == "xml" {
		if err := f.printRedacted(f.IO.Out, t.Effective.WriteXML); err != nil {
			return err
		}
		if rep != nil {
			saved := f.IO.Out
			f.IO.Out = f.IO.ErrOut
			defer func() { f.IO.Out = saved }()
		}
	} else {
		_ = f.printRedacted(f.IO.Out, func(w io.Writer) error {
			fmt.Fprintf(w, "Effective policy: %s\n", t.Label)
			var result func(*policy.Node) string
			if rep != nil {
				result = rep.Result
			}
			t.Effective.WriteTree(w, result)
			fmt.Fprintln(w)
			return nil
		})
	}
	if rep == nil {
		return nil
	}
	return f.writeDiagnosis(rep, o, source)
}

// lintAPIOps lints every API and operation of an APIOps folder.
func (f *Factory) lintAPIOps(o *DiagnoseOptions) error {
	svc, err := policy.ReadAPIOps(o.APIOps)
	if err != nil {
		return flagErrorf("%v", err)
	}
	rep, err := diagnose.LintService(svc)
	if err != nil {
		return flagErrorf("%v", err)
	}
	return f.writeDiagnosis(rep, o, fmt.Sprintf("APIOps folder %s (%d APIs, %d products)", o.APIOps, len(svc.APIs), len(svc.Products)))
}
