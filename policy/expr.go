package policy

import "strings"

// escapeExpressions XML-escapes the inside of every @(...) and @{...}, so
// that APIM's C# expressions (which may hold quotes, <, > and &&) parse as
// attribute values and text. Line numbers are unchanged.
func escapeExpressions(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	i := 0
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], "<!--"):
			end := strings.Index(s[i:], "-->")
			if end < 0 {
				return "", &ParseError{Line: 1 + strings.Count(s[:i], "\n"), Msg: "unterminated comment"}
			}
			b.WriteString(s[i : i+end+3])
			i += end + 3
		case strings.HasPrefix(s[i:], "<![CDATA["):
			end := strings.Index(s[i:], "]]>")
			if end < 0 {
				return "", &ParseError{Line: 1 + strings.Count(s[:i], "\n"), Msg: "unterminated CDATA"}
			}
			b.WriteString(s[i : i+end+3])
			i += end + 3
		case s[i] == '@' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '{'):
			end, err := matchExpression(s, i+1)
			if err != nil {
				return "", err
			}
			b.WriteByte('@')
			xmlEscape(&b, s[i+1:end+1])
			i = end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}

// matchExpression returns the index of the bracket closing the one at open,
// skipping C# string and character literals. It counts depth without
// recursion, so any nesting costs one pass.
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
		case '/':
			// C# comments may hold brackets and quotes: skip them.
			if j+1 < len(s) && s[j+1] == '/' {
				for j < len(s) && s[j] != '\n' {
					j++
				}
			} else if j+1 < len(s) && s[j+1] == '*' {
				if end := strings.Index(s[j+2:], "*/"); end >= 0 {
					j += end + 3
				}
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

func xmlEscape(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			// Already-escaped entities (&quot; written by the portal, or the
			// format=xml export) stay. The look-ahead is bounded, so a run of
			// '&' costs a constant each.
			if j := strings.IndexByte(s[i:min(len(s), i+8)], ';'); j > 1 && isEntity(s[i+1:i+j]) {
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
