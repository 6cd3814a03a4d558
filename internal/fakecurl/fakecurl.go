// Package fakecurl stands in for curl in tests of `call --curl`. It reads the
// arguments that line uses the way curl(1) reads them (-X, -H, -I, -i, -s,
// -S, -d, --data-raw, --data-binary with @FILE and @-), and Main records them
// and sends the request they describe, so that a test can compare what the
// pasted line sends with what entratoken sent, byte for byte. Anything else
// on the command line is an error: a line that needs more than this is not
// the line entratoken means to print.
package fakecurl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// Request is what a curl command line asks for.
type Request struct {
	Method  string
	URL     string
	Header  http.Header
	Body    []byte
	HasBody bool
}

// Parse reads curl's arguments (without the program name). stdin is read
// for --data-binary @- and -d @-.
func Parse(args []string, stdin io.Reader) (*Request, error) {
	r := &Request{Header: http.Header{}}
	var method string
	head, globOff := false, false
	var parts [][]byte
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs a value", a)
			}
			i++
			return args[i], nil
		}
		switch a {
		case "-s", "-S", "-sS", "-Ss", "-i":
		case "-g", "--globoff":
			globOff = true
		case "-I", "--head":
			head = true
		case "-X", "--request":
			v, err := val()
			if err != nil {
				return nil, err
			}
			method = v
		case "-H", "--header":
			v, err := val()
			if err != nil {
				return nil, err
			}
			if name, ok := strings.CutSuffix(v, ";"); ok && !strings.Contains(name, ":") {
				r.Header[http.CanonicalHeaderKey(name)] = append(r.Header[http.CanonicalHeaderKey(name)], "") // curl: "Name;" sends it empty
				continue
			}
			name, value, ok := strings.Cut(v, ":")
			if !ok {
				return nil, fmt.Errorf("-H %q has no colon", v)
			}
			if value = strings.TrimLeft(value, " \t"); value == "" {
				r.Header.Del(name) // curl: "Name:" removes a header
				continue
			}
			r.Header.Add(name, value)
		case "--data-raw", "--data-binary", "-d", "--data":
			v, err := val()
			if err != nil {
				return nil, err
			}
			b := []byte(v)
			if a != "--data-raw" && strings.HasPrefix(v, "@") {
				if b, err = readAt(v[1:], stdin); err != nil {
					return nil, err
				}
			}
			if a == "-d" || a == "--data" { // curl strips CR and LF from -d data
				b = bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r"), nil), []byte("\n"), nil)
			}
			parts = append(parts, b)
		default:
			if strings.HasPrefix(a, "-") {
				return nil, fmt.Errorf("fake curl does not know %q", a)
			}
			if r.URL != "" {
				return nil, fmt.Errorf("two URLs: %q and %q", r.URL, a)
			}
			r.URL = a
		}
	}
	if r.URL == "" {
		return nil, errors.New("no URL")
	}
	if !globOff && strings.ContainsAny(r.URL, "[]{}") {
		return nil, fmt.Errorf("curl would read %q as a glob pattern (no -g)", r.URL)
	}
	if len(parts) > 0 {
		r.Body, r.HasBody = bytes.Join(parts, []byte("&")), true
		if r.Header.Get("Content-Type") == "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded") // curl's default for data
		}
	}
	switch {
	case method != "":
		r.Method = method
	case head:
		r.Method = http.MethodHead
	case r.HasBody:
		r.Method = http.MethodPost
	default:
		r.Method = http.MethodGet
	}
	return r, nil
}

func readAt(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

// Main is the fake curl program: it appends its arguments, as one JSON
// array a line, to $FAKECURL_LOG, then sends the request and prints the
// answer as curl -i does. It exits 2 on arguments it does not understand, 7
// when the server cannot be reached.
func Main() int {
	args := os.Args[1:]
	if log := os.Getenv("FAKECURL_LOG"); log != "" {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		if err == nil {
			line, _ := json.Marshal(args)
			f.Write(append(line, '\n'))
			f.Close()
		}
	}
	r, err := Parse(args, os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake curl:", err)
		return 2
	}
	var body io.Reader
	if r.HasBody {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequest(r.Method, r.URL, body)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake curl:", err)
		return 3
	}
	for name, vs := range r.Header {
		if strings.EqualFold(name, "Host") {
			req.Host = vs[0]
			continue
		}
		req.Header[name] = vs
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "curl: (7)", err)
		return 7
	}
	defer resp.Body.Close()
	fmt.Printf("%s %s\r\n", resp.Proto, resp.Status)
	resp.Header.Write(os.Stdout)
	fmt.Print("\r\n")
	io.Copy(os.Stdout, io.LimitReader(resp.Body, 1<<20))
	return 0
}
