package diagnose

import (
	"fmt"
	"strings"
	"unicode"
)

// This file evaluates the C# conditions people write in <when condition>
// for token-based routing, offline: header presence, and the token's claims,
// issuer and audiences through AsJwt() (which parses and does not validate,
// shared/reference/entra-apim.md §3.2). The language is a small subset:
// string literals, true/false/null, == != && || ! and parentheses, member
// access and ?. on context.Request.Headers, the string methods people chain
// (Split, Last, First, Replace, Trim, ToLower, ToUpper, Contains, StartsWith,
// EndsWith, Equals), and Jwt members (Claims, Issuer, Audiences, Subject, Id).
// Anything else is an UnsupportedError: the caller reports
// POLICY_UNSUPPORTED and never treats the condition as passed.

// Request is what the conditions can see of the request.
type Request struct {
	Headers map[string]string // canonical names are matched case-insensitively
	Query   map[string]string
	// Variables are context.Variables as the statements evaluated so far
	// set them: set-variable with a value entratoken could evaluate, and
	// validate-jwt's output-token-variable-name (a Jwt).
	Variables map[string]any
}

// UnsupportedError names the part of an expression that cannot be evaluated.
type UnsupportedError struct{ What string }

func (e *UnsupportedError) Error() string { return "cannot evaluate offline: " + e.What }

// EvalCondition evaluates a when-condition ("@(...)" or "@{ return ...; }").
func EvalCondition(expr string, req Request) (bool, error) {
	src, err := expressionBody(expr)
	if err != nil {
		return false, err
	}
	p := &parser{toks: lex(src), req: req}
	v, err := p.or()
	if err != nil {
		return false, err
	}
	if p.pos < len(p.toks) {
		return false, &UnsupportedError{What: fmt.Sprintf("%q after the condition", p.rest())}
	}
	b, ok := v.(bool)
	if !ok {
		return false, &UnsupportedError{What: "a condition that is not true or false"}
	}
	return b, nil
}

// EvalString evaluates an expression that yields a string (token-value).
func EvalString(expr string, req Request) (string, error) {
	src, err := expressionBody(expr)
	if err != nil {
		return "", err
	}
	p := &parser{toks: lex(src), req: req}
	v, err := p.or()
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok || p.pos < len(p.toks) {
		return "", &UnsupportedError{What: "an expression that is not a string"}
	}
	return s, nil
}

func expressionBody(expr string) (string, error) {
	s := strings.TrimSpace(expr)
	switch {
	case strings.HasPrefix(s, "@(") && strings.HasSuffix(s, ")"):
		return s[2 : len(s)-1], nil
	case strings.HasPrefix(s, "@{") && strings.HasSuffix(s, "}"):
		body := strings.TrimSpace(s[2 : len(s)-1])
		if strings.HasPrefix(body, "return ") && strings.HasSuffix(body, ";") && strings.Count(body, ";") == 1 {
			return body[len("return ") : len(body)-1], nil
		}
		return "", &UnsupportedError{What: "a multi-statement expression block"}
	case s == "true" || s == "false":
		return s, nil
	}
	return "", &UnsupportedError{What: fmt.Sprintf("%q is not a policy expression", s)}
}

type tok struct {
	kind string // str, id, op
	val  string
}

func lex(s string) []tok {
	var out []tok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, tok{"str", b.String()})
			i = j + 1
		case c == '\'' && i+2 < len(s) && s[i+2] == '\'':
			out = append(out, tok{"str", string(s[i+1])})
			i += 3
		case isIdent(c):
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			out = append(out, tok{"id", s[i:j]})
			i = j
		default:
			op := string(c)
			for _, two := range []string{"==", "!=", "&&", "||", "?.", "??"} {
				if strings.HasPrefix(s[i:], two) {
					op = two
				}
			}
			out = append(out, tok{"op", op})
			i += len(op)
		}
	}
	return out
}

func isIdent(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

type parser struct {
	toks  []tok
	pos   int
	req   Request
	depth int
}

// maxExprDepth bounds nesting (parentheses, !, call arguments): the parser
// recurses once per level, and no real condition nests this deep.
const maxExprDepth = 64

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return &UnsupportedError{What: fmt.Sprintf("an expression nested more than %d levels deep", maxExprDepth)}
	}
	return nil
}

func (p *parser) peek() tok {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return tok{}
}

func (p *parser) accept(kind, val string) bool {
	if t := p.peek(); t.kind == kind && t.val == val {
		p.pos++
		return true
	}
	return false
}

func (p *parser) rest() string {
	var parts []string
	for _, t := range p.toks[p.pos:] {
		parts = append(parts, t.val)
	}
	return strings.Join(parts, " ")
}

