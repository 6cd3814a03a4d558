package fakearm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Errors of VerifyDebugCredential and VerifyDebugCredentialFor, which the
// simulated gateway turns into its answers.
var (
	// ErrDebugCredentialInvalid: not a token this ARM issued (Apim-Debug-Authorization ignored).
	ErrDebugCredentialInvalid = errors.New("fakearm: debug credential invalid")
	// ErrDebugCredentialExpired: past its ex (Apim-Debug-Authorization-Expired).
	ErrDebugCredentialExpired = errors.New("fakearm: debug credential expired")
	// ErrDebugCredentialWrongAPI: issued for another API (Apim-Debug-Authorization-WrongAPI).
	ErrDebugCredentialWrongAPI = errors.New("fakearm: debug credential for another API")
	// ErrNoTracing: the service's tier does not trace (no trace headers at all).
	ErrNoTracing = errors.New("fakearm: this gateway does not trace")
)

const debugLayout = "20060102150405"

// debugKey is the key a service's debug credentials are signed with.
func (s *Server) debugKey(svcID string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(strings.ToLower(svcID)))
	return m.Sum(nil)
}

func sign(key []byte, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// listDebugCredentials serves POST {S}/gateways/managed/listDebugCredentials
// {"credentialsExpireAfter":"PT1H","apiId":"<full API id>","purposes":["tracing"]}
// → {"token":"p=tracing&aid=<api>&ex=<yyyyMMddHHmmss>&sn=<signature>"}, the
// lifetime capped at one hour (GatewayListDebugCredentials.json).
func (s *Server) listDebugCredentials(c *apimCall) {
	if !eq(c.names[0], "managed") {
		notFound(c.w, "Gateway")
		return
	}
	var body struct {
		CredentialsExpireAfter string   `json:"credentialsExpireAfter"`
		APIID                  string   `json:"apiId"`
		Purposes               []string `json:"purposes"`
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		validation(c.w, "The request body is not valid JSON: "+err.Error())
		return
	}
	bad := func(target, msg string) {
		validation(c.w, "One or more fields contain incorrect values:", errorDetails{Code: "ValidationError", Target: target, Message: msg})
	}
	if body.APIID == "" {
		bad("apiId", "The apiId field is required.")
		return
	}
	prefix := strings.ToLower(c.id + "/apis/")
	if !strings.HasPrefix(strings.ToLower(body.APIID), prefix) || strings.Contains(body.APIID[len(prefix):], "/") {
		bad("apiId", fmt.Sprintf("'%s' is not a valid API resource id of this service: use the full id, %s/apis/{apiId}.", body.APIID, c.id))
		return
	}
	a := c.svc.api(body.APIID[len(prefix):])
	if a == nil {
		notFound(c.w, "Api")
		return
	}
	tracing := false
	for _, p := range body.Purposes {
		tracing = tracing || eq(p, "tracing")
	}
	if !tracing {
		bad("purposes", "The purposes field is required and must contain 'tracing'.")
		return
	}
	life := time.Hour
	if body.CredentialsExpireAfter != "" {
		d, err := isoDuration(body.CredentialsExpireAfter)
		if err != nil || d <= 0 {
			bad("credentialsExpireAfter", fmt.Sprintf("'%s' is not a valid ISO 8601 duration.", body.CredentialsExpireAfter))
			return
		}
		life = min(d, time.Hour)
	}
	aid, ex := a.id(), time.Now().UTC().Add(life)
	if f, ok := s.nextDebugFault(); ok {
		if f.expired {
			ex = time.Now().UTC().Add(-time.Minute)
		}
		if f.api != "" {
			aid = f.api
		}
	}
	payload := "p=tracing&aid=" + aid + "&ex=" + ex.Format(debugLayout)
	writeJSON(c.w, http.StatusOK, obj{"token": payload + "&sn=" + sign(s.debugKey(c.id), payload)})
}

var isoRE = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// isoDuration parses the ISO 8601 durations APIM takes (PnDTnHnMnS).
func isoDuration(v string) (time.Duration, error) {
	m := isoRE.FindStringSubmatch(strings.ToUpper(v))
	if m == nil || v == "P" || strings.HasSuffix(strings.ToUpper(v), "T") {
		return 0, fmt.Errorf("not an ISO 8601 duration: %q", v)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] == "" {
			continue
		}
		f, _ := strconv.ParseFloat(m[i+1], 64)
		d += time.Duration(f * float64(unit))
	}
	return d, nil
}

