// Package fakeapim is a simulated Azure API Management gateway for tests and
// the demo: an HTTP server on loopback that checks subscription keys as APIM
// does (header, then query; shared/reference/entra-apim.md §3.4), enforces an
// inbound policy with diagnose's own evaluator on each request as sent, and
// answers refusals with APIM's JSON bodies; behind it, a backend that serves
// orders and can refuse with its own WWW-Authenticate challenge (§8).
package fakeapim

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/policy"
)

// Subscription keys the gateway knows.
const (
	SubscriptionKey      = "0123456789abcdef0123456789abcdef" // the orders product's primary key
	OtherSubscriptionKey = "fedcba9876543210fedcba9876543210"
)

// Messages APIM answers with (Observed; §3.4).
const (
	MissingKeyMessage = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."
	InvalidKeyMessage = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."
)

// Options configure a gateway.
type Options struct {
	Policy              []byte            // inbound policy XML; nil: no policy
	NamedValues         map[string]string // for {{named values}}
	RequireSubscription bool
	Tenant              *fakeentra.Server // where the policy's keys come from
	// Service, when set, replaces Policy: the gateway routes each request
	// to its API and operation, checks the key against the API's products,
	// and enforces the effective policy of the request's context.
	Service *policy.Service
	// Keys maps each subscription key the service knows to the product
	// it belongs to ("" for a key scoped to all APIs).
	Keys map[string]string
	// Tracer, when set (a *fakearm.Server), makes the service gateway
	// honour Apim-Debug-Authorization: it checks the credential there and
	// records each traced request's trace for listTrace. A service whose
	// tier does not trace (fakearm's NoTracing) answers with no trace
	// header at all.
	Tracer Tracer
}

// Gateway is the simulated APIM instance.
type Gateway struct {
	srv   *httptest.Server
	URL   string // e.g. http://127.0.0.1:41234/
	opts  Options
	pol   *diagnose.Policy
	res   *keys.Resolver
	auth  *url.URL
	cache string

	mu      sync.Mutex
	gateway int // requests seen
	backend int // requests forwarded
}

// New starts a gateway. Close it when done.
func New(o Options) (*Gateway, error) {
	g := &Gateway{opts: o}
	if o.Policy != nil {
		p, err := diagnose.Parse(o.Policy, o.NamedValues)
		if err != nil {
			return nil, err
		}
		g.pol = p
	}
	if o.Tenant != nil {
		dir, err := os.MkdirTemp("", "fakeapim-")
		if err != nil {
			return nil, err
		}
		g.cache = dir
		g.auth, _ = url.Parse(o.Tenant.URL)
		g.res = &keys.Resolver{Authority: g.auth, HTTP: o.Tenant.Client(), Cache: &keys.Cache{Dir: dir}}
	}
	g.srv = httptest.NewUnstartedServer(http.HandlerFunc(g.serve))
	g.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	g.srv.Start()
	g.URL = g.srv.URL + "/"
	return g, nil
}

// Close stops the gateway.
func (g *Gateway) Close() {
	g.srv.Close()
	if g.cache != "" {
		os.RemoveAll(g.cache)
	}
}

// Counts returns how many requests reached the gateway and the backend.
func (g *Gateway) Counts() (gateway, backend int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gateway, g.backend
}

func apimError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
	}{status, msg}) // APIM's field order
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.gateway++
	g.mu.Unlock()
	if g.opts.RequireSubscription {
		key := r.Header.Get("Ocp-Apim-Subscription-Key")
		if key == "" {
			key = r.URL.Query().Get("subscription-key") // checked only without the header
		}
		switch key {
		case "":
			// Observed on APIM's missing-key 401: a challenge naming the key.
			w.Header().Set("WWW-Authenticate", `AzureApiManagementKey realm="`+g.URL+strings.TrimPrefix(r.URL.Path, "/")+`",name="Ocp-Apim-Subscription-Key",type="header"`)
			apimError(w, http.StatusUnauthorized, MissingKeyMessage)
			return
		case SubscriptionKey, OtherSubscriptionKey:
		default:
			apimError(w, http.StatusUnauthorized, InvalidKeyMessage)
			return
		}
	}
	if g.opts.Service != nil {
		g.serveService(w, r)
		return
	}
	if g.pol != nil {
		headers := map[string]string{}
		for k, v := range r.Header {
			headers[k] = strings.Join(v, ",")
		}
		query := map[string]string{}
		for k, v := range r.URL.Query() {
			query[k] = strings.Join(v, ",")
		}
		rep, err := diagnose.Run(context.Background(), diagnose.Input{Policy: g.pol, AsSent: true, Headers: headers, Query: query,
			Resolver: g.res, Authority: g.auth})
		switch {
		case err != nil:
			apimError(w, http.StatusInternalServerError, "fake gateway: "+err.Error())
			return
		case rep.Verdict == diagnose.Rejected:
			if rep.Message == "" {
				w.WriteHeader(rep.Status)
				return
			}
			apimError(w, rep.Status, rep.Message)
			return
		case rep.Verdict == diagnose.Unknown:
			apimError(w, http.StatusInternalServerError, "fake gateway: the policy cannot be evaluated offline")
			return
		case rep.Status != http.StatusOK:
			w.WriteHeader(rep.Status) // a return-response of the policy
			return
		}
	}
	g.mu.Lock()
	g.backend++
	g.mu.Unlock()
	backend(w, r)
}

// backend is the orders service behind the gateway. /admin/* refuses with
// its own challenge, as an ASP.NET Core JwtBearer backend with a stricter
// audience would.
func backend(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Backend", "orders")
	if strings.HasPrefix(r.URL.Path, "/admin") {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The audience 'api://contoso-orders' is invalid"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"created": json.RawMessage(orJSON(body)), "contentType": r.Header.Get("Content-Type"),
			"correlation": r.Header.Get("X-Correlation-Id")})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"orders": []map[string]any{{"id": 1001, "item": "espresso beans", "qty": 2}, {"id": 1002, "item": "oat milk", "qty": 6}}})
}

func orJSON(b []byte) []byte {
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}
