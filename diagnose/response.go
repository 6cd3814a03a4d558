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
	"unicode/utf8"

	"github.com/entratoken/entratoken/internal/token"
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

	apimBody bool // the message came from an APIM JSON body {"statusCode", "message"}
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
// body names the subscription key, or it challenges for the key with
// WWW-Authenticate: AzureApiManagementKey, as observed on its missing-key
// 401), APIM's token policy (its JSON body {"statusCode", "message"}
// otherwise), or the backend (a WWW-Authenticate: Bearer challenge; APIM is
// believed not to send one for its own 401s, shared/reference/entra-apim.md
// §8). The message is the body's "message", or the body's own text when it
// has none; a token in it is shown as a fingerprint, and it is cut at
// maxMessage.
func Classify(status int, h http.Header, body []byte) ResponseInfo {
	challenge := strings.Join(h.Values("WWW-Authenticate"), ", ")
	info := ResponseInfo{Status: status, RefusedBy: RefusedByUnknown, WWWAuthenticate: maskTokens(challenge)}
	if status != http.StatusUnauthorized && status != http.StatusForbidden {
		info.RefusedBy = ""
	}
	var apim struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
	}
	isAPIM := json.Unmarshal(body, &apim) == nil && apim.StatusCode != 0 && apim.Message != ""
	if isAPIM {
		info.Message, info.apimBody = maskTokens(CutMessage(apim.Message)), true
	} else if text := strings.TrimSpace(string(body)); text != "" {
		info.Message = maskTokens(CutMessage(text))
	}
	if info.RefusedBy == "" {
		return info
	}
	lower := strings.ToLower(challenge)
	switch {
	case isAPIM && strings.Contains(strings.ToLower(apim.Message), "subscription key"):
		info.RefusedBy = RefusedBySubscription
	case strings.HasPrefix(lower, "azureapimanagementkey") || strings.Contains(lower, ", azureapimanagementkey"):
		info.RefusedBy = RefusedBySubscription
	case strings.HasPrefix(lower, "bearer") && !isAPIM:
		info.RefusedBy = RefusedByBackend
		info.Message = info.WWWAuthenticate
	case isAPIM:
		info.RefusedBy = RefusedByToken
	}
	return info
}

// maxMessage bounds the gateway's message as reported: APIM's are a few
// hundred bytes, an IDX message with its parameters under 2 KiB.
const maxMessage = 4 << 10

// CutMessage bounds a message that came from a gateway (an answer's
// message, a trace step's) at 4 KiB, on a UTF-8 boundary, marking the cut.
func CutMessage(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	s = s[:maxMessage]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// maskTokens replaces every token in s by its fingerprint (IdentityModel's
// older IDX12709 quotes the token it could not read): never print a token
// unasked (spec/cli.md, "Secrets in output").
func maskTokens(s string) string { return token.Redact(s) }
