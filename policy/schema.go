package policy

import (
	"fmt"
	"sort"
	"strings"
)

// Check reports what APIM would refuse when the policy is saved: an element
// that is not a policy (or not a child the policy takes), an unknown
// attribute, a missing required attribute, a closed-set attribute with a
// value outside its set, a policy in a section the reference does not allow
// it in, or an element out of place (a second <inbound>, <base/> in a
// fragment). The known names come from Microsoft's policy reference
// (https://learn.microsoft.com/azure/api-management/api-management-policies),
// every policy and its attributes, including those diagnose does not
// evaluate. Where the reference is silent or contradicts itself the table
// accepts more: a working policy is never reported.
//
// Values that are policy expressions (@(...), @{...}) or hold {{named
// values}} are not judged; namespaced attributes (xmlns, xsi:...) are
// skipped. Names are compared exactly: APIM's are lower-case kebab.
// Check is linear in the size of the document: one map lookup per element
// and per attribute.
func Check(d *Document) []Problem {
	if d == nil || d.Root == nil {
		return nil
	}
	c := &checker{s: loadSchema()}
	if d.Root.Name == "fragment" {
		c.top([]*Node{d.Root})
	} else if d.Fragment {
		c.top(d.Root.Children)
	} else {
		c.document(d.Root)
	}
	return c.out
}

// KnownPolicy reports whether name is a policy in Microsoft's reference.
func KnownPolicy(name string) bool {
	_, ok := loadSchema().policies[name]
	return ok
}

// ProblemKind says what kind of mistake a Problem is.
type ProblemKind string

// The kinds of Problem.
const (
	UnknownElement   ProblemKind = "unknown-element"   // not a policy, or not a child the element takes
	UnknownAttribute ProblemKind = "unknown-attribute" // not an attribute the element takes
	MissingAttribute ProblemKind = "missing-attribute" // a required attribute is absent
	WrongSection     ProblemKind = "wrong-section"     // a policy in a section it is not allowed in
	NotAllowedHere   ProblemKind = "not-allowed-here"  // a known element out of place
	InvalidValue     ProblemKind = "invalid-value"     // outside the attribute's closed value set
)

// Problem is one thing APIM would refuse. Message is written for a person
// and starts with the line ("line 7: <validate-jtw> is not an APIM policy;
// did you mean <validate-jwt>?"); Suggestion is the nearest known name, set
// only when one is close.
type Problem struct {
	Line       int         `json:"line"`
	Element    string      `json:"element"`
	Attribute  string      `json:"attribute,omitempty"`
	Kind       ProblemKind `json:"kind"`
	Message    string      `json:"message"`
	Suggestion string      `json:"suggestion,omitempty"`
}

func (p Problem) String() string { return p.Message }

type checker struct {
	s        *schemaData
	out      []Problem
	fragment bool // checking the contents of a <fragment>
}

func (c *checker) report(n *Node, attr string, kind ProblemKind, suggestion, format string, args ...any) {
	msg := fmt.Sprintf("line %d: ", n.Line) + fmt.Sprintf(format, args...)
	if suggestion != "" {
		if attr != "" && kind != InvalidValue {
			msg += "; did you mean " + suggestion + "?"
		} else {
			msg += "; did you mean <" + suggestion + ">?"
		}
	}
	c.out = append(c.out, Problem{Line: n.Line, Element: n.Name, Attribute: attr, Kind: kind, Message: msg, Suggestion: suggestion})
}

// document checks a <policies> document.
func (c *checker) document(root *Node) {
	c.attrs(root, &elemDef{name: "policies"})
	seen := map[string]bool{}
	for _, n := range root.Children {
		sec := sectionOf(n.Name)
		switch {
		case sec != 0 && seen[n.Name]:
			c.report(n, "", NotAllowedHere, "", "<%s> appears more than once in <policies>; APIM allows each section once", n.Name)
		case sec != 0:
			seen[n.Name] = true
			c.attrs(n, &elemDef{name: n.Name})
			c.section(n.Children, sec)
		case n.Name == "base" || c.s.policies[n.Name] != nil:
			c.report(n, "", NotAllowedHere, "", "<%s> must be inside a section (<inbound>, <backend>, <outbound> or <on-error>), not directly in <policies>", n.Name)
		default:
			c.report(n, "", UnknownElement, suggest(n.Name, []string{"inbound", "backend", "outbound", "on-error"}),
				"<%s> is not a policy section; <policies> holds <inbound>, <backend>, <outbound> and <on-error>", n.Name)
		}
	}
}

