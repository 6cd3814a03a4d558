// Package sarif writes findings as SARIF 2.1.0 for GitHub code scanning,
// and as GitHub Actions workflow commands (::error file=...,line=...::).
//
// References: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html,
// https://docs.github.com/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning,
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions.
package sarif

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
)

// Result is a finding with the file it belongs to, as the repository names
// it (forward slashes, relative to the repository root).
type Result struct {
	finding.Finding
	File string
	Line int
}

type log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool    tool     `json:"tool"`
	Results []result `json:"results"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []rule `json:"rules"`
}

type text struct {
	Text string `json:"text"`
}

type rule struct {
	ID                   string `json:"id"`
	ShortDescription     text   `json:"shortDescription"`
	Help                 text   `json:"help"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type result struct {
	RuleID    string     `json:"ruleId"`
	RuleIndex int        `json:"ruleIndex"`
	Level     string     `json:"level"`
	Message   text       `json:"message"`
	Locations []location `json:"locations,omitempty"`
}

type location struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region *region `json:"region,omitempty"`
	} `json:"physicalLocation"`
}

type region struct {
	StartLine int `json:"startLine"`
}

// Level maps a severity to SARIF's level.
func Level(s finding.Severity) string {
	switch s {
	case finding.SeverityError:
		return "error"
	case finding.SeverityWarning:
		return "warning"
	}
	return "note"
}

// Write writes results as one SARIF log: a rule per finding code (its
// catalogue description and fix), a result per finding with its file and
// line. version is the tool's version ("" when unknown).
func Write(w io.Writer, version string, results []Result) error {
	codes := map[string]finding.Severity{}
	for _, r := range results {
		if s, ok := codes[r.Code]; !ok || finding.Rank(r.Severity) < finding.Rank(s) {
			codes[r.Code] = r.Severity
		}
	}
	ids := make([]string, 0, len(codes))
	for c := range codes {
		ids = append(ids, c)
	}
	sort.Strings(ids)
	index := map[string]int{}
	d := driver{Name: "entratoken", Version: version, InformationURI: "https://github.com/entratoken/entratoken", Rules: []rule{}}
	for i, id := range ids {
		index[id] = i
		doc, _ := finding.Describe(id)
		ru := rule{ID: id, ShortDescription: text{orText(doc.When, id)}, Help: text{orText(doc.Fix, id)}}
		ru.DefaultConfiguration.Level = Level(codes[id])
		d.Rules = append(d.Rules, ru)
	}
	out := log{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []run{{Tool: tool{Driver: d}, Results: []result{}}}}
	for _, r := range results {
		msg := r.Message
		if r.Fix != "" {
			msg += " Fix: " + r.Fix
		}
		res := result{RuleID: r.Code, RuleIndex: index[r.Code], Level: Level(r.Severity), Message: text{msg}}
		if r.File != "" {
			var loc location
			loc.PhysicalLocation.ArtifactLocation.URI = r.File
			if r.Line > 0 {
				loc.PhysicalLocation.Region = &region{StartLine: r.Line}
			}
			res.Locations = []location{loc}
		}
		out.Runs[0].Results = append(out.Runs[0].Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Annotate writes each error-severity result as a GitHub Actions ::error
// command, escaped as the runner expects (properties: % \r \n : , and the
// message: % \r \n). Warnings stay in the report and the SARIF log.
func Annotate(w io.Writer, results []Result) {
	for _, r := range results {
		if r.Severity != finding.SeverityError {
			continue
		}
		props := "title=" + escapeProperty(r.Code)
		if r.File != "" {
			props = "file=" + escapeProperty(r.File) + "," + props
			if r.Line > 0 {
				props = strings.Replace(props, ",title=", fmt.Sprintf(",line=%d,title=", r.Line), 1)
			}
		}
		fmt.Fprintf(w, "::error %s::%s\n", props, escapeData(r.Message))
	}
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
