// Package fakearm is a simulated Azure Resource Manager for tests, benchmarks
// and the demo: an HTTPS server on loopback that serves API Management
// (Microsoft.ApiManagement, api-version 2024-05-01 and its neighbours),
// Azure Resource Graph and user-assigned identities' federated credentials
// in the shapes of Azure/azure-rest-api-specs, from tables of data (Service
// and friends), not from any client's code.
//
// Every request is checked as ARM checks it: a bearer token signed by the
// simulated tenant (internal/fakeentra) for the ARM audience, a known
// api-version, the service's minimum api-version, and the caller's role
// assignments (403 AuthorizationFailed naming the action). Lists come in
// tiny pages with absolute nextLinks; faults (429, 409/412), latency and
// role propagation can be injected; every request is counted.
//
// It never listens beyond 127.0.0.1.
package fakearm

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/fakeserver"
)

// DefaultAudience is ARM's token audience (resource), as azcore's public
// cloud configuration names it.
const DefaultAudience = "https://management.azure.com"

// LastPage says how the last page of a list ends: ARM clients must treat
// all three alike.
type LastPage int

// The ways a last page can end.
const (
	NextLinkAbsent LastPage = iota // no nextLink field
	NextLinkNull                   // "nextLink": null
	NextLinkEmpty                  // "nextLink": "" (as the spec's examples do)
)

// Options configure a simulated ARM.
type Options struct {
	// Entra is the simulated cloud whose tenants sign the tokens; required.
	Entra *fakeentra.Server
	// TenantID is the directory the subscriptions trust; default
	// fakeentra.TenantID.
	TenantID string
	// Audience is the token audience accepted, with or without a trailing
	// slash; default DefaultAudience (which also admits ARM's classic
	// https://management.core.windows.net/, as ARM does).
	Audience string

	Services    []Service
	Identities  []Identity
	Assignments []Assignment

	PageSize int           // list page size; default 2
	LastPage LastPage      // how last pages end
	Latency  time.Duration // added to every request
}

// Server is the simulated ARM.
type Server struct {
	// TLS is the loopback server; its URL is the endpoint, e.g.
	// https://127.0.0.1:41234 (no trailing slash), for
	// cloud.Configuration's ResourceManager Endpoint.
	*fakeserver.TLS
	// Log has every request and the bearer tokens seen (Requests, SawBearer).
	fakeserver.Log

	opts Options
	key  []byte // signs debug credentials

	mu          sync.Mutex
	services    []*Service
	identities  []Identity
	assignments []*Assignment
	propagation int
	latency     time.Duration
	lastPage    LastPage
	faults      []*fault
	traces      map[string]json.RawMessage
	debugFaults []debugFault // debug.go
	hits        map[string]int
}

// New starts a simulated ARM on loopback TLS. Close it when done.
func New(o Options) (*Server, error) {
	if o.Entra == nil {
		return nil, fmt.Errorf("fakearm: Options.Entra is required")
	}
	if o.TenantID == "" {
		o.TenantID = fakeentra.TenantID
	}
	if o.Audience == "" {
		o.Audience = DefaultAudience
	}
	if o.PageSize <= 0 {
		o.PageSize = 2
	}
	s := &Server{opts: o, key: make([]byte, 32), latency: o.Latency, lastPage: o.LastPage,
		identities: o.Identities, traces: map[string]json.RawMessage{}, hits: map[string]int{}}
	_, _ = rand.Read(s.key)
	for i := range o.Services {
		svc := o.Services[i]
		if err := normalise(&svc); err != nil {
			return nil, err
		}
		s.services = append(s.services, &svc)
	}
	for _, a := range o.Assignments {
		a := a
		s.assignments = append(s.assignments, &a)
	}
	s.TLS = fakeserver.StartTLS(http.HandlerFunc(s.serve))
	return s, nil
}

// SetLatency makes every later request take d longer (benchmarks use 100 ms).
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetLastPage chooses how last pages end from now on.
func (s *Server) SetLastPage(l LastPage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastPage = l
}

// Hits returns how many requests had this method and path (query left out),
// e.g. Hits("GET", ServiceID(...)+"/policies/policy").
func (s *Server) Hits(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[method+" "+strings.ToLower(path)]
}

// TotalHits returns how many requests the server has answered.
func (s *Server) TotalHits() int {
	return len(s.Requests())
}

// Repeated returns each "METHOD /path?query" requested more than once, with
// its count: a client that fetches no document twice leaves it empty.
func (s *Server) Repeated() map[string]int {
	n := map[string]int{}
	for _, r := range s.Requests() {
		n[r]++
	}
	for k, v := range n {
		if v < 2 {
			delete(n, k)
		}
	}
	return n
}

// ServiceID returns a service's ARM resource id.
func ServiceID(subscription, group, name string) string {
	return "/subscriptions/" + subscription + "/resourceGroups/" + group + "/providers/Microsoft.ApiManagement/service/" + name
}

// armError is ARM's error envelope.
type armError struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details []errorDetails `json:"details,omitempty"`
}

type errorDetails struct {
	Code    string `json:"code"`
	Target  string `json:"target,omitempty"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, code, message string, details ...errorDetails) {
	writeJSON(w, status, map[string]any{"error": armError{Code: code, Message: message, Details: details}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-request-id", newID())
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