// top checks a document that is not <policies>: a <fragment>, a GraphQL
// resolver, or a snippet of policies (a section's contents, as people keep
// them in files), whose section is not known.
func (c *checker) top(nodes []*Node) {
	for _, n := range nodes {
		switch {
		case n.Name == "fragment":
			c.attrs(n, &elemDef{name: "fragment"})
			c.fragmentBody(n.Children)
		case sectionOf(n.Name) != 0:
			c.attrs(n, &elemDef{name: n.Name})
			c.section(n.Children, sectionOf(n.Name))
		case n.Name == "base":
		case c.s.policies[n.Name] != nil && c.s.policies[n.Name].resolver && n.Name != "publish-event":
			c.element(n, c.s.policies[n.Name], 0)
		case n.Name == "policies":
			c.document(n)
		case c.s.policies[n.Name] == nil && suggest(n.Name, roots) != "":
			// A misspelt root: say so, then check what it holds.
			s := suggest(n.Name, roots)
			c.report(n, "", UnknownElement, s, "<%s> is not a policy document root", n.Name)
			if s == "policies" {
				c.document(n)
			} else {
				c.fragmentBody(n.Children)
			}
		default:
			c.statement(n, 0)
		}
	}
}

// fragmentBody checks what a <fragment> holds: policies, with no section
// known, no <base/> and no other fragment.
func (c *checker) fragmentBody(nodes []*Node) {
	c.fragment = true
	c.section(nodes, 0)
	c.fragment = false
}

var roots = []string{"policies", "fragment"}

// section checks the statements of a section (sec is 0 when not known).
func (c *checker) section(nodes []*Node, sec section) {
	for _, n := range nodes {
		c.statement(n, sec)
	}
}

// statement checks one element where a policy is expected.
func (c *checker) statement(n *Node, sec section) {
	fragment := c.fragment
	p := c.s.policies[n.Name]
	switch {
	case n.Name == "base":
		if fragment {
			c.report(n, "", NotAllowedHere, "", "<base/> is not allowed in a policy fragment")
		}
		return
	case fragment && sectionOf(n.Name) != 0:
		c.report(n, "", NotAllowedHere, "", "<%s> is not allowed in a policy fragment: a fragment holds policies, without sections", n.Name)
		return
	case sectionOf(n.Name) != 0:
		c.report(n, "", NotAllowedHere, "", "<%s> is a section; it belongs directly in <policies>, not inside another section or policy", n.Name)
		return
	case n.Name == "policies" || n.Name == "fragment":
		c.report(n, "", NotAllowedHere, "", "<%s> is the root of a policy document; it can't be nested", n.Name)
		return
	case p == nil:
		c.unknownStatement(n)
		return
	case p.resolver:
		c.report(n, "", NotAllowedHere, "", "<%s> is a GraphQL resolver policy; it can't be a statement in a section", n.Name)
		return
	case fragment && p.fragmentNo:
		c.report(n, "", NotAllowedHere, "", "<%s> is not allowed in a policy fragment: a fragment can't include another fragment", n.Name)
	case sec != 0 && p.sections&sec == 0:
		c.report(n, "", WrongSection, "", "<%s> is not allowed in <%s>; APIM accepts it in %s", n.Name, sectionName(sec), p.sections.names())
	}
	c.element(n, p, sec)
}

func (c *checker) unknownStatement(n *Node) {
	if parents := c.s.parents[n.Name]; len(parents) > 0 {
		c.report(n, "", NotAllowedHere, "", "<%s> is not a policy; it belongs inside %s", n.Name, tags(parents, 4))
		return
	}
	c.report(n, "", UnknownElement, suggest(n.Name, c.s.statements), "<%s> is not an APIM policy", n.Name)
}