func (p *parser) or() (any, error) {
	l, err := p.and()
	for err == nil && p.accept("op", "||") {
		var r any
		if r, err = p.and(); err == nil {
			l, err = boolOp(l, r, func(a, b bool) bool { return a || b })
		}
	}
	return l, err
}

func (p *parser) and() (any, error) {
	l, err := p.unary()
	for err == nil && p.accept("op", "&&") {
		var r any
		if r, err = p.unary(); err == nil {
			l, err = boolOp(l, r, func(a, b bool) bool { return a && b })
		}
	}
	return l, err
}

func boolOp(l, r any, f func(a, b bool) bool) (any, error) {
	a, ok1 := l.(bool)
	b, ok2 := r.(bool)
	if !ok1 || !ok2 {
		return nil, &UnsupportedError{What: "&& or || between values that are not true/false"}
	}
	return f(a, b), nil
}

func (p *parser) unary() (any, error) {
	if p.accept("op", "!") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		v, err := p.unary()
		if err != nil {
			return nil, err
		}
		b, ok := v.(bool)
		if !ok {
			return nil, &UnsupportedError{What: "! on a value that is not true/false"}
		}
		return !b, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (any, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.accept("op", "=="):
			r, err := p.primary()
			if err != nil {
				return nil, err
			}
			l = equal(l, r)
		case p.accept("op", "!="):
			r, err := p.primary()
			if err != nil {
				return nil, err
			}
			l = !equal(l, r)
		case p.accept("op", "??"):
			r, err := p.primary()
			if err != nil {
				return nil, err
			}
			if l == nil {
				l = r
			}
		default:
			return l, nil
		}
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

func (p *parser) primary() (any, error) {
	t := p.peek()
	switch {
	case t.kind == "op" && t.val == "(" && p.isCast():
		// (Jwt)context.Variables["x"], (string)...: a cast changes no value here.
		p.pos += 3
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		return p.primary()
	case t.kind == "op" && t.val == "(":
		p.pos++
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		v, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.accept("op", ")") {
			return nil, &UnsupportedError{What: "unbalanced parentheses"}
		}
		return p.chain(v)
	case t.kind == "str":
		p.pos++
		return p.chain(t.val)
	case t.kind == "id" && (t.val == "true" || t.val == "false"):
		p.pos++
		return t.val == "true", nil
	case t.kind == "id" && t.val == "null":
		p.pos++
		return nil, nil
	case t.kind == "id" && t.val == "context":
		p.pos++
		return p.chain(contextObj{p.req})
	}
	return nil, &UnsupportedError{What: fmt.Sprintf("%q", p.rest())}
}

// castTypes are the types conditions cast context.Variables to.
var castTypes = map[string]bool{"Jwt": true, "string": true, "bool": true, "int": true, "object": true}

// isCast says whether the tokens at pos are "(Type)" before an operand.
func (p *parser) isCast() bool {
	if p.pos+3 >= len(p.toks) {
		return false
	}
	id, closing, next := p.toks[p.pos+1], p.toks[p.pos+2], p.toks[p.pos+3]
	return id.kind == "id" && castTypes[id.val] && closing.kind == "op" && closing.val == ")" &&
		(next.kind == "id" || next.kind == "str" || next.kind == "op" && next.val == "(")
}

// chain applies member accesses and calls: .Name, ?.Name, .Name(args), [key].
func (p *parser) chain(v any) (any, error) {
	for {
		nullSafe := false
		switch {
		case p.accept("op", "."):
		case p.accept("op", "?."):
			nullSafe = true
		case p.accept("op", "["):
			key, err := p.or()
			if err != nil {
				return nil, err
			}
			if !p.accept("op", "]") {
				return nil, &UnsupportedError{What: "an index that is not closed"}
			}
			if v, err = index(v, key); err != nil {
				return nil, err
			}
			continue
		default:
			return v, nil
		}
		name := p.peek()
		if name.kind != "id" {
			return nil, &UnsupportedError{What: "a member access without a name"}
		}
		p.pos++
		if p.accept("op", "<") { // generic type arguments, e.g. GetValueOrDefault<string>
			for p.pos < len(p.toks) && !p.accept("op", ">") {
				p.pos++
			}
		}
		var args []any
		if p.accept("op", "(") {
			if err := p.enter(); err != nil {
				return nil, err
			}
			for !p.accept("op", ")") {
				a, err := p.or()
				if err != nil {
					return nil, err
				}
				args = append(args, a)
				p.accept("op", ",")
				if p.pos >= len(p.toks) {
					return nil, &UnsupportedError{What: "a call that is not closed"}
				}
			}
			p.depth--
		}
		if v == nil {
			if nullSafe {
				continue // a?.b on null is null
			}
			return nil, &UnsupportedError{What: "a member of null (the gateway would throw here)"}
		}
		var err error
		if v, err = member(v, name.val, args); err != nil {
			return nil, err
		}
	}
}
