package policy

import (
	"sort"
	"strings"
)

// NamedValue is one named value of the service, by display name.
type NamedValue struct {
	Value string
	// HasValue is false for a secret (or Key Vault) value whose text the
	// source does not hold: an APIOps folder, a Reader's ARM read.
	HasValue bool
	Secret   bool
	// Source says where it came from, for messages ("named values/x/namedValueInformation.json").
	Source string
}

// NamedValues are a service's named values by display name.
type NamedValues map[string]NamedValue

// IsName reports whether s can be a named value's name: letters, digits,
// '.', '-' and '_' only (Microsoft's rule, api-management-howto-properties).
// Text in double braces that is not (Liquid's {{ body.x }}, {{- header.Key }},
// placeholders with spaces) is not a named value.
func IsName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}

// Refs returns the named values s refers to, in order of first use.
func Refs(s string) []string {
	var out []string
	scan(s, func(name string) (string, bool) {
		for _, n := range out {
			if n == name {
				return "", false
			}
		}
		out = append(out, name)
		return "", false
	}, nil)
	return out
}

// Substitute replaces each {{name}} whose value is known; the others stay as
// written. It returns the text and the names left unresolved.
func Substitute(s string, values NamedValues) (string, []string) {
	var missing []string
	var b strings.Builder
	out := scan(s, func(name string) (string, bool) {
		nv, ok := values[name]
		if ok && nv.HasValue {
			return nv.Value, true
		}
		missing = append(missing, name)
		return "", false
	}, &b)
	return out, missing
}

// scan walks s once, calling value for each {{name}}; when b is not nil it
// builds the text with the replacements value accepts. After "{{" only name
// characters are read, so each byte is looked at a bounded number of times
// whatever the input ("{{ a {{ b ...", Liquid, stray braces).
func scan(s string, value func(string) (string, bool), b *strings.Builder) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	done := 0 // s[:done] is written to b
	i := 0
	for {
		k := strings.Index(s[i:], "{{")
		if k < 0 {
			break
		}
		start := i + k
		j := start + 2
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j == start+2 || !strings.HasPrefix(s[j:], "}}") {
			i = start + 1 // not a reference: "{{{x}}}" still finds "{{x}}"
			continue
		}
		v, ok := value(s[start+2 : j])
		if b != nil && ok {
			b.WriteString(s[done:start])
			b.WriteString(v)
			done = j + 2
		}
		i = j + 2
	}
	if b == nil || done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
}

// isLiquid says whether n's text is a Liquid template (set-body
// template="liquid"), whose double braces are Liquid, not named values.
func isLiquid(n *Node) bool {
	return n.Name == "set-body" && strings.EqualFold(strings.TrimSpace(n.AttrOr("template", "")), "liquid")
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
