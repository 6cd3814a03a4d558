package diagnose

// This file evaluates the statements besides token validation:
// check-header and return-response.

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/netx"
	"github.com/entratoken/entratoken/internal/token"
)

// harmless statements do not decide whether a token is accepted.
var harmless = map[string]bool{
	"set-variable":        true,
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

// checkHeader evaluates check-header against the request (§3.1): absent, or
// a value not listed; the subscription key is its own check.
func checkHeader(e env, n *Node) *outcome {
	o := &outcome{}
	name := n.AttrOr("name", "")
	code, _ := strconv.Atoi(strings.TrimSpace(n.AttrOr("failed-check-httpcode", "401")))
	o.status = code
	msg := n.AttrOr("failed-check-error-message", "")
	v, present := lookupHeader(e.req.Headers, name)
	isKey := strings.EqualFold(name, "Ocp-Apim-Subscription-Key")
	check := "header"
	if isKey {
		check = "subscription-key" // the spec's name for this check
	}
	if !present {
		f := finding.Finding{Code: finding.HeaderCheckFailed, Side: finding.SideClient, Line: n.Line,
			Message: fmt.Sprintf("check-header requires %s and the request has none", name), Expected: name, Actual: "(absent)",
			Fix: "send the " + name + " header"}
		if isKey {
			f.Code = finding.SubscriptionKeyMiss
			f.Message = "the policy requires Ocp-Apim-Subscription-Key and none was sent (--subscription-key-present says one is)"
			f.Fix = "send the subscription key in Ocp-Apim-Subscription-Key (APIM portal > Subscriptions)"
		}
		o.fail(f, cmp.Or(msg, fmt.Sprintf("Header %s was not found in the request. Access denied.", name)))
		o.check(check, "fail", name+" absent")
		return o
	}
	var values []string
	for _, val := range n.All("value") {
		values = append(values, strings.TrimSpace(val.Text))
	}
	if len(values) == 0 {
		o.check(check, "pass", name+" present")
		return o
	}
	if isKey {
		o.warn(finding.Finding{Code: finding.PolicyUnsupported, Side: finding.SideAPIM, Line: n.Line,
			Message: "check-header compares the subscription key with listed values, which entratoken cannot know"})
		o.unknown = true
		return o
	}
	ignoreCase := parseBool(n, "ignore-case", false)
	for _, want := range values {
		if v == want || ignoreCase && strings.EqualFold(v, want) {
			o.check("header", "pass", name+" has an allowed value")
			return o
		}
	}
	shown, expected := token.Redact(v), strings.Join(values, ", ")
	if netx.SecretHeader(name) { // both sides: the listed values are the secret (often a named value's)
		shown = "(hidden: the header looks secret)"
		expected = fmt.Sprintf("one of %d listed values (hidden: the header looks secret)", len(values))
	}
	o.fail(finding.Finding{Code: finding.HeaderCheckFailed, Side: finding.SideClient, Line: n.Line,
		Message: fmt.Sprintf("header %s has a value the policy does not allow", name), Expected: expected,
		Actual: shown, Fix: "send an allowed value"},
		cmp.Or(msg, fmt.Sprintf("Header %s value of %s is not allowed. Access denied.", name, shown)))
	o.check("header", "fail", name+" value not allowed")
	return o
}
