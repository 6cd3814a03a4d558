package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/internal/aadsts"
	"github.com/entratoken/entratoken/internal/finding"
)

type explainJSON struct {
	Code    string `json:"code"`
	Kind    string `json:"kind"` // aadsts or finding
	Name    string `json:"name,omitempty"`
	Finding string `json:"finding,omitempty"`
	Side    string `json:"side"`
	Cause   string `json:"cause"`
	Fix     string `json:"fix"`
	URL     string `json:"url,omitempty"`
}

func newExplainCmd(f *Factory) *cobra.Command {
	var list bool
	cmd := &cobra.Command{
		Use:   "explain AADSTS<code> | IDX<code> | FINDING_CODE",
		Short: "Explain an AADSTS error code, an IDX code from an APIM trace, or a finding code",
		Long: `Explain an Entra error code (AADSTS7000215, or just 7000215), an IdentityModel code as
APIM's trace shows it (IDX10205), or a finding code that entratoken reports (ROLE_MISSING):
the cause, who has to act, and the fix. --list lists every code entratoken knows. Nothing is
looked up online.`,
		Example: `  entratoken explain AADSTS7000215
  entratoken explain IDX10205
  entratoken explain ROLE_MISSING
  entratoken explain --list -o json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list && len(args) == 0 || !list && len(args) == 1 {
				return nil
			}
			return flagErrorf("give one code (AADSTS7000215, IDX10205 or ROLE_MISSING), or --list")
		},
		RunE: func(_ *cobra.Command, args []string) error {
			f.markRan()
			if list {
				return explainList(f)
			}
			return explainOne(f, args[0])
		},
	}
	cmd.Flags().BoolVar(&list, "list", false, "list every code entratoken knows")
	return cmd
}

func explainOne(f *Factory, code string) error {
	var e explainJSON
	upper := strings.ToUpper(strings.TrimSpace(code))
	if strings.HasPrefix(upper, "IDX") {
		x, ok := finding.LookupIDX(upper)
		if !ok {
			return flagErrorf("%s is not an IdentityModel code entratoken knows (it knows %s)", upper, "IDX10205, IDX10214, IDX10222, IDX10223, IDX10225, IDX10500, IDX10501, IDX10503, IDX10504, IDX10511, IDX10634, IDX12709, IDX12741")
		}
		d, _ := finding.Describe(x.Finding)
		return writeExplain(f, explainJSON{Code: x.Code, Kind: "identitymodel", Finding: x.Finding, Side: d.Side,
			Cause: x.Means + " (as APIM's trace shows: \"JWT Validation Failed: " + x.Code + ": ...\")", Fix: d.Fix + "; entratoken diagnose TOKEN --policy POLICY names the exact cause"})
	}
	if n := aadsts.CodeIn("AADSTS" + strings.TrimPrefix(upper, "AADSTS")); n != 0 {
		entry, ok := aadsts.Lookup(n)
		if !ok {
			e = explainJSON{Code: fmt.Sprintf("AADSTS%d", n), Kind: "aadsts",
				Cause: "not in entratoken's table", Fix: "look it up at Microsoft's error page",
				URL: fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", n)}
			_ = writeExplain(f, e)
			return errFailed
		}
		e = explainJSON{Code: entry.ID(), Kind: "aadsts", Name: entry.Name, Finding: entry.Finding, Side: entry.Side,
			Cause: entry.Cause, Fix: entry.Fix, URL: fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", n)}
	} else if d, ok := finding.Describe(upper); ok {
		e = explainJSON{Code: d.Code, Kind: "finding", Side: d.Side, Cause: d.When, Fix: d.Fix}
	} else {
		return flagErrorf("%q is neither an AADSTS code nor a finding code (entratoken explain --list shows them all)", code)
	}
	return writeExplain(f, e)
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
	return nil
}

func explainList(f *Factory) error {
	var all []explainJSON
	for _, e := range aadsts.All() {
		all = append(all, explainJSON{Code: e.ID(), Kind: "aadsts", Name: e.Name, Finding: e.Finding, Side: e.Side, Cause: e.Cause, Fix: e.Fix})
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
