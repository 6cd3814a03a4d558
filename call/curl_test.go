package call

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/fakecurl"
	"github.com/entratoken/entratoken/internal/netx"
)

// shellWords splits line the way a POSIX shell would, accepting only what
// Curl may print: words of single-quoted text, "$NAME" in double quotes
// (expanded from env), bare characters no shell gives a meaning to, and a
// "|" between commands. Anything else is an error: the shell would read it
// as more than text.
func shellWords(line string, env map[string]string) ([][]string, error) {
	var cmds [][]string
	var words []string
	var cur strings.Builder
	inWord := false
	end := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ':
			end()
		case c == '|' && !inWord:
			cmds = append(cmds, words)
			words = nil
		case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
			cur.WriteByte('\'') // the '\'' of a quote inside single quotes
			inWord, i = true, i+1
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote at %d", i)
			}
			cur.WriteString(line[i+1 : i+1+j])
			inWord, i = true, i+1+j
		case c == '"':
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("unterminated double quote at %d", i)
			}
			inner := line[i+1 : i+1+j]
			name, ok := strings.CutPrefix(inner, "$")
			if !ok || name == "" || strings.IndexFunc(name, func(r rune) bool {
				return !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
			}) >= 0 {
				return nil, fmt.Errorf("double quotes around %q: the shell would expand more than a variable", inner)
			}
			cur.WriteString(env[name])
			inWord, i = true, i+1+j
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("@%+=:,./_-", c) >= 0:
			cur.WriteByte(c)
			inWord = true
		default:
			return nil, fmt.Errorf("unquoted %q at %d: the shell would interpret it", c, i)
		}
	}
	end()
	return append(cmds, words), nil
}

