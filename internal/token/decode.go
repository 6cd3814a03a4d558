package token

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entratoken/entratoken/internal/finding"
)

// Token is a decoded, unverified compact JWS.
type Token struct {
	Raw       string
	Header    map[string]any // numbers are json.Number, as in the token
	Claims    map[string]any
	Signature []byte
}

// Error says exactly why input is not a usable token. Code is a finding code:
// TOKEN_MISSING, TOKEN_MALFORMED or TOKEN_ENCRYPTED.
type Error struct {
	Code    string
	Segment int // 1-based segment at fault; 0 when it is about the whole token
	Message string
}

func (e *Error) Error() string { return e.Message }

// Finding returns the error as a finding, with the fix.
func (e *Error) Finding() finding.Finding {
	fix := "copy the whole token: three base64url parts separated by dots (header.payload.signature); an Entra access token starts with \"eyJ\""
	switch e.Code {
	case finding.TokenMissing:
		fix = "pass the token as an argument, as @file, or on stdin; if it came from a variable, check that the variable is set"
	case finding.TokenEncrypted:
		fix = "this is an encrypted token (JWE): only its recipient can read it; Entra access tokens for your own APIs are signed, not encrypted: check which token you copied (an id_token or a SAML-bearer exchange may be encrypted)"
	}
	return finding.Finding{Code: e.Code, Severity: finding.SeverityError, Message: e.Message, Fix: fix}
}

var segmentNames = [...]string{"", "header", "payload", "signature"}

// Decode splits and decodes a compact JWS. It checks structure only.
func Decode(raw string) (*Token, error) {
	if raw == "" {
		return nil, &Error{Code: finding.TokenMissing, Message: "no token: the input is empty"}
	}
	parts := strings.Split(raw, ".")
	switch len(parts) {
	case 3:
	case 5:
		return nil, &Error{Code: finding.TokenEncrypted, Message: "the token has 5 segments: it is an encrypted JWT (JWE), not a signed one"}
	default:
		return nil, &Error{Code: finding.TokenMalformed, Message: fmt.Sprintf(
			"the token has %d segment(s) separated by '.'; a signed JWT has 3 (header.payload.signature)%s",
			len(parts), truncationHint(raw, len(parts)))}
	}
	t := &Token{Raw: raw}
	hdr, err := decodeSegment(parts[0], 1)
	if err != nil {
		return nil, err
	}
	if t.Header, err = decodeObject(hdr, 1); err != nil {
		return nil, err
	}
	payload, err := decodeSegment(parts[1], 2)
	if err != nil {
		return nil, err
	}
	if t.Claims, err = decodeObject(payload, 2); err != nil {
		return nil, err
	}
	sig := parts[2]
	if len(sig)%4 == 1 {
		// No base64url text has this length: the signature was cut off
		// mid-character (a token cut when copied). Its whole characters
		// are read, so that the key's size shows the cut (TOKEN_TRUNCATED)
		// rather than a bare "not base64url".
		sig = sig[:len(sig)-1]
	}
	if t.Signature, err = decodeSegment(sig, 3); err != nil {
		return nil, err
	}
	return t, nil
}

func truncationHint(raw string, n int) string {
	if n == 2 {
		return "; the signature is missing, was the token cut off when copied?"
	}
	if n == 1 && !strings.HasPrefix(raw, "eyJ") {
		return "; this does not look like a JWT at all (an opaque token, a secret, or a file name without '@'?)"
	}
	return ""
}

func decodeSegment(s string, seg int) ([]byte, error) {
	name := segmentNames[seg]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isB64URL(c) {
			continue
		}
		why := fmt.Sprintf("character %q at offset %d is not in the base64url alphabet", c, i)
		switch c {
		case '+', '/':
			why += " (this looks like standard base64; JWTs use '-' and '_')"
		case '=':
			why = fmt.Sprintf("it ends with '=' padding at offset %d, which base64url in JWTs omits", i)
		}
		return nil, &Error{Code: finding.TokenMalformed, Segment: seg,
			Message: fmt.Sprintf("segment %d (%s) is not valid base64url: %s", seg, name, why)}
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, &Error{Code: finding.TokenMalformed, Segment: seg,
			Message: fmt.Sprintf("segment %d (%s) is not valid base64url: its length %d is impossible (truncated?)", seg, name, len(s))}
	}
	return b, nil
}

