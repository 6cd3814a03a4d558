package fakearm

import "strings"

// toXML renders a policy stored as rawxml the way APIM answers format=xml:
// the document is the same, but every policy expression (@(...) or @{...},
// in an attribute value or in text) has its XML-special characters
// entity-escaped, so the result is well-formed XML (GetApiPolicy.json shows
// "s =&gt; s[...]"). Comments and CDATA are copied as they are.
func toXML(raw string) string {
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/8)
	for i := 0; i < len(raw); {
		switch {
		case strings.HasPrefix(raw[i:], "<!--"):
			i = copyThrough(&b, raw, i, "-->")
		case strings.HasPrefix(raw[i:], "<![CDATA["):
			i = copyThrough(&b, raw, i, "]]>")
		case raw[i] == '<':
			i = copyTag(&b, raw, i)
		case isExprStart(raw, i):
			if j := exprEnd(raw, i+1); j > 0 {
				b.WriteString(escapeExpr(raw[i:j], false))
				i = j
				continue
			}
			b.WriteByte(raw[i])
			i++
		default:
			b.WriteByte(raw[i])
			i++
		}
	}
	return b.String()
}

func isExprStart(s string, i int) bool {
	return s[i] == '@' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{')
}

func copyThrough(b *strings.Builder, s string, i int, end string) int {
	j := strings.Index(s[i:], end)
	if j < 0 {
		b.WriteString(s[i:])
		return len(s)
	}
	b.WriteString(s[i : i+j+len(end)])
	return i + j + len(end)
}

// copyTag copies one tag from s[i] == '<' through its '>', escaping
// expressions in attribute values.
func copyTag(b *strings.Builder, s string, i int) int {
	b.WriteByte('<')
	i++
	for i < len(s) {
		c := s[i]
		switch {
		case c == '>':
			b.WriteByte('>')
			return i + 1
		case c == '"' || c == '\'':
			b.WriteByte(c)
			i++
			if isExprStart(s, i) {
				if j := exprEnd(s, i+1); j > 0 {
					b.WriteString(escapeExpr(s[i:j], true))
					i = j
				}
			}
			k := strings.IndexByte(s[i:], c)
			if k < 0 {
				b.WriteString(s[i:])
				return len(s)
			}
			b.WriteString(s[i : i+k+1])
			i += k + 1
		default:
			b.WriteByte(c)
			i++
		}
	}
	return i
}

// exprEnd returns the index just past the bracket closing s[open] ('(' or
// '{'), skipping C# string and character literals, or -1.
func exprEnd(s string, open int) int {
	closer := map[byte]byte{'(': ')', '{': '}'}[s[open]]
	depth := 0
	for i := open; i < len(s); i++ {
		switch c := s[i]; c {
		case s[open]:
			depth++
		case closer:
			depth--
			if depth == 0 {
				return i + 1
			}
		case '"':
			verbatim := i > 0 && s[i-1] == '@'
			for i++; i < len(s); i++ {
				if verbatim && s[i] == '"' && i+1 < len(s) && s[i+1] == '"' {
					i++
				} else if !verbatim && s[i] == '\\' {
					i++
				} else if s[i] == '"' {
					break
				}
			}
		case '\'':
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		}
	}
	return -1
}

func escapeExpr(e string, attr bool) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	if attr {
		r = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	}
	return r.Replace(e)
}