// printfOut is what POSIX printf prints for a format with no arguments.
func printfOut(format string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(format); i++ {
		switch c := format[i]; c {
		case '%':
			if i+1 >= len(format) || format[i+1] != '%' {
				return nil, fmt.Errorf("printf conversion at %d", i)
			}
			out, i = append(out, '%'), i+1
		case '\\':
			j := i + 1
			for j < len(format) && j < i+4 && format[j] >= '0' && format[j] <= '7' {
				j++
			}
			if j > i+1 {
				n, _ := strconv.ParseUint(format[i+1:j], 8, 8)
				out, i = append(out, byte(n)), j-1
				continue
			}
			if i+1 < len(format) && format[i+1] == '\\' {
				out, i = append(out, '\\'), i+1
				continue
			}
			return nil, fmt.Errorf("printf escape at %d", i)
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

// pasted returns what the line Curl printed asks curl for, as the shell and
// curl would read it.
func pasted(t testing.TB, line string, env map[string]string) *fakecurl.Request {
	t.Helper()
	cmds, err := shellWords(line, env)
	if err != nil {
		t.Fatalf("%v in\n%s", err, line)
	}
	var stdin []byte
	switch {
	case len(cmds) == 2 && len(cmds[0]) == 2 && cmds[0][0] == "printf":
		if stdin, err = printfOut(cmds[0][1]); err != nil {
			t.Fatalf("%v in %s", err, line)
		}
	case len(cmds) != 1:
		t.Fatalf("%d commands in %s", len(cmds), line)
	}
	argv := cmds[len(cmds)-1]
	if argv[0] != "curl" {
		t.Fatalf("runs %q, not curl: %s", argv[0], line)
	}
	got, err := fakecurl.Parse(argv[1:], bytes.NewReader(stdin))
	if err != nil {
		t.Fatalf("curl would not read it as meant (%v): %s", err, line)
	}
	return got
}

// sameRequest says how the request the pasted line sends differs from the
// one Do sends, if it does.
func sameRequest(want *http.Request, wantBody []byte, got *fakecurl.Request) string {
	if got.Method != want.Method {
		return fmt.Sprintf("method %q, entratoken sends %q", got.Method, want.Method)
	}
	if got.URL != want.URL.String() {
		return fmt.Sprintf("URL %q, entratoken sends %q", got.URL, want.URL.String())
	}
	norm := func(h http.Header, host string) map[string][]string {
		m := map[string][]string{}
		for k, vs := range h {
			for _, v := range vs {
				m[http.CanonicalHeaderKey(k)] = append(m[http.CanonicalHeaderKey(k)], strings.TrimSpace(v))
			}
		}
		if host != "" {
			m["Host"] = []string{host}
		}
		return m
	}
	w, g := norm(want.Header, want.Host), norm(got.Header, "")
	if want.Host == want.URL.Host {
		delete(w, "Host")
	}
	for k := range w {
		if !slices.Equal(w[k], g[k]) {
			return fmt.Sprintf("header %s: %q, entratoken sends %q", k, g[k], w[k])
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			return fmt.Sprintf("header %s %q, which entratoken does not send", k, g[k])
		}
	}
	if !bytes.Equal(got.Body, wantBody) || got.HasBody != (wantBody != nil) {
		return fmt.Sprintf("body %q, entratoken sends %q", got.Body, wantBody)
	}
	return ""
}

func checkCurl(t testing.TB, r Request, show bool) string {
	t.Helper()
	line, err := Curl(r, show)
	if err != nil {
		t.Fatalf("Curl: %v", err)
	}
	env := map[string]string{"TOKEN": r.Token, "APIM_SUBSCRIPTION_KEY": r.SubscriptionKey}
	for _, h := range r.Headers {
		env[shellVar(h.Name)] = h.Value
	}
	want, err := Build(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sameRequest(want, r.Body, pasted(t, line, env)); diff != "" {
		t.Errorf("the pasted line sends %s\n%s", diff, line)
	}
	return line
}

const hostile = "$(touch pwned)`touch pwned2`'\"\\;|&><*?!{a,b}[x]~#"

// The printed line, pasted into a shell, sends what entratoken sends and
// nothing of what it holds is run or read by the shell or curl.
func TestCurlPastesExactly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "body's $(x).json")
	if err := os.WriteFile(file, []byte(`{"from":"file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []Request{
		{URL: "https://gw/orders", Token: "eyJ0.eyJ1.sig", SubscriptionKey: "0123abcd"},
		{URL: "https://gw/o?q=" + strings.ReplaceAll(hostile, "#", "") + "&b=1", Token: "t0k3n"},
		{URL: "https://gw/o", Method: "PATCH", Headers: []Header{{"X-Note", hostile}, {"X-Api-Key", "hush"}}, Body: []byte("@/etc/passwd")},
		{URL: "https://gw/o", Body: []byte("line one\n$(rm -rf ~) `id`\n'quoted' \"double\"\t@x")},
		{URL: "https://gw/o", Body: []byte("\x1b[2J\x00binary\xff\xfe%s\\n")},
		{URL: "https://gw/o", Body: []byte(`{"from":"file"}`), BodyFile: file, Headers: []Header{{"Content-Type", "text/plain"}}},
		{URL: "https://gw/o", Method: "HEAD"},
		{URL: "https://gw/o", Method: "DELETE", Body: []byte{}},
		{URL: "https://gw/o", Method: "GET", Body: []byte("x")},
		{URL: "https://gw/o?a=1", SubscriptionKey: "0123abcd", KeyInQuery: true},
		{URL: "https://gw/o", Headers: []Header{{"X-Empty", ""}, {"Host", "backend.internal"}, {"User-Agent", "mine"}}},
	}
	for _, r := range cases {
		for _, show := range []bool{false, true} {
			line := checkCurl(t, r, show)
			if !show {
				for _, s := range []string{r.Token, r.SubscriptionKey, "hush"} {
					if s != "" && strings.Contains(line, s) {
						t.Errorf("secret %q printed without --show-secrets: %s", s, line)
					}
				}
			}
		}
	}
	line, _ := Curl(cases[0], false)
	if !strings.Contains(line, `'Authorization: Bearer '"$TOKEN"`) || !strings.Contains(line, `'Ocp-Apim-Subscription-Key: '"$APIM_SUBSCRIPTION_KEY"`) {
		t.Errorf("placeholders: %s", line)
	}
}

func TestCurlRefusesNonTokenMethod(t *testing.T) {
	for _, m := range []string{"GET /x", "$(id)", "PO;ST", "", "\x1b[2J"} {
		if m == "" {
			continue // no method: GET
		}
		if _, err := Curl(Request{URL: "https://gw/", Method: m}, false); err == nil {
			t.Errorf("method %q accepted", m)
		}
	}
}

// FuzzCurl: whatever the URL, header and body, the line is plain text to the
// shell and means, to curl, the request Do sends.
func FuzzCurl(f *testing.F) {
	f.Add("https://gw/o?q=1", "X-Note", hostile, []byte("@body"), "POST", false)
	f.Add("https://gw/o", "X-Api-Key", "k", []byte("\x00\x1b'%\\"), "", true)
	f.Add("https://gw/[x]{a,b}?a=b&c", "Host", "h", []byte(nil), "HEAD", false)
	f.Fuzz(func(t *testing.T, u, name, value string, body []byte, method string, inQuery bool) {
		r := Request{URL: u, Method: method, Token: "tok.en", SubscriptionKey: "0123abcd", KeyInQuery: inQuery, Body: body}
		if name != "" {
			r.Headers = []Header{{name, strings.TrimSpace(value)}}
			if ValidHeader(name, value) != nil {
				return
			}
		}
		if method != "" && !ValidMethod(method) {
			if _, err := Curl(r, false); err == nil {
				t.Fatalf("method %q accepted", method)
			}
			return
		}
		if _, err := netx.CheckURL(u); err != nil {
			return
		}
		if _, err := Build(context.Background(), r); err != nil {
			return
		}
		checkCurl(t, r, false)
	})
}
