package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/acquire"
	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
)

// CallOptions holds what the call command needs.
type CallOptions struct {
	URL          string
	Method       string
	Headers      []string
	Data         string
	Token        string
	Acquire      AcquireOptions
	Key          string
	KeyFile      string
	KeyInQuery   bool
	ExpectStatus []int
	// Sources say which policy a refusal is diagnosed against
	// (--diagnose-policy [SCOPE=]FILE, --apiops, ...): diagnose's flags.
	Sources     DiagnoseOptions
	targets     []diagnose.Target
	Repeat      int
	Concurrency int
	Curl        bool
	ShowSecrets bool
	Trace       bool
	Entra       EntraOptions // call_entra.go

	acquireSet, keyFromFlag bool
	liveFail                *liveFailure // call --apim: the service could not be read
}

func newCallCmd(f *Factory, runF func(context.Context, *CallOptions) error) *cobra.Command {
	o := &CallOptions{}
	cmd := &cobra.Command{
		Use:   "call URL [-X METHOD] [-H 'Name: value'] [-d DATA|@FILE] [--token T | --resource R ...]",
		Short: "Send a request with Authorization: Bearer and Ocp-Apim-Subscription-Key",
		Long: `Send the request your app sends, through APIM, and show what came back: status, headers,
body (pretty JSON), and where the time went (DNS, connect, TLS, first byte, total).

The token comes from --token (a value, @FILE, or - for stdin) or is acquired with the same
flags as acquire (--resource, --method, --client-id, ...), once, even with --repeat. The
subscription key comes from --subscription-key, APIM_SUBSCRIPTION_KEY or
--subscription-key-file, and goes in Ocp-Apim-Subscription-Key (or ?subscription-key= with
--subscription-key-in-query). A token given as -H 'Authorization: Bearer ...' is the token, and
-H 'Ocp-Apim-Subscription-Key: ...' the key. Neither follows a redirect off its origin, nor one from
https to http; plain http goes only to an address that is loopback.

As curl -v does, the response body alone goes to stdout (byte for byte to a pipe or a file, so
call URL | jq works), and the request, status, headers, timing and diagnosis to stderr. -X is the
HTTP method; --method is how the token is acquired. --repeat is at most 100000, --concurrency 64.
--curl prints a line safe to paste into a POSIX shell that sends exactly what call sends.

On a 401 or 403 it says who refused (APIM's subscription check, APIM's token policy, or the
backend's own WWW-Authenticate), and diagnoses the token it sent: against --diagnose-policy
or --apiops when given, against the live effective policy with --apim (read over ARM with
--credential before anything is sent; the key sent decides the product when the credential
may list secrets), otherwise with the token-only checks. Tokens and keys are redacted in everything
printed unless --show-secrets; on GitHub Actions they are masked (::add-mask::).

Exit 0 when the status is expected (--expect-status, default any 2xx), 1 otherwise, 3 when a
token cannot be acquired, 4 when the request fails below HTTP (connection, TLS, timeout).`,
		Example: `  entratoken call https://contoso.azure-api.net/orders --resource api://contoso-orders
  entratoken call https://contoso.azure-api.net/orders --token @token.txt --diagnose-policy policy.xml
  entratoken call https://contoso.azure-api.net/orders/42 --token @token.txt --apim auto
  entratoken call https://contoso.azure-api.net/orders --resource api://contoso-orders | jq .orders
  entratoken call https://contoso.azure-api.net/orders -X POST -d @order.json -H 'X-Correlation-Id: 42'
  entratoken call https://contoso.azure-api.net/orders --method managed-identity --resource api://contoso-orders --expect-status 200
  entratoken call https://contoso.azure-api.net/orders --resource api://contoso-orders --repeat 200 --concurrency 8 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.URL = args[0]
			if err := o.validate(f, cmd.Flags().Changed("method")); err != nil {
				return err
			}
			f.markRan()
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runCall(cmd.Context(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Method, "request", "X", "", "HTTP method (default GET, or POST with -d)")
	fl.StringArrayVarP(&o.Headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
	fl.StringVarP(&o.Data, "data", "d", "", "request body: DATA, @FILE, or @- for stdin")
	fl.StringVar(&o.Token, "token", "", "the token to send: TOKEN, @FILE, or - for stdin")
	fl.StringVar(&o.Key, "subscription-key", "", "APIM subscription key (env APIM_SUBSCRIPTION_KEY; the flag is visible in the process list)")
	fl.StringVar(&o.KeyFile, "subscription-key-file", "", "read the subscription key from `PATH`, or - for stdin")
	fl.BoolVar(&o.KeyInQuery, "subscription-key-in-query", false, "send the key as ?subscription-key= instead of the header")
	fl.IntSliceVar(&o.ExpectStatus, "expect-status", nil, "expected HTTP status(es) (default: any 2xx)")
	addCallSourceFlags(cmd, &o.Sources)
	fl.IntVar(&o.Repeat, "repeat", 1, "send the request N times (one token for all)")
	fl.IntVar(&o.Concurrency, "concurrency", 1, "with --repeat, at most C requests in flight")
	fl.BoolVar(&o.Curl, "curl", false, "print the equivalent curl command (secrets as $VARIABLES) instead of sending")
	fl.BoolVar(&o.ShowSecrets, "show-secrets", false, "show the token and the subscription key in the output")
	fl.BoolVar(&o.Trace, "trace", false, "say each step of the exchange on stderr (connection, TLS, timings)")
	addAPIMFlags(cmd, &o.Sources.APIM) // after --show-secrets, which it shares
	addCallEntraFlags(cmd, o)          // after --apim's, whose credential flags it shares
	addAcquireFlags(cmd, &o.Acquire)
	return cmd
}

// callRequest gathers the request: body, headers, token, key.
func (f *Factory) callRequest(ctx context.Context, o *CallOptions) (call.Request, error) {
	r := call.Request{Method: strings.ToUpper(o.Method), URL: o.URL, KeyInQuery: o.KeyInQuery}
	if u, err := url.Parse(o.URL); err == nil {
		for name, vs := range u.Query() {
			if netx.SecretQuery(name) {
				for _, v := range vs {
					f.addSecret(v) // a key or token given in the URL itself
				}
			}
		}
	}
	headerKey := ""
	for _, h := range o.Headers {
		k, v, _ := strings.Cut(h, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case strings.EqualFold(k, "Authorization") && o.headerToken() != "":
			r.Token = o.headerToken()
			continue
		case strings.EqualFold(k, call.SubscriptionHeader):
			headerKey = v
			continue
		}
		r.Headers = append(r.Headers, call.Header{Name: k, Value: v})
		if netx.SecretHeader(k) {
			f.addSecret(v)
		}
	}
	if o.Data != "" {
		b, err := readData(o.Data, f.IO.In)
		if err != nil {
			return r, err
		}
		r.Body = b
		if file, ok := strings.CutPrefix(o.Data, "@"); ok && file != "-" {
			r.BodyFile = file
		}
	}
	switch {
	case o.Token != "":
		t, err := token.Read(o.Token, true, f.IO.In, f.IO.InTTY)
		if err != nil {
			return r, err
		}
		r.Token = t
	case o.acquireSet && o.Acquire.placeholderOnly:
		r.Token = "$TOKEN" // --curl shows the token as a variable: acquiring one would be wasted
	case o.acquireSet:
		actx, cancel := context.WithTimeout(ctx, f.Globals.Timeout)
		defer cancel()
		res, err := acquire.Acquire(actx, f.acquireRequest(&o.Acquire))
		if err != nil {
			return r, err
		}
		r.Token = res.Token
		fmt.Fprintf(f.IO.ErrOut, "entratoken: token acquired with %s\n", res.Method)
	}
	r.SubscriptionKey = cmp.Or(o.Key, headerKey)
	o.keyFromFlag = o.Key != ""
	if r.SubscriptionKey == "" && o.KeyFile != "" {
		k, err := readSecretFile("--subscription-key-file", o.KeyFile, f.IO.In)
		if err != nil {
			return r, err
		}
		r.SubscriptionKey = k
	}
	if r.SubscriptionKey == "" {
		r.SubscriptionKey = f.Getenv("APIM_SUBSCRIPTION_KEY")
	}
	f.addSecret(r.Token)
	f.addSecret(r.SubscriptionKey)
	return r, nil
}

func readData(d string, stdin io.Reader) ([]byte, error) {
	if !strings.HasPrefix(d, "@") {
		return []byte(d), nil
	}
	if d == "@-" {
		return iostreams.ReadAll(stdin, 16<<20)
	}
	b, err := iostreams.ReadFile(d[1:], 16<<20)
	if err != nil {
		return nil, flagErrorf("-d %s: %v", d, err)
	}
	return b, nil
}

func runCall(ctx context.Context, f *Factory, o *CallOptions) error {
	r, err := f.callRequest(ctx, o)
	if err != nil {
		return err
	}
	if o.keyFromFlag {
		fmt.Fprintln(f.IO.ErrOut, "entratoken: warning: --subscription-key is visible to other users in the process list; prefer APIM_SUBSCRIPTION_KEY or --subscription-key-file")
	}
	if f.Getenv("GITHUB_ACTIONS") == "true" {
		for _, s := range []string{r.Token, r.SubscriptionKey} {
			if s != "" {
				fmt.Fprintf(f.IO.ErrOut, "::add-mask::%s\n", s)
			}
		}
	}
	if o.Curl {
		line, err := call.Curl(r, o.ShowSecrets)
		if err != nil {
			return flagErrorf("--curl: %v", err)
		}
		_, err = fmt.Fprintln(f.IO.Out, line)
		return err
	}
	// The policy a refusal would be diagnosed against is read and checked
	// before anything is sent: a typo is a usage error, not a wasted call.
	if err := f.prepareCallDiagnosis(ctx, o, r); err != nil {
		return err
	}
	client := f.HTTPClient()
	if o.Trace {
		f.Globals.Verbose = true
		r.Logf = f.logf
	}
	if o.Repeat > 1 {
		return runRepeat(ctx, f, o, client, r)
	}
	resp, err := call.Do(ctx, client, r)
	if err != nil {
		return err
	}
	out := callResult{req: r, resp: resp, show: o.ShowSecrets}
	if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
		info := diagnose.Classify(resp.Status, resp.Headers, resp.Body)
		out.refused = &info
		if r.Token != "" {
			rep, src, err := f.diagnoseSent(ctx, o, r, info)
			if err != nil {
				fmt.Fprintf(f.IO.ErrOut, "entratoken: could not diagnose the token: %s\n", f.redact(err.Error()))
				// The refusal still says why: diagnose it alone.
				rep, _ = diagnose.Run(ctx, diagnose.Input{Gateway: &info})
				src = "the gateway's answer alone"
			}
			f.callEntra(ctx, o, r, rep)
			out.diagnosis, out.diagSource = rep, src
		}
	}
	if f.Globals.Output == "json" {
		err = writeJSON(f.IO.Out, out.json(f))
	} else {
		err = out.text(f)
	}
	if err != nil {
		return err
	}
	if !expected(resp.Status, o.ExpectStatus) {
		return errFailed
	}
	return nil
}

// diagnoseSent runs diagnose on the token the call sent, with the gateway's
// refusal as evidence: a call that was refused is never diagnosed as
// accepted.
func (f *Factory) diagnoseSent(ctx context.Context, o *CallOptions, r call.Request, refusal diagnose.ResponseInfo) (*diagnose.Report, string, error) {
	in := diagnose.Input{Token: r.Token, SubscriptionKey: r.SubscriptionKey != "", Resolver: f.Resolver(), Authority: f.authority, Gateway: &refusal}
	src := "the gateway's answer, and the token alone: its signature and lifetime (--diagnose-policy or --apiops checks the API's policy too)"
	if len(o.targets) > 0 {
		src = o.targets[0].Label
	}
	rep, err := runTargets(ctx, in, o.targets)
	if err != nil {
		return nil, "", err
	}
	for _, t := range o.targets { // of several possibilities, the one reported
		if rep.Evidence != nil && len(o.targets) > 1 && rep.Evidence.Context == t.Context.Why {
			src = t.Label
		}
	}
	return rep, o.liveDiagnosis(rep, src), nil
}

func expected(status int, want []int) bool {
	if len(want) == 0 {
		return status >= 200 && status < 300
	}
	for _, w := range want {
		if w == status {
			return true
		}
	}
	return false
}

func runRepeat(ctx context.Context, f *Factory, o *CallOptions, client *http.Client, r call.Request) error {
	s := call.Repeat(ctx, client, r, o.Repeat, o.Concurrency)
	if f.Globals.Output == "json" {
		if err := writeJSON(f.IO.Out, s); err != nil {
			return err
		}
	} else {
		w := f.IO.Out
		fmt.Fprintf(w, "%d requests, %d at a time, in %.0f ms\n", s.Count, s.Concurrency, s.ElapsedMS)
		for code, n := range s.StatusCounts {
			fmt.Fprintf(w, "  %s  %d\n", code, n)
		}
		if s.Errors > 0 {
			fmt.Fprintf(w, "  transport errors  %d (first: %s)\n", s.Errors, f.redact(s.FirstError))
		}
		fmt.Fprintf(w, "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", s.Latency.P50, s.Latency.P90, s.Latency.P99, s.Latency.Max)
	}
	if s.Errors == s.Count {
		return &call.TransportError{URL: r.URL, Err: fmt.Errorf("every request failed: %s", f.redact(s.FirstError))}
	}
	for code, n := range s.StatusCounts {
		c, _ := strconv.Atoi(code)
		if n > 0 && !expected(c, o.ExpectStatus) {
			return errFailed
		}
	}
	if s.Errors > 0 {
		return errFailed
	}
	return nil
}