// element checks an element's attributes and contents against its definition.
func (c *checker) element(n *Node, e *elemDef, sec section) {
	c.attrs(n, e)
	switch e.content {
	case opaque:
	case policies:
		c.section(n.Children, sec)
	case textOnly:
		for _, k := range n.Children {
			c.report(k, "", UnknownElement, "", "<%s> takes no child elements; found <%s>", n.Name, k.Name)
		}
	case elements:
		for _, k := range n.Children {
			def := e.kids[k.Name]
			switch {
			case def == nil && e.checkKids && c.s.policies[k.Name] != nil:
				c.report(k, "", NotAllowedHere, "", "<%s> is not allowed in <%s>, which holds only %s", k.Name, n.Name, tags(e.kidOrder, 8))
			case def == nil:
				msg := fmt.Sprintf("<%s> has no child element <%s>", n.Name, k.Name)
				s := suggest(k.Name, e.kidOrder)
				if s == "" && len(e.kidOrder) <= 8 {
					msg += " (it takes " + tags(e.kidOrder, 8) + ")"
				}
				c.report(k, "", UnknownElement, s, "%s", msg)
			case e.checkKids && sec != 0 && def.sections&sec == 0:
				c.report(k, "", WrongSection, "", "<%s> is not allowed in <%s>; APIM accepts it in %s", k.Name, sectionName(sec), def.sections.names())
				c.element(k, def, sec)
			default:
				c.element(k, def, sec)
			}
		}
	}
}

// attrs checks attributes: known, required, within a closed value set.
func (c *checker) attrs(n *Node, e *elemDef) {
	if e.anyAttrs {
		return
	}
	var names []string
	suggested := map[string]bool{} // a misspelt required attribute is reported once
	for _, at := range n.Attrs {
		name := at.Name.Local
		if at.Name.Space != "" || name == "xmlns" {
			continue
		}
		d, ok := e.attrs[name]
		if !ok {
			if names == nil {
				names = attrNames(e)
			}
			s := suggest(name, names)
			msg := fmt.Sprintf("<%s> has no attribute %s", n.Name, name)
			if len(names) == 0 {
				msg = fmt.Sprintf("<%s> takes no attributes; found %s", n.Name, name)
			}
			c.report(n, name, UnknownAttribute, s, "%s", msg)
			suggested[s] = true
			continue
		}
		if d.values != nil && !judgeless(at.Value) && !inSet(at.Value, d.values) {
			c.report(n, name, InvalidValue, "", "<%s %s=%s>: APIM accepts %s", n.Name, name, quote(at.Value), valueList(name, d.values))
		}
	}
	for _, r := range e.required {
		if _, ok := n.Attr(r); !ok && !suggested[r] {
			c.report(n, r, MissingAttribute, "", "<%s> needs the attribute %s", n.Name, r)
		}
	}
}

// judgeless reports whether a value is decided at run time: a policy
// expression, or one holding a {{named value}} not given.
func judgeless(v string) bool { return IsExpression(v) || strings.Contains(v, "{{") }

func inSet(v string, set []string) bool {
	v = strings.TrimSpace(v)
	for _, s := range set {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func attrNames(e *elemDef) []string {
	out := make([]string, 0, len(e.attrs))
	for k := range e.attrs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func valueList(attr string, values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = attr + `="` + v + `"`
	}
	return orList(out)
}

func tags(names []string, max int) string {
	var out []string
	for i, n := range names {
		if i == max {
			out = append(out, "others")
			break
		}
		out = append(out, "<"+n+">")
	}
	return orList(out)
}

func sectionName(s section) string {
	for _, sn := range sectionNames {
		if sn.s == s {
			return sn.name
		}
	}
	return ""
}

// quote shows a value from the policy, bounded and with anything unprintable escaped.
func quote(v string) string {
	if len(v) > 60 {
		v = v[:60] + "..."
	}
	return fmt.Sprintf("%q", v)
}