// VerifyDebugCredential checks a debug credential (the value of
// Apim-Debug-Authorization) as the gateway does and returns the API id it
// was issued for (its aid: "orders", "orders;rev=2"). An expired one returns
// the API id with ErrDebugCredentialExpired; one of a service that does not
// trace, ErrNoTracing; anything else, ErrDebugCredentialInvalid.
func (s *Server) VerifyDebugCredential(token string, now time.Time) (string, error) {
	fields := map[string]string{}
	for _, kv := range strings.Split(token, "&") {
		k, v, _ := strings.Cut(kv, "=") // not url.ParseQuery: the signature's '+' must stay
		fields[k] = v
	}
	i := strings.LastIndex(token, "&sn=")
	if i < 0 || fields["p"] != "tracing" || fields["aid"] == "" {
		return "", ErrDebugCredentialInvalid
	}
	payload := token[:i]
	for _, svc := range s.services {
		id := ServiceID(svc.SubscriptionID, svc.ResourceGroup, svc.Name)
		if !hmac.Equal([]byte(sign(s.debugKey(id), payload)), []byte(fields["sn"])) {
			continue
		}
		ex, err := time.Parse(debugLayout, fields["ex"])
		switch {
		case err != nil:
			return "", ErrDebugCredentialInvalid
		case svc.NoTracing:
			return fields["aid"], ErrNoTracing
		case !now.Before(ex):
			return fields["aid"], fmt.Errorf("%w at %s", ErrDebugCredentialExpired, ex.Format(time.RFC3339))
		}
		return fields["aid"], nil
	}
	return "", ErrDebugCredentialInvalid
}

// VerifyDebugCredentialFor is VerifyDebugCredential for a request the
// gateway routed to api (an API id as in aid): ErrDebugCredentialWrongAPI
// when the credential names another.
func (s *Server) VerifyDebugCredentialFor(token, api string, now time.Time) error {
	aid, err := s.VerifyDebugCredential(token, now)
	if err != nil {
		return err
	}
	if !eq(aid, api) {
		return fmt.Errorf("%w: issued for %s, request for %s", ErrDebugCredentialWrongAPI, aid, api)
	}
	return nil
}

// RecordTrace stores the trace the simulated gateway made for a request
// (the listTrace JSON: serviceName, traceId, traceEntries), so that
// listTrace with traceId id returns it.
func (s *Server) RecordTrace(id string, trace json.RawMessage) error {
	if !json.Valid(trace) {
		return fmt.Errorf("fakearm: trace %s is not JSON", id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.traces[id] = append(json.RawMessage(nil), trace...)
	return nil
}

// listTrace serves POST {S}/gateways/managed/listTrace {"traceId":"…"}: the
// recorded trace, 404 for an unknown id (GatewayListTrace.json).
func (s *Server) listTrace(c *apimCall) {
	if !eq(c.names[0], "managed") {
		notFound(c.w, "Gateway")
		return
	}
	var body struct {
		TraceID string `json:"traceId"`
	}
	if json.Unmarshal(c.body, &body) != nil || body.TraceID == "" {
		validation(c.w, "One or more fields contain incorrect values:", errorDetails{Code: "ValidationError", Target: "traceId", Message: "The traceId field is required."})
		return
	}
	s.mu.Lock()
	t, ok := s.traces[body.TraceID]
	s.mu.Unlock()
	if !ok {
		notFound(c.w, "Trace")
		return
	}
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(http.StatusOK)
	c.w.Write(t)
}

// debugFault changes the next debug credential ARM issues.
type debugFault struct {
	expired bool   // issued already expired
	api     string // issued for this API instead of the one asked for
}

// InjectExpiredDebugCredentials makes the next n debug credentials already
// expired when issued (a gateway whose clock is ahead), so the gateway
// answers Apim-Debug-Authorization-Expired.
func (s *Server) InjectExpiredDebugCredentials(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.debugFaults = append(s.debugFaults, debugFault{expired: true})
	}
}

// InjectDebugCredentialAPI makes the next debug credential name api (an API
// id as in aid), whatever was asked for: the gateway then answers
// Apim-Debug-Authorization-WrongAPI, as when it routes a request to another
// API than the client matched.
func (s *Server) InjectDebugCredentialAPI(api string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.debugFaults = append(s.debugFaults, debugFault{api: api})
}

func (s *Server) nextDebugFault() (debugFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.debugFaults) == 0 {
		return debugFault{}, false
	}
	f := s.debugFaults[0]
	s.debugFaults = s.debugFaults[1:]
	return f, true
}
