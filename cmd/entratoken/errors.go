package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/entratoken/entratoken/acquire"
	"github.com/entratoken/entratoken/call"
	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/internal/token"
	"github.com/entratoken/entratoken/policy"
)

// Exit codes are part of the contract (spec/cli.md, "Exit codes").
const (
	exitOK        = 0 // success: valid / accepted / expected status
	exitFailed    = 1 // the thing checked failed (the report says why)
	exitUsage     = 2 // bad flags, unreadable input, unparseable policy
	exitNoToken   = 3 // could not get a token or the tenant's metadata
	exitTransport = 4 // the call failed at transport level
)

// FlagError is a usage error: exit 2, message on stderr, never JSON.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

func flagErrorf(format string, a ...any) error {
	return &FlagError{err: fmt.Errorf(format, a...)}
}

// silentError carries an exit code for a failure whose report was already
// printed (an invalid token, a rejected request).
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// errFailed is returned by commands whose report says the check failed.
var errFailed error = &silentError{code: exitFailed}

// exitCode maps an error to the contract's exit codes. ran says whether a
// command's RunE had started; errors from cobra before that are usage errors.
func exitCode(err error, ran bool) int {
	var se *silentError
	var fe *FlagError
	var ke *keys.Error
	var kfe *keys.FileError
	var ie *token.InputError
	var ae *acquire.Error
	var aie *acquire.InputError
	var te *call.TransportError
	var ne *diagnose.NeedError
	var ue *diagnose.UsageError
	var pe *policy.ParseError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &te):
		return exitTransport
	case errors.As(err, &se):
		return se.code
	case errors.As(err, &ae):
		if ae.Usage {
			return exitUsage
		}
		return exitNoToken
	case errors.As(err, &aie):
		return exitUsage
	case errors.As(err, &fe), errors.As(err, &kfe), errors.As(err, &ie), errors.Is(err, token.ErrNoInput),
		errors.As(err, &ne), errors.As(err, &ue), errors.As(err, &pe):
		return exitUsage
	case errors.As(err, &ke):
		return exitNoToken
	case !ran:
		return exitUsage
	case errors.Is(err, context.DeadlineExceeded):
		return exitNoToken
	}
	return exitFailed
}

// errorDoc is the JSON form of a failure: {"error": {...}}.
type errorDoc struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code          string            `json:"code"`
	Finding       string            `json:"finding"`
	Message       string            `json:"message"`
	Fix           string            `json:"fix"`
	Expected      string            `json:"expected,omitempty"`
	Actual        string            `json:"actual,omitempty"`
	Method        string            `json:"method,omitempty"`
	CorrelationID string            `json:"correlation_id,omitempty"`
	TraceID       string            `json:"trace_id,omitempty"`
	Attempts      []acquire.Attempt `json:"attempts,omitempty"`
}

func errorBodyOf(err error) errorBody {
	var te *call.TransportError
	if errors.As(err, &te) {
		fix := "check the URL, DNS, the network path and TLS trust (SSL_CERT_FILE for a private CA)"
		if te.Timeout {
			fix = "the server did not answer within --timeout: check the network path, or raise --timeout"
		}
		return errorBody{Code: "TRANSPORT", Finding: "CALL_FAILED", Message: te.Error(), Fix: fix}
	}
	var ae *acquire.Error
	if errors.As(err, &ae) {
		code := ae.AADSTS
		if code == "" {
			code = ae.Finding
		}
		return errorBody{Code: code, Finding: ae.Finding, Message: ae.Message, Fix: ae.Fix, Expected: ae.Expected, Actual: ae.Actual,
			Method: string(ae.Method), CorrelationID: ae.CorrelationID, TraceID: ae.TraceID, Attempts: ae.Attempts}
	}
	var ie *acquire.InputError
	if errors.As(err, &ie) {
		return errorBody{Code: "INPUT", Message: ie.Error(), Fix: ie.Fix}
	}
	var ke *keys.Error
	if errors.As(err, &ke) {
		code := ke.Code
		if ke.AADSTS != "" {
			code = ke.AADSTS
		}
		return errorBody{Code: code, Finding: ke.Code, Message: ke.Message, Fix: ke.Fix}
	}
	return errorBody{Code: "ERROR", Message: err.Error()}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // URLs in claims stay readable
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
