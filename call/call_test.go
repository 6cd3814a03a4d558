package call

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/netx"
)

// call's client is netx's: credentials never follow a redirect to another
// origin, and do follow one within it (the policy itself is tested in netx).
func TestRedirectDropsCredentials(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization") + "|" + r.Header.Get(SubscriptionHeader) + "|" + r.URL.Query().Get(SubscriptionQuery) + "|" + r.Header.Get("Referer"))
	}))
	defer other.Close()
	var sameHost atomic.Value
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/x?keep=1", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/landed", http.StatusFound)
		case "/landed":
			sameHost.Store(r.Header.Get("Authorization") + "|" + r.Header.Get(SubscriptionHeader))
		}
	}))
	defer origin.Close()
	c := netx.NewClient(5*time.Second, nil)
	for _, inQuery := range []bool{false, true} {
		leaked.Store("")
		if _, err := Do(context.Background(), c, Request{URL: origin.URL + "/away", Token: "tok", SubscriptionKey: "key", KeyInQuery: inQuery}); err != nil {
			t.Fatal(err)
		}
		if got := leaked.Load().(string); got != "|||" {
			t.Errorf("credentials reached another host (key in query %v): %q", inQuery, got)
		}
	}
	if _, err := Do(context.Background(), c, Request{URL: origin.URL + "/here", Token: "tok", SubscriptionKey: "key"}); err != nil {
		t.Fatal(err)
	}
	if got := sameHost.Load().(string); got != "Bearer tok|key" {
		t.Errorf("same-host redirect lost credentials: %q", got)
	}
}

func TestDoTimingAndBounds(t *testing.T) {
	big := strings.Repeat("x", MaxBody+10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write([]byte(big))
			return
		}
		time.Sleep(20 * time.Millisecond)
		w.WriteHeader(204)
	}))
	defer srv.Close()
	c := netx.NewClient(5*time.Second, srv.Client().Transport)
	resp, err := Do(context.Background(), c, Request{URL: srv.URL + "/slow"})
	if err != nil || resp.Status != 204 || resp.Timing.FirstByte < 20*time.Millisecond || resp.Timing.Total < resp.Timing.FirstByte {
		t.Fatalf("%v %+v", err, resp)
	}
	resp, err = Do(context.Background(), c, Request{URL: srv.URL + "/big"})
	if err != nil || !resp.Truncated || len(resp.Body) != MaxBody {
		t.Errorf("big body: %v truncated=%v len=%d", err, resp.Truncated, len(resp.Body))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	_, err = Do(ctx, c, Request{URL: srv.URL + "/slow"})
	if te, ok := err.(*TransportError); !ok || !te.Timeout {
		t.Errorf("timeout: %#v", err)
	}
}

func TestRepeat(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		inFlight.Add(-1)
		if r.Header.Get("Authorization") != "Bearer one-token" {
			w.WriteHeader(401)
		}
	}))
	defer srv.Close()
	s := Repeat(context.Background(), netx.NewClient(5*time.Second, srv.Client().Transport), Request{URL: srv.URL, Token: "one-token"}, 50, 4)
	if s.Count != 50 || s.StatusCounts["200"] != 50 || s.Errors != 0 {
		t.Fatalf("%+v", s)
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..4", p)
	}
	if !(s.Latency.P50 > 0 && s.Latency.P50 <= s.Latency.P90 && s.Latency.P90 <= s.Latency.P99 && s.Latency.P99 <= s.Latency.Max) {
		t.Errorf("percentiles out of order: %+v", s.Latency)
	}
	bad := Repeat(context.Background(), netx.NewClient(5*time.Second, srv.Client().Transport), Request{URL: "http://127.0.0.1:1/"}, 3, 2)
	if bad.Errors != 3 || bad.FirstError == "" {
		t.Errorf("%+v", bad)
	}
}

func TestRepeatBounds(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := netx.NewClient(5*time.Second, srv.Client().Transport)
	// A count no machine could hold as a slice, with a cancelled context: no
	// allocation by n, no panic, no request beyond the bound.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := Repeat(ctx, c, Request{URL: srv.URL}, 1<<62, 1<<30)
	if s.Count != MaxRepeat || s.Concurrency != MaxConcurrency {
		t.Errorf("bounds not applied: %+v", s)
	}
}

// BenchmarkDoLoopback measures one full request through Do against a
// loopback server that answers at once: an upper bound on what call adds
// per request (request building, httptrace, reading the body).
func BenchmarkDoLoopback(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) }))
	defer srv.Close()
	c := netx.NewClient(5*time.Second, srv.Client().Transport)
	r := Request{URL: srv.URL, Token: "eyJ.a.b", SubscriptionKey: "k"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Do(context.Background(), c, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRepeat200x8 is call --repeat 200 --concurrency 8 in-process.
func BenchmarkRepeat200x8(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) }))
	defer srv.Close()
	c := netx.NewClient(5*time.Second, srv.Client().Transport)
	for b.Loop() {
		s := Repeat(context.Background(), c, Request{URL: srv.URL, Token: "eyJ.a.b"}, 200, 8)
		b.ReportMetric(s.Latency.P50*1000, "p50-µs/req")
	}
}