func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// decodeObject parses a JSON object, refusing what a validator elsewhere
// might read differently: invalid UTF-8 and duplicate member names.
func decodeObject(b []byte, seg int) (map[string]any, error) {
	name := segmentNames[seg]
	bad := func(format string, a ...any) error {
		return &Error{Code: finding.TokenMalformed, Segment: seg,
			Message: fmt.Sprintf("segment %d (%s) ", seg, name) + fmt.Sprintf(format, a...)}
	}
	if len(b) == 0 {
		return nil, bad("is empty")
	}
	if !utf8.Valid(b) {
		return nil, bad("is not valid UTF-8")
	}
	if dup, err := duplicateMember(b); err != nil {
		return nil, bad("is not a JSON object: %v", err)
	} else if dup != "" {
		return nil, bad("has the member %q twice; validators disagree on which one wins, so it is refused", dup)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, bad("is not a JSON object")
	}
	return m, nil
}

// duplicateMember returns the first top-level member name that appears twice.
func duplicateMember(b []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return "", fmt.Errorf("it starts with %v", tok)
	}
	seen := map[string]bool{}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return "", err
		}
		key, _ := k.(string)
		if seen[key] {
			return key, nil
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", err
		}
	}
	if _, err := dec.Token(); err != nil {
		return "", err
	}
	if dec.More() {
		return "", fmt.Errorf("there is data after the object")
	}
	return "", nil
}

// String returns a string claim ("" when absent or not a string).
func (t *Token) String(name string) string {
	s, _ := t.Claims[name].(string)
	return s
}

// HeaderString returns a string header parameter.
func (t *Token) HeaderString(name string) string {
	s, _ := t.Header[name].(string)
	return s
}

// Strings returns a claim that may be a string or an array of strings (aud,
// roles); scp is space-separated and is split.
func (t *Token) Strings(name string) []string {
	switch v := t.Claims[name].(type) {
	case string:
		if name == "scp" {
			return strings.Fields(v)
		}
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Time returns a NumericDate claim (RFC 7519 §2). ok is false when the claim
// is absent; err is set when it is present but not a number.
func (t *Token) Time(name string) (tm time.Time, ok bool, err error) {
	v, present := t.Claims[name]
	if !present {
		return time.Time{}, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return time.Time{}, true, fmt.Errorf("claim %q is %v, not a number of seconds", name, v)
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, true, fmt.Errorf("claim %q is %s, not a plausible number of seconds", name, n)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true, nil
}

// Fingerprint identifies a token without revealing it: its first characters,
// its length and a short SHA-256 (spec/cli.md, "Secrets in output").
func Fingerprint(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	head := raw
	if len(head) > 8 {
		head = head[:8]
	}
	return fmt.Sprintf("%s…(%d chars, sha256:%s)", head, len(raw), hex.EncodeToString(sum[:3]))
}

// Redact replaces everything in s that looks like a compact JWS (three or
// more dot-separated base64url runs starting with "eyJ") with its
// fingerprint. Error messages pass through it: a token pasted where a
// command name or a file name was expected must not end up in a CI log.
func Redact(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "eyJ")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i
		dots := 0
		for j < len(s) && (isB64URL(s[j]) || s[j] == '.') {
			if s[j] == '.' {
				dots++
			}
			j++
		}
		b.WriteString(s[:i])
		if dots >= 2 {
			b.WriteString(Fingerprint(strings.TrimRight(s[i:j], ".")))
			if strings.HasSuffix(s[i:j], ".") && dots > 2 {
				b.WriteString(".")
			}
		} else {
			b.WriteString(s[i:j])
		}
		s = s[j:]
	}
}
