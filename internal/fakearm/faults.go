package fakearm

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// fault is an injected failure: the next n requests whose path ends with
// suffix get it.
type fault struct {
	suffix string
	n      int
	status int
	code   string
	msg    string
	retry  string // Retry-After, for 429
}

// InjectThrottle makes the next request whose path ends with pathSuffix
// (case-insensitive; the query is not part of it) answer 429 with
// Retry-After: 1, as ARM's throttling does.
func (s *Server) InjectThrottle(pathSuffix string) {
	s.InjectThrottleFor(pathSuffix, 1, 1)
}

// InjectThrottleFor makes the next n requests whose path ends with
// pathSuffix answer 429 with Retry-After: seconds.
func (s *Server) InjectThrottleFor(pathSuffix string, seconds, n int) {
	s.inject(&fault{suffix: pathSuffix, n: n, status: http.StatusTooManyRequests, code: "SubscriptionRequestsThrottled", retry: strconv.Itoa(seconds)})
}

// InjectConflict makes the next n requests whose path ends with pathSuffix
// answer status (409 or 412) with APIM's "Operation on the API is in
// progress", which clients retry.
func (s *Server) InjectConflict(pathSuffix string, status, n int) {
	s.inject(&fault{suffix: pathSuffix, n: n, status: status, code: "PessimisticConcurrencyConflict", msg: "Operation on the API is in progress"})
}

func (s *Server) inject(f *fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.suffix = strings.ToLower(f.suffix)
	s.faults = append(s.faults, f)
}

// fault answers an injected failure due for this request and reports
// whether the request may go on.
func (s *Server) fault(q *req) bool {
	path := strings.ToLower(strings.TrimRight(q.r.URL.Path, "/"))
	s.mu.Lock()
	var hit *fault
	for _, f := range s.faults {
		if f.n > 0 && strings.HasSuffix(path, strings.TrimRight(f.suffix, "/")) {
			f.n--
			hit = f
			break
		}
	}
	s.mu.Unlock()
	if hit == nil {
		return true
	}
	msg := hit.msg
	if hit.status == http.StatusTooManyRequests {
		kind := "read"
		if q.r.Method != http.MethodGet && q.r.Method != http.MethodHead {
			kind = "write"
		}
		msg = fmt.Sprintf("Number of '%s' requests for subscription actor '%s' exceeded. Please try again after '%s' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.",
			kind, q.p.oid, hit.retry)
		q.w.Header().Set("Retry-After", hit.retry)
		q.w.Header().Set("x-ms-ratelimit-remaining-subscription-"+kind+"s", "0")
	}
	writeError(q.w, hit.status, hit.code, msg)
	return false
}
