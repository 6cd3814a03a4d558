package main

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
)

// listenAzureSDK makes -v show every HTTP request the Azure SDK pipelines
// make (azidentity's token and metadata requests, and any other azcore
// client), through azcore's log listener: the method, the URL (azcore masks
// query values; everything then passes f.redact), the status and the time,
// and the retries. The tool's own net/http requests say their own -v lines.
// stopAzureSDK ends it.
func (f *Factory) listenAzureSDK() {
	var mu sync.Mutex
	azlog.SetEvents(azlog.EventRequest, azlog.EventResponse, azlog.EventRetryPolicy)
	azlog.SetListener(func(ev azlog.Event, msg string) {
		line, ok := azureLogLine(ev, msg)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		f.logf("%s", line)
	})
}

// stopAzureSDK stops what listenAzureSDK started.
func stopAzureSDK() { azlog.SetListener(nil) }

var (
	azTry    = regexp.MustCompile(`^==> REQUEST/RESPONSE \(Try=(\d+)/([^,]+), OpTime=[^)]*\) -- (RESPONSE RECEIVED|REQUEST ERROR)`)
	azStatus = regexp.MustCompile(`^\s*RESPONSE Status: (.+)$`)
)

// azureLogLine turns one azcore log entry into a -v line; ok is false for
// entries -v does not show (the request before its answer, headers).
func azureLogLine(ev azlog.Event, msg string) (string, bool) {
	lines := strings.Split(msg, "\n")
	switch ev {
	case azlog.EventResponse:
		m := azTry.FindStringSubmatch(lines[0])
		if m == nil || len(lines) < 2 {
			return "", false
		}
		request := strings.TrimSuffix(strings.TrimSpace(lines[1]), "?") // METHOD URL
		took := m[2]
		if d, err := time.ParseDuration(took); err == nil {
			took = roundDuration(d).String()
		}
		try := ""
		if m[1] != "1" {
			try = " (try " + m[1] + ")"
		}
		if m[3] == "REQUEST ERROR" {
			cause := "no response"
			for i, l := range lines {
				if strings.TrimSpace(l) == "ERROR:" && i+1 < len(lines) {
					cause = strings.TrimSpace(lines[i+1])
					break
				}
			}
			return fmt.Sprintf("%s: failed after %s%s: %s", request, took, try, cause), true
		}
		for _, l := range lines[2:] {
			if s := azStatus.FindStringSubmatch(l); s != nil {
				return fmt.Sprintf("%s: HTTP %s in %s%s", request, strings.TrimSpace(s[1]), took, try), true
			}
		}
		return fmt.Sprintf("%s: answered in %s%s", request, took, try), true
	case azlog.EventRetryPolicy:
		// Only what changes the story: a retry, or giving up.
		if strings.HasPrefix(msg, "End Try #") || strings.Contains(msg, "exceeded") || strings.Contains(msg, "exceeds") {
			return "retry policy: " + strings.TrimSpace(lines[0]), true
		}
	}
	return "", false
}

// roundDuration keeps a duration readable: milliseconds, or microseconds
// below one.
func roundDuration(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}
