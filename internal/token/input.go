// Package token reads a token the way every entratoken command accepts it
// (spec/cli.md, "Giving a token") and decodes a compact JWS (RFC 7515 §7.1)
// without trusting it, with precise errors about what is wrong.
//
// Decoding verifies nothing; signature verification lives in the inspect
// package, with keys that never come from the token itself.
package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/entratoken/entratoken/internal/iostreams"
)

// MaxInput bounds how much is read from stdin or a file. Entra access tokens
// are a few KiB; even with a groups overage they stay far below this.
const MaxInput = 1 << 20

// ErrNoInput is returned when no token was given and stdin is a terminal, so
// there is nothing to read without blocking.
var ErrNoInput = errors.New("no token given: pass it as an argument, as @file, or on stdin")

// InputError is returned when the input named by the user cannot be read (an
// unreadable @file). It is a usage error.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return fmt.Sprintf("read token from %s: %v", e.Path, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// Read returns the normalized token text from a positional argument ("" when
// none was given), "-" for stdin, "@path" for a file, or stdin when the
// argument is absent and stdin is not a terminal.
func Read(arg string, hasArg bool, stdin io.Reader, stdinTTY bool) (string, error) {
	switch {
	case hasArg && strings.HasPrefix(arg, "@"):
		path := arg[1:]
		b, err := iostreams.ReadFile(path, MaxInput)
		if err != nil {
			return "", &InputError{Path: path, Err: err}
		}
		return Normalize(string(b)), nil
	case hasArg && arg != "-":
		return Normalize(arg), nil
	case stdin == nil || (stdinTTY && !hasArg):
		return "", ErrNoInput
	default:
		b, err := iostreams.ReadAll(stdin, MaxInput)
		if err != nil {
			return "", &InputError{Path: "stdin", Err: err}
		}
		return Normalize(string(b)), nil
	}
}

// Normalize strips what people paste along with a token: surrounding
// whitespace and quotes, a leading "Authorization:" and a leading "Bearer "
// (any case), in any nesting, and the line breaks a wrapped terminal or log
// puts inside it (a JWT never contains white space). A JSON document is read
// for its token: access_token (entratoken, Entra), accessToken (az account
// get-access-token), token (azd auth token -o json).
func Normalize(s string) string {
	s = strip(s)
	if t, ok := fromJSON(s); ok {
		s = strip(t)
	}
	if f := strings.Fields(s); len(f) > 1 && strings.HasPrefix(f[0], "eyJ") {
		s = strings.Join(f, "")
	}
	return s
}

// jsonTokenMembers are the members a token is read from, in this order.
var jsonTokenMembers = []string{"access_token", "accessToken", "token"}

// fromJSON returns the token held by a JSON object, as the tools that print
// one name it. ok is false for anything else, which is then left to the
// decoder to refuse as it is.
func fromJSON(s string) (string, bool) {
	if !strings.HasPrefix(s, "{") {
		return "", false
	}
	var doc map[string]json.RawMessage
	if json.Unmarshal([]byte(s), &doc) != nil {
		return "", false
	}
	for _, name := range jsonTokenMembers {
		var v string
		if raw, ok := doc[name]; ok && json.Unmarshal(raw, &v) == nil && v != "" {
			return v, true
		}
	}
	return "", false
}

func strip(s string) string {
	for range 8 { // each pass removes one layer; real input has at most three
		before := s
		s = strings.TrimSpace(s)
		if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
			s = s[1 : len(s)-1]
		}
		s = trimPrefixFold(s, "authorization:")
		if t := trimPrefixFold(s, "bearer"); t != s && (t == "" || t[0] == ' ' || t[0] == '\t') {
			s = t
		}
		if s == before {
			break
		}
	}
	return s
}

func trimPrefixFold(s, prefix string) string {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):]
	}
	return s
}
