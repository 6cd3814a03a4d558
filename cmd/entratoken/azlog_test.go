package main

import (
	"testing"

	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
)

// azcore's log entries, as its logging and retry policies write them.
func TestAzureLogLine(t *testing.T) {
	for _, tt := range []struct {
		ev   azlog.Event
		msg  string
		want string
	}{
		{azlog.EventRequest, "==> OUTGOING REQUEST (Try=1)\n   POST https://login.microsoftonline.com/t/oauth2/v2.0/token\n   Content-Type: application/x-www-form-urlencoded\n", ""},
		{azlog.EventResponse, "==> REQUEST/RESPONSE (Try=1/152.3456ms, OpTime=152.3456ms) -- RESPONSE RECEIVED\n   POST https://login.microsoftonline.com/t/oauth2/v2.0/token\n   Content-Type: application/x-www-form-urlencoded\n   --------------------------------------------------------------------------------\n   RESPONSE Status: 400 Bad Request\n   Content-Type: application/json\n",
			"POST https://login.microsoftonline.com/t/oauth2/v2.0/token: HTTP 400 Bad Request in 152ms"},
		{azlog.EventResponse, "==> REQUEST/RESPONSE (Try=3/812µs, OpTime=2s) -- REQUEST ERROR\n   GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=REDACTED\n   (no headers)\n   --------------------------------------------------------------------------------\n   ERROR:\ndial tcp 169.254.169.254:80: connect: connection refused\ngoroutine 1 [running]:\n",
			"GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=REDACTED: failed after 812µs (try 3): dial tcp 169.254.169.254:80: connect: connection refused"},
		{azlog.EventRetryPolicy, "=====> Try=1 for GET https://x/", ""},
		{azlog.EventRetryPolicy, "End Try #1, Delay=300ms", "retry policy: End Try #1, Delay=300ms"},
		{azlog.EventRetryPolicy, "MaxRetries 2 exceeded", "retry policy: MaxRetries 2 exceeded"},
		{azlog.EventResponse, "something else", ""},
	} {
		got, ok := azureLogLine(tt.ev, tt.msg)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s %q:\n got  %q %v\n want %q", tt.ev, tt.msg, got, ok, tt.want)
		}
	}
}
