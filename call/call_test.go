package call

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Credentials never follow a redirect to another host; they do follow one
// on the same host.
func TestRedirectDropsCredentials(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization") + "|" + r.Header.Get(SubscriptionHeader) + "|" + r.URL.Query().Get(SubscriptionQuery))
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
	c := Client(&http.Client{Timeout: 5 * time.Second})
	for _, inQuery := range []bool{false, true} {
		leaked.Store("")
		if _, err := Do(context.Background(), c, Request{URL: origin.URL + "/away", Token: "tok", SubscriptionKey: "key", KeyInQuery: inQuery}); err != nil {
			t.Fatal(err)
		}
		if got := leaked.Load().(string); got != "||" {
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
	c := Client(srv.Client())
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
	s := Repeat(context.Background(), Client(srv.Client()), Request{URL: srv.URL, Token: "one-token"}, 50, 4)
	if s.Count != 50 || s.StatusCounts["200"] != 50 || s.Errors != 0 {
		t.Fatalf("%+v", s)
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..4", p)
	}
	if !(s.Latency.P50 > 0 && s.Latency.P50 <= s.Latency.P90 && s.Latency.P90 <= s.Latency.P99 && s.Latency.P99 <= s.Latency.Max) {
		t.Errorf("percentiles out of order: %+v", s.Latency)
	}
	bad := Repeat(context.Background(), Client(srv.Client()), Request{URL: "http://127.0.0.1:1/"}, 3, 2)
	if bad.Errors != 3 || bad.FirstError == "" {
		t.Errorf("%+v", bad)
	}
}

func TestCurl(t *testing.T) {
	r := Request{URL: "https://gw/orders", Token: "eyJsecret", SubscriptionKey: "k3y", Headers: []Header{{"X-Api-Key", "hush"}, {"X-Note", "it's"}}, Body: []byte(`{"a":1}`)}
	got := Curl(r, false)
	want := `curl -sS -i -X POST https://gw/orders -H "Authorization: Bearer $TOKEN" -H "Ocp-Apim-Subscription-Key: $APIM_SUBSCRIPTION_KEY" -H "X-Api-Key: $X_API_KEY" -H 'X-Note: it'\''s' --data-binary '{"a":1}'`
	if got != want {
		t.Errorf("curl:\n got %s\nwant %s", got, want)
	}
	for _, s := range []string{"eyJsecret", "k3y", "hush"} {
		if strings.Contains(got, s) {
			t.Errorf("%q in %s", s, got)
		}
	}
	if shown := Curl(r, true); !strings.Contains(shown, "eyJsecret") || !strings.Contains(shown, "k3y") {
		t.Errorf("--show-secrets: %s", shown)
	}
	q := Curl(Request{URL: "https://gw/o?a=1", SubscriptionKey: "k3y", KeyInQuery: true}, false)
	if q != `curl -sS -i "https://gw/o?a=1&subscription-key=$APIM_SUBSCRIPTION_KEY"` {
		t.Errorf("query key: %s", q)
	}
}

// BenchmarkDoLoopback measures one full request through Do against a
// loopback server that answers at once: an upper bound on what call adds
// per request (request building, httptrace, reading the body).
func BenchmarkDoLoopback(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"ok":true}`)) }))
	defer srv.Close()
	c := Client(srv.Client())
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
	c := Client(srv.Client())
	for b.Loop() {
		s := Repeat(context.Background(), c, Request{URL: srv.URL, Token: "eyJ.a.b"}, 200, 8)
		b.ReportMetric(s.Latency.P50*1000, "p50-µs/req")
	}
}
