package call

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Curl renders r as a curl command line that is safe to paste into a POSIX
// shell and sends what Do sends: the same method, URL, headers (User-Agent
// and Content-Type included) and body bytes (spec/cli.md, "Secrets in
// output"). Every argument that came from the user or a server is
// single-quoted, so nothing in it ($(...), backticks, quotes, a leading @)
// means anything to the shell or to curl. Secrets appear as shell variables
// in double quotes ("$TOKEN", "$APIM_SUBSCRIPTION_KEY", "$X_API_KEY" for a
// secret-named header) unless show is set.
//
// The body goes as --data-binary @FILE when it came from a file, as
// --data-raw when it is plain text (curl's -d would read a leading @ as a
// file name and strip newlines), and otherwise from a POSIX printf piped into
// --data-binary @-, so every byte survives and nothing unprintable is ever
// written to the terminal.
func Curl(r Request, show bool) (string, error) {
	u, err := r.target(show)
	if err != nil {
		return "", err
	}
	if !ValidMethod(r.method()) {
		return "", fmt.Errorf("%q is not an HTTP method", r.method())
	}
	var args []string
	add := func(s ...string) { args = append(args, s...) }
	add("curl", "-sS", "-g") // -g: brackets and braces in the URL are not curl globs
	method := r.method()
	inferred := http.MethodGet
	if r.Body != nil {
		inferred = http.MethodPost
	}
	switch {
	case method == http.MethodHead && r.Body == nil:
		add("-I") // curl -X HEAD would wait for a body that never comes
	case method != inferred:
		add("-i", "-X", quote(method))
	default:
		add("-i")
	}
	if r.SubscriptionKey != "" && r.KeyInQuery && !show {
		add(quote(u) + `"$APIM_SUBSCRIPTION_KEY"`)
	} else {
		add(quote(u))
	}
	for _, h := range r.wire() {
		switch {
		case h.Value == "":
			add("-H", quote(h.Name+";")) // curl: "Name;" sends the header empty, "Name:" would remove it
			continue
		case h.placeholder != "" && !show:
			add("-H", quote(h.Name+": "+h.scheme)+`"$`+h.placeholder+`"`)
			continue
		}
		add("-H", quote(h.Name+": "+h.Value))
	}
	prefix := ""
	switch {
	case r.Body == nil:
	case r.BodyFile != "" && r.BodyFile != "-":
		add("--data-binary", quote("@"+r.BodyFile))
	case printable(string(r.Body)):
		add("--data-raw", quote(string(r.Body)))
	default:
		prefix = "printf " + printfFormat(r.Body) + " | "
		add("--data-binary", "@-")
	}
	return prefix + strings.Join(args, " "), nil
}

// quote single-quotes s for a POSIX shell: inside single quotes nothing is
// special, and a quote is written as '\”.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellVar turns a header name into a shell variable name: X-Api-Key becomes
// X_API_KEY.
func shellVar(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	return string(b)
}

// printable says whether s can be shown on a terminal as it is: valid UTF-8
// with no control character but newline and tab, and no bidirectional
// override (nothing the output's sanitising would rewrite).
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return false
		}
	}
	return true
}

// printfFormat writes b as a single-quoted printf format that prints exactly
// b: printable ASCII as it is (% doubled, \ doubled), every other byte as a
// three-digit octal escape (POSIX printf).
func printfFormat(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('\'')
	for _, c := range b {
		switch {
		case c == '\'':
			sb.WriteString(`'\''`)
		case c == '%':
			sb.WriteString("%%")
		case c == '\\':
			sb.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, `\%03o`, c)
		}
	}
	sb.WriteByte('\'')
	return sb.String()
}
