package main

import (
	"strings"

	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/internal/netx"
)

// validate checks the flags before anything is read or sent.
func (o *CallOptions) validate(f *Factory, methodSet bool) error {
	if _, err := netx.CheckURL(o.URL); err != nil {
		return flagErrorf("%v (a bearer token is never sent in clear text to another machine)", err)
	}
	if err := o.Entra.validate(true); err != nil {
		return err
	}
	if m := strings.ToUpper(o.Acquire.Method); methodSet && isHTTPMethod(m) {
		return flagErrorf("--method is how the token is acquired (%s); for the HTTP method use -X %s (--request %s)", methodList(), m, m)
	}
	if o.Method != "" && !call.ValidMethod(o.Method) {
		return flagErrorf("-X %q is not an HTTP method (a token: letters, digits and !#$%%&'*+-.^_`|~)", o.Method)
	}
	for _, h := range o.Headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			return flagErrorf("-H wants 'Name: value', not %q", h)
		}
		if err := call.ValidHeader(strings.TrimSpace(k), strings.TrimSpace(v)); err != nil {
			return flagErrorf("-H: %v", err)
		}
	}
	if f.Globals.Offline && !o.Curl {
		return flagErrorf("--offline: call sends a request over the network; use --curl to print it instead, or drop --offline")
	}
	o.acquireSet = o.Acquire.Resource != "" || len(o.Acquire.Scopes) > 0 || methodSet
	if o.Token != "" && o.acquireSet {
		return flagErrorf("flag '--token' and the acquisition flags (--resource, --scope, --method) are mutually exclusive")
	}
	if (o.Token != "" || o.acquireSet) && o.headerToken() != "" {
		return flagErrorf("a token from -H 'Authorization: Bearer ...' and one from --token or the acquisition flags: give one")
	}
	if o.acquireSet {
		o.Acquire.placeholderOnly = o.Curl && !o.ShowSecrets
		if err := o.Acquire.complete(f); err != nil {
			return err
		}
	}
	if o.Key != "" && o.KeyFile != "" {
		return flagErrorf("flag '--subscription-key' and flag '--subscription-key-file' are mutually exclusive")
	}
	if o.Repeat < 1 || o.Repeat > call.MaxRepeat {
		return flagErrorf("--repeat must be between 1 and %d, not %d", call.MaxRepeat, o.Repeat)
	}
	if o.Concurrency < 1 || o.Concurrency > call.MaxConcurrency {
		return flagErrorf("--concurrency must be between 1 and %d, not %d", call.MaxConcurrency, o.Concurrency)
	}
	for _, s := range o.ExpectStatus {
		if s < 100 || s > 999 {
			return flagErrorf("--expect-status %d is not an HTTP status", s)
		}
	}
	return nil
}

func isHTTPMethod(m string) bool {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return true
	}
	return false
}

// headerToken is the token of a -H 'Authorization: Bearer ...', if one was
// given: it is sent, masked and diagnosed like one from --token.
func (o *CallOptions) headerToken() string {
	for _, h := range o.Headers {
		k, v, _ := strings.Cut(h, ":")
		scheme, tok, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.EqualFold(strings.TrimSpace(k), "Authorization") && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
	}
	return ""
}
