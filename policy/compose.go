package policy

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
)

// Scope is where a policy document is attached.
type Scope string

// Scopes, broadest first (api-management-howto-policies: "All APIs (service)
// > All APIs (workspace) > Product > API > API operation").
const (
	ScopeGlobal    Scope = "global"
	ScopeWorkspace Scope = "workspace"
	ScopeProduct   Scope = "product"
	ScopeAPI       Scope = "api"
	ScopeOperation Scope = "operation"
	ScopeFragment  Scope = "fragment"
)

// Scopes lists the scopes a request composes, broadest first.
var Scopes = []Scope{ScopeGlobal, ScopeWorkspace, ScopeProduct, ScopeAPI, ScopeOperation}

// ParseScope reads a scope name as the command line gives it.
func ParseScope(s string) (Scope, bool) {
	for _, sc := range Scopes {
		if strings.EqualFold(s, string(sc)) {
			return sc, true
		}
	}
	return "", false
}

func (s Scope) rank() int {
	for i, sc := range Scopes {
		if sc == s {
			return i
		}
	}
	return len(Scopes)
}

// Sections are the four sections of a policy, each composed on its own.
var Sections = []string{"inbound", "backend", "outbound", "on-error"}

// Set is what the gateway composes for one request: the document of each
// scope that applies (a scope without one is simply left out), the
// fragments and named values of the service.
type Set struct {
	Docs      []*Document          // at most one per scope
	Fragments map[string]*Document // by fragment-id
	Values    NamedValues
}

// Effective is a composed policy: a <policies> element whose sections hold
// the statements the gateway runs, in order. A <base/> or <include-fragment>
// keeps its place, Expanded, with the statements it stands for as children,
// so every statement still names its own document and line.
type Effective struct {
	Root *Node
	// Docs are the scope documents that took part, broadest first.
	Docs []*Document
	// Fragments are the fragments the policy includes, in order of first use.
	Fragments []*Document
	// Missing lists the <include-fragment> elements whose fragment is not
	// in the set, each once per fragment-id.
	Missing []*Node
	// Secrets are the values of secret named values that were substituted:
	// output must mask them.
	Secrets []string
	// Absent lists, per section, the narrower documents that lack the
	// section while a broader one has statements in it; the gateway's
	// behaviour for a missing section is not documented (see Compose).
	Absent []Absence

	unresolved []string
	values     NamedValues
}

// Absence is a section missing from a narrower scope's document.
type Absence struct {
	Section string
	Doc     *Document
}

// Compose builds the effective policy of set, following Microsoft's rules
// (api-management-howto-policies): the sections compose independently; the
// narrowest scope's section is the root; each <base/> in it is replaced by
// the same section of the next broader scope; without <base/> the broader
// scopes do not run for that section; a scope with no document is
// transparent; <base/> at global scope has no effect. A document that lacks a
// section altogether is treated as if that section held only <base/> (the
// scope is transparent for it): the documentation does not say, and Absent
// records where it matters. Fragments are inlined where included and named
// values substituted where known; unknown ones stay as written.
func Compose(set Set) (*Effective, error) {
	docs := make([]*Document, 0, len(set.Docs))
	seen := map[Scope]*Document{}
	for _, d := range set.Docs {
		if d == nil {
			continue
		}
		if prev, dup := seen[d.Scope]; dup {
			return nil, fmt.Errorf("two documents for scope %s (%s and %s): give at most one per scope", orAPI(d.Scope), prev.File, d.File)
		}
		seen[d.Scope] = d
		docs = append(docs, d)
	}
	// Broadest first; documents without a scope are the API's (a bare --policy FILE).
	for i := 1; i < len(docs); i++ {
		for j := i; j > 0 && rankOf(docs[j]) < rankOf(docs[j-1]); j-- {
			docs[j], docs[j-1] = docs[j-1], docs[j]
		}
	}
	c := &composer{set: set, docs: docs, missing: map[string]bool{}, secret: map[string]bool{}, unresolved: map[string]bool{}}
	e := &Effective{Docs: docs, values: set.Values}
	root := &Node{Name: "policies", Line: 1}
	if len(docs) > 0 {
		root.Doc = docs[len(docs)-1]
	}
	for _, name := range Sections {
		stmts, err := c.section(name, len(docs)-1, 0)
		if err != nil {
			return nil, err
		}
		sec := &Node{Name: name, Children: stmts, Doc: root.Doc}
		if root.Doc != nil {
			if s := root.Doc.Root.Child(name); s != nil {
				sec.Line = s.Line
			}
		}
		root.Children = append(root.Children, sec)
	}
	e.Root = root
	e.Fragments = c.used
	e.Missing = c.missingNodes
	e.Absent = c.absent
	e.unresolved = sortedKeys(c.unresolved)
	for v := range c.secret {
		e.Secrets = append(e.Secrets, v)
	}
	return e, nil
}

// OrAPI is s, or api for a document given without a scope (a bare --policy FILE).
func (s Scope) OrAPI() Scope { return orAPI(s) }

