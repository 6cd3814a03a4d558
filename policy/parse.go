// Package policy reads Azure API Management policy documents: the XML the
// gateway runs at each scope (global, workspace, product, API, operation),
// with APIM's C# policy expressions, {{named values}} and fragments. It keeps
// the line every element starts on, so findings can name where they stand.
// Diagnose evaluates what this package reads; lint and the live sources
// (APIOps folders, ARM) share it.
//
// Reference: https://learn.microsoft.com/azure/api-management/api-management-howto-policies
package policy

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Node is one element of a policy document, with the line it starts on.
type Node struct {
	Name     string
	Attrs    []xml.Attr
	Children []*Node
	Text     string
	Line     int
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

// Document is a parsed policy: a whole <policies> document or a fragment.
type Document struct {
	Root     *Node // <policies>, or a synthetic root holding a fragment's elements
	Fragment bool
}

// Inbound returns the statements APIM runs on the request: <inbound>'s
// children, or a fragment's top-level elements.
func (p *Document) Inbound() []*Node {
	if p.Fragment {
		if in := p.Root.Child("inbound"); in != nil {
			return in.Children
		}
		return p.Root.Children
	}
	if in := p.Root.Child("inbound"); in != nil {
		return in.Children
	}
	return nil
}

// ParseError is a policy that cannot be read: exit 2.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("policy line %d: %s", e.Line, e.Msg)
	}
	return "policy: " + e.Msg
}

// Parse reads a policy. Named values ({{name}}) are replaced from values; a
// missing one is an error naming every missing name. C# expressions
// (@(...) and @{...}), which APIM allows to contain quotes and angle brackets
// that plain XML does not, are escaped before parsing and come back intact.
func Parse(src []byte, values map[string]string) (*Document, error) {
	var missing []string
	text := replaceNamedValues(string(src), func(name string) (string, bool) {
		v, ok := values[name]
		if !ok {
			missing = append(missing, name)
		}
		return v, ok
	})
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, &ParseError{Msg: fmt.Sprintf("named value(s) not given: %s (pass --named-value name=value for each)", strings.Join(dedupe(missing), ", "))}
	}
	escaped, err := escapeExpressions(text)
	if err != nil {
		return nil, err
	}
	// A fragment may have several top-level elements: parse inside a wrapper.
	wrapped := "<fragment-root>" + stripXMLDecl(escaped) + "</fragment-root>"
	root, err := parseNodes(wrapped)
	if err != nil {
		return nil, err
	}
	if len(root.Children) == 1 && root.Children[0].Name == "policies" {
		return &Document{Root: root.Children[0]}, nil
	}
	if len(root.Children) == 0 {
		return nil, &ParseError{Msg: "no policy elements found"}
	}
	return &Document{Root: root, Fragment: true}, nil
}

// replaceNamedValues replaces each {{name}} with its value; unknown names
// stay as they are.
func replaceNamedValues(s string, value func(string) (string, bool)) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 || strings.ContainsAny(s[i+2:i+2+j], "{}") {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		name := strings.TrimSpace(s[i+2 : i+2+j])
		if v, ok := value(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+4+j])
		}
		s = s[i+4+j:]
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func stripXMLDecl(s string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "<?xml") {
		if i := strings.Index(t, "?>"); i > 0 {
			// Keep the line count: replace the declaration with as many newlines.
			return strings.Repeat("\n", strings.Count(t[:i], "\n")) + t[i+2:]
		}
	}
	return s
}

func parseNodes(text string) (*Node, error) {
	dec := xml.NewDecoder(strings.NewReader(text))
	dec.Strict = true
	lineAt := func(off int64) int { return 1 + strings.Count(text[:min(int(off), len(text))], "\n") }
	var stack []*Node
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
			n := &Node{Name: t.Name.Local, Attrs: t.Attr, Line: lineAt(off)}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, &ParseError{Msg: "empty policy"}
	}
	return root, nil
}

// escapeExpressions XML-escapes the inside of every @(...) and @{...}, so
// that APIM's C# expressions (which may hold quotes, <, > and &&) parse as
// attribute values and text. Line numbers are unchanged.
func escapeExpressions(s string) (string, error) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i:], "-->")
			if end < 0 {
				return "", &ParseError{Line: 1 + strings.Count(s[:i], "\n"), Msg: "unterminated comment"}
			}
			b.WriteString(s[i : i+end+3])
			i += end + 3
			continue
		}
		if strings.HasPrefix(s[i:], "<![CDATA[") {
			end := strings.Index(s[i:], "]]>")
			if end < 0 {
				return "", &ParseError{Line: 1 + strings.Count(s[:i], "\n"), Msg: "unterminated CDATA"}
			}
			b.WriteString(s[i : i+end+3])
			i += end + 3
			continue
		}
		if s[i] == '@' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{') {
			end, err := matchExpression(s, i+1)
			if err != nil {
				return "", err
			}
			b.WriteString("@")
			b.WriteString(xmlEscape(s[i+1 : end+1]))
			i = end + 1
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String(), nil
}

// matchExpression returns the index of the bracket closing the one at open,
// skipping C# string and character literals.
func matchExpression(s string, open int) (int, error) {
	closeCh := byte(')')
	if s[open] == '{' {
		closeCh = '}'
	}
	depth := 0
	for j := open; j < len(s); j++ {
		switch c := s[j]; c {
		case '"':
			verbatim := j > 0 && s[j-1] == '@'
			j++
			for j < len(s) {
				if !verbatim && s[j] == '\\' {
					j += 2
					continue
				}
				if s[j] == '"' {
					if verbatim && j+1 < len(s) && s[j+1] == '"' {
						j += 2
						continue
					}
					break
				}
				j++
			}
		case '\'':
			j++
			for j < len(s) && s[j] != '\'' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
		case '(', '{':
			depth++
		case ')', '}':
			depth--
			if depth == 0 {
				if c != closeCh {
					return 0, &ParseError{Line: 1 + strings.Count(s[:j], "\n"), Msg: "unbalanced brackets in a policy expression"}
				}
				return j, nil
			}
		}
	}
	return 0, &ParseError{Line: 1 + strings.Count(s[:open], "\n"), Msg: "unterminated policy expression (@( or @{ without its closing bracket)"}
}

func xmlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			// Already-escaped entities (&quot; written by the portal) stay.
			if j := strings.IndexByte(s[i:], ';'); j > 1 && j < 8 && isEntity(s[i+1:i+j]) {
				b.WriteByte('&')
			} else {
				b.WriteString("&amp;")
			}
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isEntity(name string) bool {
	switch name {
	case "lt", "gt", "amp", "quot", "apos":
		return true
	}
	return strings.HasPrefix(name, "#")
}

// IsExpression reports whether an attribute value or text is a C# policy
// expression rather than a literal.
func IsExpression(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "@(") || strings.HasPrefix(s, "@{")
}
