package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/internal/aadsts"
	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
)

type explainJSON struct {
	Code    string   `json:"code"`
	Kind    string   `json:"kind"` // aadsts, identitymodel or finding
	Name    string   `json:"name,omitempty"`
	Finding string   `json:"finding,omitempty"`
	Side    string   `json:"side"`
	Cause   string   `json:"cause"`
	Fix     string   `json:"fix"`
	URL     string   `json:"url,omitempty"`
	Also    []string `json:"also,omitempty"` // other codes the pasted text names
}

func newExplainCmd(f *Factory) *cobra.Command {
	var list bool
	cmd := &cobra.Command{
		Use:   "explain CODE | MESSAGE | @FILE | -",
		Short: "Explain an AADSTS error code, an IDX code from an APIM trace, or a finding code",
		Long: `Explain an Entra error code (AADSTS7000215, or just 7000215), an IdentityModel code as
APIM's trace and 401s show it (IDX10205), or a finding code that entratoken reports
(ROLE_MISSING): the cause, who has to act, and the fix.

A whole pasted message or trace line works too: the code in it is found and explained
("JWT Validation Failed: IDX10214: ...", "AADSTS700016: Application with identifier ...").
@FILE reads it from a file; - (or no argument, with a pipe) from stdin. --list lists every code
entratoken knows. Nothing is looked up online.`,
		Example: `  entratoken explain AADSTS7000215
  entratoken explain IDX10205
  entratoken explain ROLE_MISSING
  entratoken explain "JWT Validation Failed: IDX10214: Audience validation failed. ..."
  az account get-access-token --resource api://x 2>&1 | entratoken explain -
  entratoken explain --list -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list && len(args) > 0 {
				return flagErrorf("explain --list takes no code")
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if list {
				f.markRan()
				return explainList(f)
			}
			text, err := explainInput(f, args)
			if err != nil {
				return err
			}
			f.markRan()
			return explainText(f, text)
		},
	}
	cmd.Flags().BoolVar(&list, "list", false, "list every code entratoken knows (AADSTS, IDX and finding codes)")
	return cmd
}

// explainInput is the text to explain: the arguments (a message pasted
// without quotes arrives as several), a file as @path, or stdin for - or a
// pipe.
func explainInput(f *Factory, args []string) (string, error) {
	if len(args) == 1 && args[0] == "-" || len(args) == 0 && !f.IO.InTTY && f.IO.In != nil {
		b, err := iostreams.ReadAll(f.IO.In, 1<<20)
		if err != nil {
			return "", flagErrorf("explain: reading stdin: %v", err)
		}
		if strings.TrimSpace(string(b)) != "" {
			return string(b), nil
		}
	} else if len(args) == 1 && strings.HasPrefix(args[0], "@") && len(args[0]) > 1 {
		b, err := iostreams.ReadFile(args[0][1:], 1<<20)
		if err != nil {
			return "", flagErrorf("explain: %s: %v", args[0][1:], err)
		}
		return string(b), nil
	} else if len(args) > 0 {
		return strings.Join(args, " "), nil
	}
	return "", flagErrorf("explain needs a code (AADSTS7000215, IDX10205, ROLE_MISSING) or a message containing one, or --list")
}

var (
	// codePattern finds AADSTS and IDX codes anywhere in pasted text.
	codePattern = regexp.MustCompile(`(?i)\b(?:AADSTS[0-9]{4,8}|IDX[0-9]{5})\b`)
	// wordPattern finds finding-code-shaped words (ROLE_MISSING).
	wordPattern = regexp.MustCompile(`\b[A-Z][A-Z_]*_[A-Z_]*[A-Z]\b|\b[A-Z]{4,}\b`)
	// apimPhrases are APIM's built-in refusals that carry no code.
	apimPhrases = []struct{ phrase, code string }{
		{"jwt not present", finding.TokenMissing},
		{"missing subscription key", finding.SubscriptionKeyMiss},
	}
)

// mention is a code found in pasted text, and where.
type mention struct {
	code string
	at   int
}

// codesIn returns the codes text names, in order, each once: AADSTS and IDX
// codes, finding codes, and APIM's built-in refusals when nothing else is
// named. A bare number is an AADSTS code.
func codesIn(text string) []string {
	t := strings.TrimSpace(text)
	if t != "" && strings.Trim(t, "0123456789") == "" {
		t = "AADSTS" + t
	}
	var ms []mention
	for _, loc := range codePattern.FindAllStringIndex(t, -1) {
		ms = append(ms, mention{strings.ToUpper(t[loc[0]:loc[1]]), loc[0]})
	}
	for _, loc := range wordPattern.FindAllStringIndex(t, -1) {
		if _, ok := finding.Describe(t[loc[0]:loc[1]]); ok {
			ms = append(ms, mention{t[loc[0]:loc[1]], loc[0]})
		}
	}
	if len(ms) == 0 {
		if _, ok := finding.Describe(strings.ToUpper(t)); ok { // role_missing
			return []string{strings.ToUpper(t)}
		}
		lower := strings.ToLower(t)
		for _, p := range apimPhrases {
			if i := strings.Index(lower, p.phrase); i >= 0 {
				ms = append(ms, mention{p.code, i})
			}
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].at < ms[j].at })
	var out []string
	seen := map[string]bool{}
	for _, m := range ms {
		if !seen[m.code] {
			seen[m.code] = true
			out = append(out, m.code)
		}
	}
	return out
}

// explainText explains the first code text names that entratoken knows,
// and lists the others.
func explainText(f *Factory, text string) error {
	codes := codesIn(text)
	if len(codes) == 0 {
		return flagErrorf("no AADSTS, IDX or finding code found in %q (entratoken explain --list shows them all)", clip(f.redact(text), 80))
	}
	pick := 0
	for i, c := range codes {
		if _, ok := explainCode(c); ok {
			pick = i
			break
		}
	}
	e, ok := explainCode(codes[pick])
	e.Also = append(append([]string{}, codes[:pick]...), codes[pick+1:]...)
	if !ok && e.Kind == "identitymodel" {
		var known []string
		for _, x := range finding.IDXCodes() {
			known = append(known, x.Code)
		}
		return flagErrorf("%s is not an IdentityModel code entratoken knows (it knows %s)", e.Code, strings.Join(known, ", "))
	}
	if err := writeExplain(f, e); err != nil {
		return err
	}
	if !ok {
		return errFailed
	}
	return nil
}

// explainCode explains one code; ok is false when entratoken does not know it.
func explainCode(code string) (explainJSON, bool) {
	switch {
	case strings.HasPrefix(code, "IDX"):
		x, ok := finding.LookupIDX(code)
		if !ok {
			return explainJSON{Code: code, Kind: "identitymodel"}, false
		}
		return idxJSON(x), true
	case strings.HasPrefix(code, "AADSTS"):
		n := aadsts.CodeIn(code)
		url := fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", n)
		entry, ok := aadsts.Lookup(n)
		if !ok {
			return explainJSON{Code: code, Kind: "aadsts", Cause: "not in entratoken's table",
				Fix: "look it up at Microsoft's error page", URL: url}, false
		}
		return explainJSON{Code: entry.ID(), Kind: "aadsts", Name: entry.Name, Finding: entry.Finding, Side: entry.Side,
			Cause: entry.Cause, Fix: entry.Fix, URL: url}, true
	}
	d, ok := finding.Describe(code)
	return explainJSON{Code: d.Code, Kind: "finding", Side: d.Side, Cause: d.When, Fix: d.Fix}, ok
}

func idxJSON(x finding.IDX) explainJSON {
	d, _ := finding.Describe(x.Finding)
	return explainJSON{Code: x.Code, Kind: "identitymodel", Finding: x.Finding, Side: d.Side,
		Cause: x.Means + " (as APIM's trace shows: \"JWT Validation Failed: " + x.Code + ": ...\")",
		Fix:   d.Fix + "; entratoken diagnose TOKEN --policy POLICY names the exact cause"}
}

func writeExplain(f *Factory, e explainJSON) error {
	if f.Globals.Output == "json" {
		return writeJSON(f.IO.Out, e)
	}
	p, w := f.IO.Palette(), f.IO.Out
	title := e.Code
	if e.Name != "" {
		title += "  " + e.Name
	}
	fmt.Fprintln(w, p.Bold(title))
	if e.Finding != "" {
		fmt.Fprintf(w, "  finding:  %s\n", e.Finding)
	}
	if e.Side != "" {
		fmt.Fprintf(w, "  who acts: %s\n", e.Side)
	}
	fmt.Fprintf(w, "  cause:    %s\n", e.Cause)
	fmt.Fprintf(w, "  %s      %s\n", p.Green("fix:"), e.Fix)
	if e.URL != "" {
		fmt.Fprintf(w, "  more:     %s\n", e.URL)
	}
	if len(e.Also) > 0 {
		fmt.Fprintf(w, "  also in the message: %s (entratoken explain %s)\n", strings.Join(e.Also, ", "), e.Also[0])
	}
	return nil
}

func explainList(f *Factory) error {
	var all []explainJSON
	for _, e := range aadsts.All() {
		all = append(all, explainJSON{Code: e.ID(), Kind: "aadsts", Name: e.Name, Finding: e.Finding, Side: e.Side, Cause: e.Cause, Fix: e.Fix})
	}
	for _, x := range finding.IDXCodes() {
		all = append(all, idxJSON(x))
	}
	for _, d := range finding.Catalogue() {
		all = append(all, explainJSON{Code: d.Code, Kind: "finding", Side: d.Side, Cause: d.When, Fix: d.Fix})
	}
	if f.Globals.Output == "json" {
		return writeJSON(f.IO.Out, all)
	}
	for _, e := range all {
		fmt.Fprintf(f.IO.Out, "%-32s %s\n", e.Code, e.Cause)
	}
	return nil
}

// clip shortens s to n runes for a message.
func clip(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
