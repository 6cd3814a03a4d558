package armsource

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/entratoken/entratoken/internal/finding"
)

// sideAdmin is where an RBAC fix belongs.
const sideAdmin = "tenant admin"

// ReadError is a read that the diagnosis cannot go on without (the
// service's APIs): its finding says why.
type ReadError struct {
	Finding finding.Finding
	// NotFound says ARM answered 404: there is no such service.
	NotFound bool
}

func (e *ReadError) Error() string { return e.Finding.Message }

// status returns the HTTP status of an ARM failure, 0 when there was no
// answer.
func status(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

func isNotFound(err error) bool { return status(err) == http.StatusNotFound }

// failure turns a failed read into a finding: EVIDENCE_FORBIDDEN with the
// action and a built-in role that has it for a 403, EVIDENCE_UNAVAILABLE
// otherwise.
func failure(action, what, role string, err error) finding.Finding {
	var re *azcore.ResponseError
	code, msg := "", err.Error()
	if errors.As(err, &re) {
		code = re.ErrorCode
		msg = fmt.Sprintf("ARM answered %d %s", re.StatusCode, cmpOr(code, http.StatusText(re.StatusCode)))
	}
	if status(err) == http.StatusForbidden {
		return finding.Finding{Code: finding.EvidenceForbidden, Severity: finding.SeverityWarning, Side: sideAdmin,
			Message:  fmt.Sprintf("the credential may not read %s: %s (%s)", what, msg, action),
			Expected: action, Actual: "not granted to the credential that reads the evidence",
			Fix: fmt.Sprintf("assign the credential the %s on the service (it has %s), or diagnose from saved evidence (--apiops DIR); a new role assignment can take minutes to apply: sign in again", role, action)}
	}
	if status(err) == http.StatusTooManyRequests && re.RawResponse != nil {
		if after, err := strconv.Atoi(re.RawResponse.Header.Get("Retry-After")); err == nil && after >= 0 {
			msg += fmt.Sprintf(": ARM throttled the read and asked to wait %d s (Retry-After), longer than --timeout lets a read wait; come back then, or raise --timeout", after)
		}
	}
	if status(err) == http.StatusUnauthorized {
		msg += ": ARM did not accept the credential's token (tenant or audience, see --arm-audience)"
	}
	return finding.Finding{Code: finding.EvidenceUnavailable, Severity: finding.SeverityWarning, Side: finding.SideClient,
		Message: fmt.Sprintf("%s could not be read: %s", what, oneLine(msg)), Expected: what, Actual: "not read",
		Fix: "retry, check --apim and --arm-endpoint, or give the evidence as files (--apiops DIR)"}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// oneLine keeps the first line of an SDK error (its later lines repeat the
// whole response).
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
