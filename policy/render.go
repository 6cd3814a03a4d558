package policy

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Label names a statement for people: its element and the attribute that
// tells it apart (set-header's name, include-fragment's fragment-id, ...).
func Label(n *Node) string {
	for _, a := range []string{"fragment-id", "name", "header-name", "tenant-id", "variable-name", "id", "condition"} {
		if v, ok := n.Attr(a); ok && v != "" {
			v = strings.Join(strings.Fields(v), " ")
			if len(v) > 60 {
				v = v[:57] + "..."
			}
			return fmt.Sprintf("<%s %s=%q>", n.Name, a, v)
		}
	}
	return "<" + n.Name + ">"
}

// Where says where a node stands: "api apis/orders/policy.xml:4".
func Where(n *Node) string {
	s := Source(n)
	if s == nil {
		return ""
	}
	if s.File == "" {
		return fmt.Sprintf("%s line %d", s.Scope, s.Line)
	}
	return fmt.Sprintf("%s %s:%d", s.Scope, s.File, s.Line)
}

// statementChildren are the elements whose children are statements (the
// rest hold configuration: validate-jwt's audiences, set-header's value).
var statementChildren = map[string]bool{"choose": true, "when": true, "otherwise": true, "retry": true, "wait": true, "base": true, "include-fragment": true}

// WriteTree writes the effective policy as the gateway runs it: each section,
// then each statement on its own line, indented under the <base/>,
// <include-fragment>, <choose> and <when> it runs in, with where it stands.
// result, when not nil, annotates a statement with what happened to it.
func (e *Effective) WriteTree(w io.Writer, result func(*Node) string) {
	for _, sec := range e.Root.Children {
		fmt.Fprintf(w, "%s\n", sec.Name)
		if len(sec.Children) == 0 {
			fmt.Fprintln(w, "  (nothing runs)")
		}
		writeTree(w, sec.Children, 1, result)
	}
}

func writeTree(w io.Writer, nodes []*Node, depth int, result func(*Node) string) {
	for _, n := range nodes {
		label := Label(n)
		switch {
		case n.Name == "base" && n.Expanded && len(n.Children) == 0:
			label += "  (no broader scope has statements here)"
		case n.Name == "base" && n.Expanded:
			label += "  runs " + scopesOf(n.Children)
		case n.Name == "include-fragment" && !n.Expanded:
			label += "  (fragment not available)"
		}
		line := strings.Repeat("  ", depth) + label
		pad := 56 - len(line)
		if pad < 2 {
			pad = 2
		}
		line += strings.Repeat(" ", pad) + Where(n)
		if result != nil {
			if r := result(n); r != "" {
				line += "  " + r
			}
		}
		fmt.Fprintln(w, line)
		if statementChildren[n.Name] {
			writeTree(w, n.Children, depth+1, result)
		}
	}
}

// scopesOf names the scopes the statements under a <base/> come from.
func scopesOf(nodes []*Node) string {
	var out []string
	seen := map[string]bool{}
	var walk func([]*Node)
	walk = func(ns []*Node) {
		for _, n := range ns {
			if s := Source(n); s != nil && !seen[s.Scope] {
				seen[s.Scope] = true
				out = append(out, s.Scope)
			}
			if n.Name == "base" {
				walk(n.Children)
			}
		}
	}
	walk(nodes)
	switch len(out) {
	case 1:
		return "the " + out[0] + " scope's statements"
	case 2:
		return "the " + out[0] + " and " + out[1] + " scopes' statements"
	}
	return "the " + strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1] + " scopes' statements"
}

// WriteXML writes the effective policy as one <policies> document: every
// <base/> and <include-fragment> replaced by what it stands for, with a
// comment saying where each part comes from. Expressions are written
// XML-escaped, as APIM's format=xml export writes them.
func (e *Effective) WriteXML(w io.Writer) error {
	var b strings.Builder
	b.WriteString("<policies>\n")
	for _, sec := range e.Root.Children {
		fmt.Fprintf(&b, "  <%s>\n", sec.Name)
		writeXML(&b, sec.Children, 2, "")
		fmt.Fprintf(&b, "  </%s>\n", sec.Name)
	}
	b.WriteString("</policies>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeXML(b *strings.Builder, nodes []*Node, depth int, from string) {
	ind := strings.Repeat("  ", depth)
	for _, n := range nodes {
		if here := Where(n); n.Doc != nil && originOf(n) != from {
			fmt.Fprintf(b, "%s<!-- %s -->\n", ind, xmlComment(here))
			from = originOf(n)
		}
		if n.Expanded {
			fmt.Fprintf(b, "%s<!-- %s: -->\n", ind, xmlComment(Label(n)))
			writeXML(b, n.Children, depth, "")
			from = ""
			continue
		}
		b.WriteString(ind + "<" + n.Name)
		for _, a := range n.Attrs {
			b.WriteString(" " + attrName(a) + `="`)
			_ = xml.EscapeText(b, []byte(a.Value))
			b.WriteString(`"`)
		}
		text := strings.TrimSpace(n.Text)
		switch {
		case len(n.Children) == 0 && text == "":
			b.WriteString(" />\n")
		case len(n.Children) == 0:
			b.WriteString(">")
			_ = xml.EscapeText(b, []byte(text))
			b.WriteString("</" + n.Name + ">\n")
		default:
			b.WriteString(">\n")
			writeXML(b, n.Children, depth+1, originOf(n))
			b.WriteString(ind + "</" + n.Name + ">\n")
		}
	}
}

func originOf(n *Node) string {
	if n.Doc == nil {
		return ""
	}
	return string(n.Doc.Scope) + " " + n.Doc.File
}

func attrName(a xml.Attr) string {
	if a.Name.Space != "" {
		return a.Name.Space + ":" + a.Name.Local
	}
	return a.Name.Local
}

// xmlComment keeps a comment's text from closing the comment.
func xmlComment(s string) string { return strings.ReplaceAll(s, "--", "- -") }