func orAPI(s Scope) Scope {
	if s == "" {
		return ScopeAPI
	}
	return s
}

func rankOf(d *Document) int { return orAPI(d.Scope).rank() }

type composer struct {
	set          Set
	docs         []*Document
	missing      map[string]bool
	missingNodes []*Node
	secret       map[string]bool
	unresolved   map[string]bool
	absent       []Absence
	used         []*Document
}

// maxFragmentDepth bounds fragments including fragments.
const maxFragmentDepth = 8

// section returns the composed statements of a section from docs[:idx+1].
func (c *composer) section(name string, idx, depth int) ([]*Node, error) {
	for ; idx >= 0; idx-- {
		d := c.docs[idx]
		stmts, ok := d.Section(name)
		if ok {
			return c.clone(stmts, name, idx, depth)
		}
		if idx > 0 && c.hasStatements(name, idx-1) {
			c.absent = append(c.absent, Absence{Section: name, Doc: d})
		}
	}
	return nil, nil
}

func (c *composer) hasStatements(name string, idx int) bool {
	for ; idx >= 0; idx-- {
		if s, ok := c.docs[idx].Section(name); ok {
			return len(s) > 0
		}
	}
	return false
}

func (c *composer) clone(nodes []*Node, section string, idx, depth int) ([]*Node, error) {
	out := make([]*Node, 0, len(nodes))
	for _, n := range nodes {
		m := &Node{Name: n.Name, Line: n.Line, Doc: n.Doc, Text: n.Text}
		if len(n.Attrs) > 0 {
			m.Attrs = make([]xml.Attr, len(n.Attrs))
			for i, a := range n.Attrs {
				a.Value = c.substitute(a.Value)
				m.Attrs[i] = a
			}
		}
		if !isLiquid(n) {
			m.Text = c.substitute(n.Text)
		}
		var err error
		switch n.Name {
		case "base":
			m.Expanded = true
			m.Children, err = c.section(section, idx-1, depth)
		case "include-fragment":
			id := strings.TrimSpace(m.AttrOr("fragment-id", ""))
			frag, ok := c.set.Fragments[id]
			switch {
			case !ok:
				if !c.missing[id] {
					c.missing[id] = true
					c.missingNodes = append(c.missingNodes, m)
				}
			case depth >= maxFragmentDepth:
				return nil, &ParseError{File: n.Doc.File, Line: n.Line, Msg: fmt.Sprintf("fragments include each other more than %d levels deep (fragment %q)", maxFragmentDepth, id)}
			default:
				if !slices.Contains(c.used, frag) {
					c.used = append(c.used, frag)
				}
				stmts, _ := frag.Section("inbound")
				m.Expanded = true
				m.Children, err = c.clone(stmts, section, idx, depth+1)
			}
		default:
			m.Children, err = c.clone(n.Children, section, idx, depth)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (c *composer) substitute(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	out, missing := Substitute(s, c.set.Values)
	for _, name := range missing {
		c.unresolved[name] = true
	}
	for _, name := range Refs(s) {
		if nv, ok := c.set.Values[name]; ok && nv.Secret && nv.HasValue && nv.Value != "" {
			c.secret[nv.Value] = true
		}
	}
	return out
}

// Unresolved returns the named values the effective policy refers to and
// the set does not hold a value for, sorted.
func (e *Effective) Unresolved() []string { return e.unresolved }

// Values returns the named values the policy was composed with.
func (e *Effective) Values() NamedValues { return e.values }

// Value returns what the set knows of a named value.
func (e *Effective) Value(name string) (NamedValue, bool) {
	nv, ok := e.values[name]
	return nv, ok
}

// Section returns the composed statements of a section.
func (e *Effective) Section(name string) []*Node {
	if s := e.Root.Child(name); s != nil {
		return s.Children
	}
	return nil
}

// Document returns the effective policy as one document, for evaluation.
func (e *Effective) Document() *Document {
	return &Document{Root: e.Root, Scope: "", File: ""}
}

// Source says where n stands, for findings.
func Source(n *Node) *finding.Source {
	if n == nil || n.Doc == nil {
		return nil
	}
	return &finding.Source{Scope: string(orAPI(n.Doc.Scope)), File: n.Doc.File, Line: n.Line}
}

// FindRef returns the first statement of the effective policy whose
// attributes or text refer to the named value, for saying where it is used.
func (e *Effective) FindRef(name string) *Node {
	var find func(nodes []*Node) *Node
	find = func(nodes []*Node) *Node {
		for _, n := range nodes {
			for _, a := range n.Attrs {
				if containsRef(a.Value, name) {
					return n
				}
			}
			if containsRef(n.Text, name) {
				return n
			}
			if m := find(n.Children); m != nil {
				return m
			}
		}
		return nil
	}
	return find(e.Root.Children)
}

func containsRef(s, name string) bool {
	for _, r := range Refs(s) {
		if r == name {
			return true
		}
	}
	return false
}
