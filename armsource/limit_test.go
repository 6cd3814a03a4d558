package armsource

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// An ARM answer larger than maxAnswer is refused, not read whole into
// memory: the SDK's clients have no bound of their own.
func TestAnswerIsBounded(t *testing.T) {
	old := maxAnswer
	maxAnswer = 1 << 20
	t.Cleanup(func() { maxAnswer = old })
	big := `{"traceEntries":{"inbound":[{"source":"x","data":"` + strings.Repeat("A", 2<<20) + `"}]}}`
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(big))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{Endpoint: srv.URL, Credential: static{"t"}, HTTP: srv.Client(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Trace(context.Background(), contoso, "abc")
	if err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Fatalf("a 2 MiB answer with a 1 MiB bound: %v", err)
	}
	// Within the bound, the same answer reads.
	maxAnswer = 4 << 20
	if _, err := c.Trace(context.Background(), contoso, "abc"); err != nil {
		t.Fatalf("a 2 MiB answer with a 4 MiB bound: %v", err)
	}
}
