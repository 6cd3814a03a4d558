// Package aadsts explains Microsoft Entra ID token-endpoint errors: the error
// JSON Entra returns (error, error_description, error_codes, trace_id,
// correlation_id) and a table of the AADSTS codes people hit most, each with
// its cause, the side that must act, and the fix. The table drives both
// acquire's failures and the explain command. Source: "Microsoft Entra
// authentication and authorization error codes"
// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes),
// and Entra's own messages for the few codes that page does not list.
package aadsts

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
)

// Entry explains one AADSTS code.
type Entry struct {
	Code    int
	Name    string // Entra's own name for the error
	Finding string // the finding code it maps to; "" where none fits (acquire reports TOKEN_REQUEST_FAILED)
	Side    string // who must act: client, app registration, tenant admin, user, CI
	Cause   string
	Fix     string
}

// ID is the code as Entra writes it, e.g. AADSTS7000215.
func (e Entry) ID() string { return "AADSTS" + strconv.Itoa(e.Code) }

// Response is Entra's error JSON.
type Response struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri"`
}

// Parse reads Entra's error JSON. ok is false when b is not that shape.
func Parse(b []byte) (r Response, ok bool) {
	if json.Unmarshal(b, &r) != nil || (r.Error == "" && r.Description == "") {
		return Response{}, false
	}
	return r, true
}

// Code returns the AADSTS code of the response: the first of error_codes, or
// the one named at the start of error_description. 0 when there is none.
func (r Response) Code() int {
	if len(r.Codes) > 0 {
		return r.Codes[0]
	}
	return CodeIn(r.Description)
}

// CodeIn finds an AADSTS code in free text (a CLI's stderr). 0 when none.
func CodeIn(s string) int {
	_, n, _ := codeAt(s)
	return n
}

// codeAt finds the first "AADSTS" followed by 4 to 8 digits and returns
// where it starts, the number, and where it ends.
func codeAt(s string) (start, code, end int) {
	for off := 0; ; {
		i := strings.Index(s[off:], "AADSTS")
		if i < 0 {
			return -1, 0, -1
		}
		i += off
		j := i + len("AADSTS")
		k := j
		for k < len(s) && k-j < 9 && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if n := k - j; n >= 4 && n <= 8 {
			code, _ := strconv.Atoi(s[j:k])
			return i, code, k
		}
		off = j
	}
}

// Message returns Entra's message without the "AADSTSn: " prefix and the
// trace/correlation/timestamp lines it appends.
func (r Response) Message() string {
	return Clean(r.Description)
}

// Clean strips an AADSTS prefix and Entra's trailing trace lines from text.
func Clean(s string) string {
	s = strings.TrimSpace(s)
	if start, _, end := codeAt(s); start == 0 {
		s = strings.TrimSpace(strings.TrimPrefix(s[end:], ":"))
	}
	for _, marker := range []string{"Trace ID:", "\r\n", "\n"} {
		if i := strings.Index(s, marker); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
	}
	return s
}

// Lookup returns the table entry for code.
func Lookup(code int) (Entry, bool) {
	e, ok := table()[code]
	return e, ok
}

// LookupID accepts "AADSTS7000215", "aadsts7000215" or "7000215".
func LookupID(id string) (Entry, bool) {
	s := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(id)), "AADSTS")
	n, err := strconv.Atoi(s)
	if err != nil {
		return Entry{}, false
	}
	return Lookup(n)
}

// All returns every entry, by code.
func All() []Entry {
	out := make([]Entry, 0, len(table()))
	for _, e := range table() {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Explain maps an Entra error response to a finding code, a fix and a
// message that keeps Entra's own words. Unknown codes still get Entra's
// message and a pointer to its error lookup page.
func Explain(r Response) (findingCode, message, fix string) {
	code := r.Code()
	msg := r.Message()
	if e, ok := Lookup(code); ok {
		return cmp.Or(e.Finding, finding.TokenRequestFailed), msg, e.Fix
	}
	fix = "look the code up with: entratoken explain " + fmt.Sprint(code)
	if code != 0 {
		fix += fmt.Sprintf(" (not in entratoken's table yet), or at https://login.microsoftonline.com/error?code=%d", code)
	}
	return finding.TokenRequestFailed, msg, fix
}
