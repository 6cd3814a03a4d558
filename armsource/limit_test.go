package armsource

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entratoken/entratoken/trace"
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

// The SDK's pagers follow whatever nextLink ARM answers, with the token:
// a next page on another origin is not asked for, and a list whose pages
// never end stops at maxPages.
func TestNextPagesStayOnARM(t *testing.T) {
	var other atomic.Int32
	elsewhere := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		_, _ = w.Write([]byte(`{"value":[]}`))
	}))
	t.Cleanup(elsewhere.Close)
	var srv *httptest.Server
	var next string
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"value":[],"nextLink":"` + next + r.URL.Path + `?api-version=2024-05-01"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{Endpoint: srv.URL, Credential: static{"t"}, HTTP: srv.Client(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The test servers share one certificate, so the other origin's TLS would be trusted.
	next = elsewhere.URL
	_, fs := c.KeyOwner(context.Background(), contoso, "k", nil)
	if other.Load() != 0 || len(fs) == 0 || !strings.Contains(fs[0].Message, "not followed") {
		t.Errorf("off-origin nextLink: %d requests elsewhere, findings %+v", other.Load(), fs)
	}
	// The identity reads page by hand, through the same transport.
	var page struct{}
	if _, err := c.getJSON(context.Background(), elsewhere.URL+"/subscriptions/s/providers/x?api-version=1", &page); err == nil || other.Load() != 0 || !strings.Contains(err.Error(), "not followed") {
		t.Errorf("identity read to another origin: err %v, %d requests elsewhere", err, other.Load())
	}
	next = srv.URL
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, fs = c.KeyOwner(ctx, contoso, "k", nil)
	if len(fs) == 0 || !strings.Contains(fs[0].Message, "more than 1000 pages") {
		t.Errorf("endless nextLink: %+v", fs)
	}
}

// --apim auto over a Resource Graph whose pages do not end: the search
// stops at maxGraphPages and says so, instead of "no service has the host".
func TestResolveCutIsSaid(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"totalRecords":100000,"count":1,"resultTruncated":"false","$skipToken":"more","data":[{"id":"/x","properties":{"gatewayUrl":"https://other.azure-api.net"}}]}`))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{Endpoint: srv.URL, Credential: static{"t"}, HTTP: srv.Client(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Resolve(context.Background(), "auto", "", "", "https://contoso.azure-api.net/orders")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !nf.Cut || !strings.Contains(err.Error(), "were not read") || n.Load() != maxGraphPages {
		t.Fatalf("after %d pages: %v", n.Load(), err)
	}
}

// A trace id that is no file name is refused, and quoted cut.
func TestSaveTraceRefusesOddIDs(t *testing.T) {
	for _, id := range []string{"../x", "a/b", "", strings.Repeat("é", 1<<16)} {
		_, err := SaveTrace(t.TempDir(), &trace.Trace{TraceID: id, Entries: map[string][]trace.Entry{"inbound": {{Source: "x"}}}})
		if err == nil || len(err.Error()) > 512 {
			t.Errorf("id %.20q: %.200v", id, err)
		}
	}
}
