package trace

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/finding"
)

// refusers are the policies whose failure is a refusal of the request
// rather than an error of the gateway or the backend.
var refusers = map[string]bool{
	"validate-jwt": true, "validate-azure-ad-token": true, "check-header": true, "validate-client-certificate": true,
	"ip-filter": true, "rate-limit": true, "rate-limit-by-key": true, "quota": true, "quota-by-key": true,
	"validate-content": true, "validate-parameters": true, "validate-headers": true, "validate-odata-request": true,
	"validate-graphql-request": true, "llm-token-limit": true, "azure-openai-token-limit": true,
}

// failure matches what a step writes when it refuses or fails:
// IdentityModel's messages, validate-jwt's and check-header's own texts,
// APIM's built-in refusals.
var failure = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\bIDX\d{5}\b|validation failed|JWT not present|was not found in the request|is not allowed|access denied|` +
		`rate limit (is )?exceeded|quota exceeded|caller ip address|error occurred|exception`)
})

// decide says what the trace shows became of the request, and which step
// refused or failed.
func (v *View) decide(t *Trace) {
	onError := len(t.Entries["on-error"]) > 0
	if v.policySteps() == 0 && !onError {
		// Only the gateway's own entries: it answered before any policy
		// ran (its API match or its subscription check).
		v.Outcome = Refused
		return
	}
	for i, st := range v.Steps {
		if st.Section == "on-error" {
			break
		}
		if st.Source != Inspector && failure().MatchString(st.Message) {
			v.Failed = i
			break
		}
	}
	if v.Failed < 0 && onError { // the error's step is the last that ran before on-error
		for i, st := range v.Steps {
			if st.Section != "on-error" && st.Source != Inspector {
				v.Failed = i
			}
		}
	}
	switch {
	case v.Failed >= 0 && refusers[v.Steps[v.Failed].Source]:
		v.Outcome = Refused
	case v.Failed >= 0 || onError:
		v.Outcome = Errored
		if v.Status >= 400 && v.Status < 500 {
			v.Outcome = Refused
		}
	case v.Status >= 500:
		v.Outcome = Errored
	case v.Status >= 400:
		v.Outcome = Refused
	default:
		v.Outcome = Passed
	}
}

// explain turns what refused into findings: the failing step's message read
// as diagnose reads the gateway's answer (IDX codes with their parameters,
// APIM's built-in texts), or the subscription check.
func (v *View) explain() []finding.Finding {
	if v.Outcome == Passed {
		return nil
	}
	if v.Failed < 0 && v.policySteps() == 0 {
		return v.beforePolicies()
	}
	status := v.Status
	if status < 400 {
		status = http.StatusUnauthorized
		if v.Outcome == Errored {
			status = http.StatusInternalServerError
		}
	}
	if v.Failed < 0 {
		return []finding.Finding{{Code: finding.GatewayRefused, Severity: finding.SeverityError, Primary: true, Side: finding.SideClient + " or " + finding.SideAPIM,
			Actual:  fmt.Sprintf("status %d", status),
			Message: fmt.Sprintf("the trace shows the gateway answered %d, and no step in it says why", status),
			Fix:     "read the steps: a return-response or set-status of the policy answers this"}}
	}
	st := v.Steps[v.Failed]
	msg := strings.TrimSpace(st.Message)
	// validate-jwt's trace entry wraps the text the caller gets in
	// "JWT Validation Failed: "; the text itself is what APIM answers with.
	answer := msg
	if p := "JWT Validation Failed:"; len(answer) > len(p) && strings.EqualFold(answer[:len(p)], p) {
		answer = strings.TrimSpace(answer[len(p):])
	}
	fs := diagnose.GatewayFindings(diagnose.ResponseInfo{Status: status, RefusedBy: diagnose.RefusedByToken, Message: answer}, nil)
	for i := range fs {
		if fs[i].Code == finding.GatewayRefused && !strings.Contains(fs[i].Message, "the gateway says") {
			fs[i].Actual = msg
			fs[i].Message = fmt.Sprintf("the trace's %s step (%s) failed with a message entratoken does not recognise; it is shown as it came", st.Source, st.Section)
			fs[i].Fix = "read the step's message; the policy statement it names answers it"
		}
	}
	return fs
}

func (v *View) policySteps() int {
	n := 0
	for _, st := range v.Steps {
		if st.Source != Inspector {
			n++
		}
	}
	return n
}

// beforePolicies explains a trace with only the api-inspector entries: no
// configuration is no API matched; otherwise the subscription check
// refused (what the gateway traces for that refusal is UNCONFIRMED: the
// finding says it is read from the entries' absence).
func (v *View) beforePolicies() []finding.Finding {
	if !v.configured {
		return []finding.Finding{{Code: finding.APINotFound, Severity: finding.SeverityError, Primary: true, Side: finding.SideClient,
			Actual:   orNone(v.Request),
			Expected: "a URL whose path starts with an API's URL suffix",
			Message:  "the trace has the request and no configuration entry: the gateway matched no API (or operation) to it, and answered before any policy ran",
			Fix:      "check the URL's path against the APIs' URL suffixes (version segment, ;rev=N) and the operations' URL templates"}}
	}
	info := diagnose.ResponseInfo{Status: http.StatusUnauthorized, RefusedBy: diagnose.RefusedBySubscription,
		Message: "Access denied due to missing subscription key."}
	if v.keySent {
		info.Message = "Access denied due to invalid subscription key."
	}
	fs := diagnose.GatewayFindings(info, nil)
	for i := range fs {
		fs[i].Message = "the trace shows the gateway matched " + orNone(v.API) + " and ran no policy step: it answered at its subscription check, which runs before every policy (read from the trace's entries; the gateway's answer says it in words). " + fs[i].Message
	}
	return fs
}
