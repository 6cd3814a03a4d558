// Package policy reads Azure API Management policy documents: the XML the
// gateway runs at each scope (global, workspace, product, API, operation),
// with APIM's C# policy expressions, {{named values}} and fragments, and
// composes them into the effective policy the gateway runs for a request.
// Every element keeps the document it came from and the line its start tag
// is on, so findings can say where they stand. Diagnose evaluates what this
// package reads; lint and the evidence sources (files, APIOps folders, ARM)
// share it.
//
// References: https://learn.microsoft.com/azure/api-management/api-management-howto-policies
// (scopes, sections, <base/>), .../api-management-howto-properties (named
// values), .../policy-fragments (fragments).
package policy

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// MaxDepth bounds how deeply elements may nest. Real policies nest a few
// levels (choose/when/choose/...); a deeper document is refused rather than
// walked recursively.
const MaxDepth = 100

// Node is one element of a policy document, with the line it starts on.
type Node struct {
	Name     string
	Attrs    []xml.Attr
	Children []*Node
	Text     string
	Line     int
	// Doc is the document the element was read from: its scope and file.
	Doc *Document
	// Expanded marks a <base/> or <include-fragment> whose Children are the
	// statements it stands for in an effective policy (see Compose).
	Expanded bool
}

// Attr returns an attribute's value.
func (n *Node) Attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// AttrOr returns an attribute's value or def.
func (n *Node) AttrOr(name, def string) string {
	if v, ok := n.Attr(name); ok {
		return v
	}
	return def
}

// Child returns the first child element with the name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// All returns the children with the name.
func (n *Node) All(name string) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Document is a parsed policy: a whole <policies> document or a fragment
// (a <fragment> element, or loose statements as people paste them).
type Document struct {
	Root     *Node // <policies>, <fragment>, or a synthetic root holding loose statements
	Fragment bool
	// Scope and File say where the document came from; Read leaves them to
	// the caller (Load and the sources set them).
	Scope Scope
	File  string
	// ID names a fragment (its fragment-id) when Scope is ScopeFragment.
	ID string
}

// Section returns the statements of a section (inbound, backend, outbound,
// on-error) and whether the document has it. A fragment's statements are
// its inbound: that is where a pasted fragment is evaluated.
func (d *Document) Section(name string) ([]*Node, bool) {
	if s := d.Root.Child(name); s != nil && d.Root.Name == "policies" {
		return s.Children, true
	}
	if d.Fragment {
		if s := d.Root.Child(name); s != nil {
			return s.Children, true
		}
		if name == "inbound" {
			return d.Root.Children, true
		}
	}
	return nil, false
}

// Inbound returns the statements APIM runs on the request.
func (d *Document) Inbound() []*Node {
	s, _ := d.Section("inbound")
	return s
}

// ParseError is a policy that cannot be read: exit 2.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	where := "policy"
	if e.File != "" {
		where = e.File
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", where, e.Line, e.Msg)
	}
	return where + ": " + e.Msg
}

// Read parses a policy document or fragment. Named values stay as they are
// written ({{name}}): Compose substitutes them where they are known. C#
// expressions (@(...) and @{...}), which APIM allows to hold quotes and
// angle brackets that plain XML does not, are escaped before parsing and come
// back intact. Time and memory are linear in the input.
func Read(src []byte) (*Document, error) {
	escaped, err := escapeExpressions(string(src))
	if err != nil {
		return nil, err
	}
	// Several top-level elements (a pasted fragment) parse inside a wrapper.
	root, err := parseNodes("<fragment-root>" + stripXMLDecl(escaped) + "</fragment-root>")
	if err != nil {
		return nil, err
	}
	d := &Document{}
	switch {
	case len(root.Children) == 1 && root.Children[0].Name == "policies":
		d.Root = root.Children[0]
	case len(root.Children) == 1 && root.Children[0].Name == "fragment":
		d.Root, d.Fragment = root.Children[0], true
	case len(root.Children) == 0:
		return nil, &ParseError{Msg: "no policy elements found"}
	default:
		root.Name = ""
		d.Root, d.Fragment = root, true
	}
	d.adopt()
	return d, nil
}

// adopt points every node at d.
func (d *Document) adopt() {
	var walk func(n *Node)
	walk = func(n *Node) {
		n.Doc = d
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(d.Root)
}

// Parse reads a policy and substitutes named values from values: a name
// that is not given is an error naming every missing one. It is the
// single-document form diagnose has always offered; Read and Compose keep
// unknown names instead, for the callers that know which values decide.
func Parse(src []byte, values map[string]string) (*Document, error) {
	d, err := Read(src)
	if err != nil {
		return nil, err
	}
	nv := NamedValues{}
	for k, v := range values {
		nv[k] = NamedValue{Value: v, HasValue: true}
	}
	c := &composer{set: Set{Values: nv}, missing: map[string]bool{}, secret: map[string]bool{}, unresolved: map[string]bool{}}
	root, err := c.clone([]*Node{d.Root}, "", -1, 0)
	if err != nil {
		return nil, err
	}
	if missing := sortedKeys(c.unresolved); len(missing) > 0 {
		return nil, &ParseError{Msg: fmt.Sprintf("named value(s) not given: %s (pass --named-value name=value for each)", strings.Join(missing, ", "))}
	}
	d.Root = root[0]
	return d, nil
}

func stripXMLDecl(s string) string {
	t := strings.TrimLeft(s, " \t\r\n")
	if strings.HasPrefix(t, "<?xml") {
		if i := strings.Index(t, "?>"); i > 0 {
			// Keep the line count: the declaration's own newlines, and those before it.
			lead := strings.Count(s[:len(s)-len(t)], "\n")
			return strings.Repeat("\n", lead+strings.Count(t[:i], "\n")) + t[i+2:]
		}
	}
	return s
}

// lineCounter turns byte offsets into line numbers in one pass: offsets
// only grow while a document is parsed.
type lineCounter struct {
	text string
	off  int
	line int
}

func (lc *lineCounter) at(off int64) int {
	o := min(int(off), len(lc.text))
	if o > lc.off {
		lc.line += strings.Count(lc.text[lc.off:o], "\n")
		lc.off = o
	}
	return lc.line
}

func parseNodes(text string) (*Node, error) {
	dec := xml.NewDecoder(strings.NewReader(text))
	dec.Strict = true
	lines := &lineCounter{text: text, line: 1}
	var stack []*Node
	var texts []*strings.Builder
	var root *Node
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			if se, ok := err.(*xml.SyntaxError); ok {
				line = se.Line
			}
			return nil, &ParseError{Line: line, Msg: "not well-formed XML: " + strings.TrimPrefix(err.Error(), fmt.Sprintf("XML syntax error on line %d: ", line))}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: t.Name.Local, Attrs: t.Attr, Line: lines.at(off)}
			if len(stack) > MaxDepth {
				return nil, &ParseError{Line: n.Line, Msg: fmt.Sprintf("elements nest deeper than %d levels", MaxDepth)}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
			texts = append(texts, nil)
		case xml.EndElement:
			if b := texts[len(texts)-1]; b != nil {
				stack[len(stack)-1].Text = b.String()
			}
			stack, texts = stack[:len(stack)-1], texts[:len(texts)-1]
		case xml.CharData:
			if len(stack) > 0 {
				b := texts[len(texts)-1]
				if b == nil {
					b = &strings.Builder{}
					texts[len(texts)-1] = b
				}
				b.Write(t)
			}
		}
	}
	if root == nil {
		return nil, &ParseError{Msg: "empty policy"}
	}
	return root, nil
}
