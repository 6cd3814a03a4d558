package policy

import (
	"sort"
	"strings"
	"sync"
)

// The schema's data lives in schema_*.go, one file per family of
// policies, written with the small builders below. Each entry names the
// page of Microsoft's policy reference it comes from; where that page is
// silent or contradicts itself, the entry says so and accepts more, never
// less (see schemaRules).

// section is a set of policy sections.
type section uint8

const (
	inbound section = 1 << iota
	backend
	outbound
	onError

	inOut      = inbound | outbound
	inOutErr   = inbound | outbound | onError
	outErr     = outbound | onError
	allSection = inbound | backend | outbound | onError
)

var sectionNames = []struct {
	s    section
	name string
}{{inbound, "inbound"}, {backend, "backend"}, {outbound, "outbound"}, {onError, "on-error"}}

func sectionOf(name string) section {
	for _, sn := range sectionNames {
		if sn.name == name {
			return sn.s
		}
	}
	return 0
}

// names lists the sections in the set, as a person reads them.
func (s section) names() string {
	var out []string
	for _, sn := range sectionNames {
		if s&sn.s != 0 {
			out = append(out, "<"+sn.name+">")
		}
	}
	return orList(out)
}

// content says what an element may hold besides attributes.
type content uint8

const (
	textOnly content = iota // text, no child elements
	elements                // a closed set of child elements
	policies                // any policy of the enclosing section
	opaque                  // anything: Liquid/SOAP bodies, XSLT, Adobe cross-domain files
)

// attrDef is one known attribute: values, when set, is its closed value set
// (compared without regard to case).
type attrDef struct {
	values []string
}

// elemDef is one element: a policy or a child element of one.
type elemDef struct {
	name     string
	page     string // the reference page an entry comes from (policies)
	attrs    map[string]attrDef
	required []string
	anyAttrs bool // undocumented elements: attributes are not judged
	content  content
	kids     map[string]*elemDef
	kidOrder []string
	refs     []string // policies usable as children, resolved by loadSchema

	policy     bool
	sections   section // where a policy may stand
	resolver   bool    // a GraphQL resolver policy: never in a section
	checkKids  bool    // children are policies and obey the section (wait)
	fragmentNo bool    // not allowed inside a policy fragment (include-fragment)
}

type opt func(*elemDef)

// pol declares a policy: where it may stand, the reference page, its shape.
// Every policy takes the optional id attribute ("All policies have an
// optional id attribute", api-management-error-handling-policies).
func pol(name string, s section, page string, opts ...opt) *elemDef {
	e := el(name, opts...)
	e.policy, e.sections, e.page = true, s, page
	e.attrs["id"] = attrDef{}
	return e
}

// el declares a child element.
func el(name string, opts ...opt) *elemDef {
	e := &elemDef{name: name, attrs: map[string]attrDef{}}
	for _, o := range opts {
		o(e)
	}
	return e
}

// a adds attributes from a compact spec, space separated: "name" a free
// string, "name!" required, "name=a|b" a closed value set, "name?" a
// boolean (true or false); "!" and "?"/"=" combine ("match!=all|any").
func a(spec string) opt {
	return func(e *elemDef) {
		for _, f := range strings.Fields(spec) {
			var d attrDef
			if i := strings.IndexByte(f, '='); i >= 0 {
				d.values = strings.Split(f[i+1:], "|")
				f = f[:i]
			}
			if strings.HasSuffix(f, "?") {
				d.values = []string{"true", "false"}
				f = strings.TrimSuffix(f, "?")
			}
			if strings.HasSuffix(f, "!") {
				f = strings.TrimSuffix(f, "!")
				e.required = append(e.required, f)
			}
			e.attrs[f] = d
		}
	}
}

