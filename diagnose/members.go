package diagnose

// This file is the object model conditions see: context.Request, its
// headers and query, strings, and the Jwt that AsJwt() returns.

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/token"
)

type contextObj struct{ r Request }
type requestObj struct{ r Request }
type headersObj map[string]string
type queryObj map[string]string
type claimsObj map[string][]string
type variablesObj map[string]any

// jwtObj is what AsJwt() returns: parsed, not validated.
type jwtObj struct{ t *token.Token }

func index(v, key any) (any, error) {
	k, ok := key.(string)
	if c, isClaims := v.(claimsObj); isClaims && ok {
		vals, present := c[k]
		if !present {
			return nil, &UnsupportedError{What: fmt.Sprintf("Claims[%q] of a token without that claim (the gateway would throw)", k)}
		}
		return vals, nil
	}
	if vars, isVars := v.(variablesObj); isVars && ok {
		val, set := vars[k]
		if !set {
			return nil, &UnsupportedError{What: fmt.Sprintf("context.Variables[%q], which no statement entratoken could evaluate sets", k)}
		}
		return val, nil
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
		switch name {
		case "Request":
			return requestObj(x), nil
		case "Variables":
			return variablesObj(x.r.Variables), nil
		}
	case variablesObj:
		switch name {
		case "GetValueOrDefault", "ContainsKey":
			k, ok := str(args, 0)
			if !ok {
				return unsupported()
			}
			v, set := x[k]
			if !set {
				return nil, &UnsupportedError{What: fmt.Sprintf("context.Variables[%q], which no statement entratoken could evaluate sets", k)}
			}
			if name == "ContainsKey" {
				return true, nil
			}
			return v, nil
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
