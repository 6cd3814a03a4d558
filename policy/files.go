package policy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/iostreams"
)

// MaxDocument bounds a policy document read from a file. APIM's own limit
// for a policy document is far smaller; a larger file is not a policy.
const MaxDocument = 4 << 20

// SplitScope reads a --policy value: SCOPE=FILE, or a bare FILE, which is
// scope api. Only a known scope name before '=' is a scope, so a file named
// "a=b.xml" still reads.
func SplitScope(v string) (Scope, string) {
	if k, file, ok := strings.Cut(v, "="); ok {
		if sc, ok := ParseScope(k); ok {
			return sc, file
		}
	}
	return ScopeAPI, v
}

// ReadFile reads and parses a policy file for a scope. The file keeps the
// name it was given, for findings.
func ReadFile(path string, scope Scope) (*Document, error) {
	b, err := iostreams.ReadFile(path, MaxDocument)
	if err != nil {
		return nil, &ParseError{File: path, Msg: err.Error()}
	}
	d, err := Read(b)
	if err != nil {
		if pe, ok := err.(*ParseError); ok {
			pe.File = path
		}
		return nil, err
	}
	d.Scope, d.File = scope, path
	return d, nil
}

// ReadNamedValues reads a JSON object of named values by display name:
// {"tenant-id": "contoso.onmicrosoft.com", ...}. Values must be strings.
func ReadNamedValues(path string) (NamedValues, error) {
	b, err := iostreams.ReadFile(path, MaxDocument)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("not a JSON object of name: value: %w", err)
	}
	out := NamedValues{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("the value of %q is not a string", k)
		}
		if !IsName(k) {
			return nil, fmt.Errorf("%q is not a named value's name (letters, digits, '.', '-', '_')", k)
		}
		out[k] = NamedValue{Value: s, HasValue: true, Source: path}
	}
	return out, nil
}
