package diagnose

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
)

// Who refused a request (spec/cli.md, call's refused_by).
const (
	RefusedBySubscription = "apim-subscription"
	RefusedByToken        = "apim-token"
	RefusedByBackend      = "backend"
	RefusedByUnknown      = "unknown"
)

// ResponseInfo is what a saved or live response says about who refused.
type ResponseInfo struct {
	Status          int    `json:"status"`
	RefusedBy       string `json:"refused_by"`
	Message         string `json:"message,omitempty"`
	WWWAuthenticate string `json:"www_authenticate,omitempty"`
}

// MaxResponse bounds what is read of a saved response.
const MaxResponse = 1 << 20

// ParseResponse reads a raw HTTP response as saved from curl -i, a proxy or
// the browser: status line, headers, blank line, body. HTTP/2 status lines
// ("HTTP/2 401") are accepted.
func ParseResponse(r io.Reader) (status int, h http.Header, body []byte, err error) {
	br := bufio.NewReader(io.LimitReader(r, MaxResponse))
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	for err == nil && strings.TrimSpace(line) == "" {
		line, err = tp.ReadLine()
	}
	if err != nil {
		return 0, nil, nil, fmt.Errorf("no status line: %w", err)
	}
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return 0, nil, nil, fmt.Errorf("%q is not an HTTP status line (save the response with curl -i)", shortenLine(line))
	}
	status, err = strconv.Atoi(f[1])
	if err != nil || status < 100 || status > 999 {
		return 0, nil, nil, fmt.Errorf("%q has no status code", shortenLine(line))
	}
	mh, err := tp.ReadMIMEHeader()
	if err != nil && err != io.EOF {
		return 0, nil, nil, fmt.Errorf("headers: %w", err)
	}
	body, _ = io.ReadAll(br)
	return status, http.Header(mh), body, nil
}

func shortenLine(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// Classify says who refused a 401/403: APIM's subscription check (its JSON
// body names the subscription key), APIM's token policy (its JSON body
// {"statusCode", "message"} otherwise), or the backend (a WWW-Authenticate:
// Bearer challenge; APIM is believed not to send one for its own 401s,
// shared/reference/entra-apim.md §8).
func Classify(status int, h http.Header, body []byte) ResponseInfo {
	info := ResponseInfo{Status: status, RefusedBy: RefusedByUnknown, WWWAuthenticate: h.Get("WWW-Authenticate")}
	if status != http.StatusUnauthorized && status != http.StatusForbidden {
		info.RefusedBy = ""
		return info
	}
	var apim struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
	}
	isAPIM := json.Unmarshal(body, &apim) == nil && apim.StatusCode != 0 && apim.Message != ""
	switch {
	case isAPIM && strings.Contains(strings.ToLower(apim.Message), "subscription key"):
		info.RefusedBy, info.Message = RefusedBySubscription, apim.Message
	case strings.HasPrefix(strings.ToLower(info.WWWAuthenticate), "bearer") && !isAPIM:
		info.RefusedBy = RefusedByBackend
		info.Message = info.WWWAuthenticate
	case isAPIM:
		info.RefusedBy, info.Message = RefusedByToken, apim.Message
	}
	return info
}

// ResponseFindings turns a classified response into findings: what refused,
// and where the fix is.
func ResponseFindings(info ResponseInfo) []finding.Finding {
	switch info.RefusedBy {
	case RefusedBySubscription:
		f := finding.Finding{Code: finding.SubscriptionKeyMiss, Severity: finding.SeverityError, Side: finding.SideClient,
			Message: "APIM refused the request before any token check: " + info.Message,
			Fix:     "send a valid key of an active subscription in Ocp-Apim-Subscription-Key"}
		if strings.Contains(strings.ToLower(info.Message), "invalid") {
			f.Code = finding.SubscriptionKeyInvalid
			f.Fix = "the key is not a valid key of an active subscription for this API: copy it again from the portal (Subscriptions), check the subscription's scope and state"
		}
		return []finding.Finding{f}
	case RefusedByBackend:
		return []finding.Finding{{Code: finding.BackendRejected, Severity: finding.SeverityError, Side: finding.SideClient,
			Message: "APIM let the request through and the backend refused it: " + info.WWWAuthenticate,
			Fix:     "the backend validates the token itself; compare its expected audience and issuer with the token (entratoken inspect)"}}
	}
	return nil
}
