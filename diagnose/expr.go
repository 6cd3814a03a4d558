package diagnose

import (
	"cmp"
	"fmt"
	"strings"
	"unicode"

	"github.com/entratoken/entratoken/internal/token"
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
	toks []tok
	pos  int
	req  Request
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
	case t.kind == "op" && t.val == "(":
		p.pos++
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

type contextObj struct{ r Request }
type requestObj struct{ r Request }
type headersObj map[string]string
type queryObj map[string]string
type claimsObj map[string][]string

// jwtObj is what AsJwt() returns: parsed, not validated.
type jwtObj struct{ t *token.Token }

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

func index(v, key any) (any, error) {
	k, ok := key.(string)
	if c, isClaims := v.(claimsObj); isClaims && ok {
		vals, present := c[k]
		if !present {
			return nil, &UnsupportedError{What: fmt.Sprintf("Claims[%q] of a token without that claim (the gateway would throw)", k)}
		}
		return vals, nil
	}
	if _, isHeaders := v.(headersObj); isHeaders && ok {
		return nil, &UnsupportedError{What: "Headers[...] (use GetValueOrDefault)"}
	}
	return nil, &UnsupportedError{What: "an index on this value"}
}

func str(args []any, i int) (string, bool) {
	if i >= len(args) {
		return "", false
	}
	s, ok := args[i].(string)
	return s, ok
}

func member(v any, name string, args []any) (any, error) {
	unsupported := func() (any, error) {
		return nil, &UnsupportedError{What: fmt.Sprintf("%s on %s", name, describe(v))}
	}
	switch x := v.(type) {
	case contextObj:
		if name == "Request" {
			return requestObj(x), nil
		}
	case requestObj:
		switch name {
		case "Headers":
			return headersObj(x.r.Headers), nil
		case "Url":
			return x, nil // context.Request.Url.Query
		case "Query":
			return queryObj(x.r.Query), nil
		}
	case headersObj:
		return lookupMember(x, name, args)
	case queryObj:
		return lookupMember(x, name, args)
	case string:
		return stringMember(x, name, args)
	case []string:
		switch name {
		case "Last", "LastOrDefault":
			if len(x) == 0 {
				return nil, nil
			}
			return x[len(x)-1], nil
		case "First", "FirstOrDefault":
			if len(x) == 0 {
				return nil, nil
			}
			return x[0], nil
		case "Contains":
			s, ok := str(args, 0)
			if !ok {
				return unsupported()
			}
			for _, e := range x {
				if e == s {
					return true, nil
				}
			}
			return false, nil
		case "Length", "Count":
			return unsupported()
		}
	case jwtObj:
		switch name {
		case "Claims":
			c := claimsObj{}
			for k := range x.t.Claims {
				c[k] = claimValues(x.t, k)
			}
			return c, nil
		case "Issuer":
			return x.t.String("iss"), nil
		case "Audiences":
			return x.t.Strings("aud"), nil
		case "Subject":
			return x.t.String("sub"), nil
		case "Id":
			return cmp.Or(x.t.String("jti"), x.t.String("uti")), nil
		case "Algorithm":
			return x.t.HeaderString("alg"), nil
		}
	case claimsObj:
		switch name {
		case "GetValueOrDefault":
			k, ok := str(args, 0)
			if !ok {
				return unsupported()
			}
			if vals, present := x[k]; present {
				return strings.Join(vals, ","), nil // "Returns comma-separated claim values"
			}
			if len(args) > 1 {
				return args[1], nil
			}
			return nil, nil
		case "ContainsKey":
			k, ok := str(args, 0)
			if !ok {
				return unsupported()
			}
			_, present := x[k]
			return present, nil
		}
	}
	return unsupported()
}

func lookupMember(m map[string]string, name string, args []any) (any, error) {
	get := func(k string) (string, bool) {
		for hk, hv := range m {
			if strings.EqualFold(hk, k) {
				return hv, true
			}
		}
		return "", false
	}
	k, ok := str(args, 0)
	if !ok {
		return nil, &UnsupportedError{What: name + " without a literal name"}
	}
	switch name {
	case "GetValueOrDefault":
		if v, present := get(k); present {
			return v, nil
		}
		if len(args) > 1 {
			return args[1], nil
		}
		return nil, nil
	case "ContainsKey":
		_, present := get(k)
		return present, nil
	}
	return nil, &UnsupportedError{What: name + " on the request headers"}
}

func stringMember(s, name string, args []any) (any, error) {
	a0, _ := str(args, 0)
	switch name {
	case "AsJwt":
		t, err := token.Decode(strings.TrimSpace(s))
		if err != nil {
			return nil, nil // not a JWT: AsJwt returns null
		}
		return jwtObj{t}, nil
	case "Split":
		if len(args) != 1 {
			return nil, &UnsupportedError{What: "Split with other than one separator"}
		}
		return strings.Split(s, a0), nil
	case "Replace":
		a1, _ := str(args, 1)
		return strings.ReplaceAll(s, a0, a1), nil
	case "Trim":
		return strings.TrimSpace(s), nil
	case "ToLower", "ToLowerInvariant":
		return strings.ToLower(s), nil
	case "ToUpper", "ToUpperInvariant":
		return strings.ToUpper(s), nil
	case "Contains":
		return strings.Contains(s, a0), nil
	case "StartsWith":
		return strings.HasPrefix(s, a0), nil
	case "EndsWith":
		return strings.HasSuffix(s, a0), nil
	case "Equals":
		return s == a0, nil
	case "Length":
		return nil, &UnsupportedError{What: "Length"}
	}
	return nil, &UnsupportedError{What: name + " on a string"}
}

func describe(v any) string {
	switch v.(type) {
	case contextObj:
		return "context"
	case requestObj:
		return "context.Request"
	case string:
		return "a string"
	case jwtObj:
		return "a Jwt"
	case claimsObj:
		return "Jwt.Claims"
	case []string:
		return "a list"
	}
	return fmt.Sprintf("%T", v)
}

// claimValues returns a claim's values as APIM's Jwt.Claims holds them: a
// JSON array's elements, or the one value.
func claimValues(t *token.Token, name string) []string {
	switch v := t.Claims[name].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case string:
		return []string{v}
	case nil:
		return nil
	default:
		return []string{fmt.Sprint(v)}
	}
}