// kids makes the element hold a closed set of child elements.
func kids(children ...*elemDef) opt {
	return func(e *elemDef) {
		e.content = elements
		if e.kids == nil {
			e.kids = map[string]*elemDef{}
		}
		for _, c := range children {
			if _, dup := e.kids[c.name]; !dup {
				e.kidOrder = append(e.kidOrder, c.name)
			}
			e.kids[c.name] = c
		}
	}
}

// uses adds policies (by name, space separated) as allowed children, with
// the policies' own attributes and content.
func uses(names string) opt {
	return func(e *elemDef) {
		kids()(e)
		e.refs = append(e.refs, strings.Fields(names)...)
	}
}

var (
	text      opt = func(e *elemDef) { e.content = textOnly }
	anything  opt = func(e *elemDef) { e.content = opaque }
	holdsPols opt = func(e *elemDef) { e.content = policies }
	// undocumented: a name Microsoft's own tools emit but the reference
	// does not describe; known by name, attributes and content not judged.
	undocumented opt = func(e *elemDef) { e.anyAttrs, e.content = true, opaque }
	resolverOnly opt = func(e *elemDef) { e.resolver = true }
	sectionKids  opt = func(e *elemDef) { e.checkKids = true }
	notInFrag    opt = func(e *elemDef) { e.fragmentNo = true }
)

// leaf is a text-only child element with optional attributes.
func leaf(name string, spec string) *elemDef { return el(name, a(spec), text) }

// list is a wrapper holding repeated text children (<audiences><audience>).
func list(name, child string) *elemDef { return el(name, kids(leaf(child, ""))) }

type schemaData struct {
	policies   map[string]*elemDef
	names      []string            // policy names, sorted
	statements []string            // what may stand in a section: names and base
	parents    map[string][]string // child element name -> policies it belongs in
	elems      int
	attrs      int
}

var (
	schemaOnce sync.Once
	schemaTab  schemaData
)

// loadSchema builds the table once, on first use.
func loadSchema() *schemaData {
	schemaOnce.Do(func() {
		s := &schemaTab
		s.policies = map[string]*elemDef{}
		s.parents = map[string][]string{}
		for _, group := range [][]*elemDef{accessPolicies(), transformPolicies(), flowPolicies(), integrationPolicies(), aiPolicies(), graphqlPolicies()} {
			for _, p := range group {
				s.policies[p.name] = p
				s.names = append(s.names, p.name)
			}
		}
		sort.Strings(s.names)
		s.statements = append(append(s.statements, s.names...), "base")
		seen := map[*elemDef]bool{}
		for _, n := range s.names {
			s.resolve(s.policies[n], seen)
		}
		for _, n := range s.names {
			s.index(s.policies[n], n, map[*elemDef]bool{})
		}
		for k := range s.parents {
			sort.Strings(s.parents[k])
		}
	})
	return &schemaTab
}

// resolve links refs to policy definitions and counts the table.
func (s *schemaData) resolve(e *elemDef, seen map[*elemDef]bool) {
	if seen[e] {
		return
	}
	seen[e] = true
	s.elems++
	s.attrs += len(e.attrs)
	for _, r := range e.refs {
		p, ok := s.policies[r]
		if !ok {
			panic("policy schema: unknown policy " + r + " used in " + e.name)
		}
		if _, dup := e.kids[r]; !dup {
			e.kidOrder = append(e.kidOrder, r)
		}
		e.kids[r] = p
	}
	e.refs = nil
	for _, k := range e.kidOrder {
		if c := e.kids[k]; !c.policy {
			s.resolve(c, seen)
		}
	}
}

// index records, for each child element name under policy top, that it
// belongs in top (to say where a misplaced <audiences> goes).
func (s *schemaData) index(e *elemDef, top string, seen map[*elemDef]bool) {
	if seen[e] {
		return
	}
	seen[e] = true
	for _, k := range e.kidOrder {
		if c := e.kids[k]; !c.policy {
			if !contains(s.parents[k], top) {
				s.parents[k] = append(s.parents[k], top)
			}
			s.index(c, top, seen)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
