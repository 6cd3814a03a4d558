package diagnose

// This file evaluates the statements besides token validation:
// check-header and return-response.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
)

// harmless statements do not decide whether a token is accepted.
var harmless = map[string]bool{
	"set-variable": true, "set-header": true, "set-query-parameter": true, "rewrite-uri": true,
	"set-backend-service": true, "forward-request": true, "cors": true, "log-to-eventhub": true, "trace": true,
	"emit-metric": true, "set-method": true, "set-body": true, "find-and-replace": true, "json-to-xml": true,
	"xml-to-json": true, "cache-lookup": true, "cache-store": true, "cache-lookup-value": true,
	"cache-store-value": true, "llm-emit-token-metric": true, "azure-openai-emit-token-metric": true,
}

func returnResponse(n *Node) *outcome {
	o := &outcome{status: 200}
	if st := n.Child("set-status"); st != nil {
		if c, err := strconv.Atoi(strings.TrimSpace(st.AttrOr("code", "200"))); err == nil {
			o.status = c
		}
	}
	if n.Name == "mock-response" {
		if c, err := strconv.Atoi(strings.TrimSpace(n.AttrOr("status-code", "200"))); err == nil {
			o.status = c
		}
	}
	body := ""
	if b := n.Child("set-body"); b != nil {
		body = strings.TrimSpace(b.Text)
	}
	if o.status >= 400 {
		o.fail(finding.Finding{Code: finding.ForbiddenByPolicy, Side: finding.SideAPIM, Line: n.Line,
			Message:  fmt.Sprintf("the branch taken for this token returns %d (line %d)", o.status, n.Line),
			Expected: "a branch that forwards the request", Actual: fmt.Sprintf("<%s> with status %d", n.Name, o.status),
			Fix: "see the <when> conditions: the token does not satisfy the one that forwards"}, body)
		o.check("response", "fail", fmt.Sprintf("%s %d", n.Name, o.status))
		return o
	}
	o.check("response", "pass", fmt.Sprintf("%s %d: APIM answers itself, the backend is not called", n.Name, o.status))
	return o
}
