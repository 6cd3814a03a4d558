package netx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	ok := []string{"https://login.microsoftonline.com/", "http://127.0.0.1:8080/x", "http://localhost/", "http://[::1]:9/", "http://127.3.4.5/"}
	for _, u := range ok {
		if _, err := CheckURL(u); err != nil {
			t.Errorf("CheckURL(%q) = %v, want ok", u, err)
		}
	}
	bad := map[string]string{
		"http://login.microsoftonline.com/": "only https",
		"http://10.0.0.1/":                  "only https",
		"ftp://x/":                          "scheme",
		"/relative":                         "absolute",
		"https://user:pw@host/":             "credentials",
		"http://169.254.169.254/":           "only https",
	}
	for u, want := range bad {
		if _, err := CheckURL(u); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckURL(%q) = %v, want error containing %q", u, err, want)
		}
	}
}

func TestParseAuthority(t *testing.T) {
	u, err := ParseAuthority("https://login.microsoftonline.us")
	if err != nil || u.String() != "https://login.microsoftonline.us/" {
		t.Errorf("got %v, %v", u, err)
	}
	if _, err := ParseAuthority("https://x/?a=b"); err == nil {
		t.Error("query accepted")
	}
	if !IsMicrosoftAuthority(u) {
		t.Error("US Government authority not recognised")
	}
}

func TestFetch(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"a":1}`)) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, _ *http.Request) { w.Write(make([]byte, 2048)) })
	mux.HandleFunc("/err", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(400)
		w.Write([]byte(`{"error":"invalid_tenant"}`))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.com/keys", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(300*time.Millisecond, nil)
	ctx := context.Background()

	if b, err := Fetch(ctx, c, srv.URL+"/ok", 1024, nil); err != nil || string(b) != `{"a":1}` {
		t.Errorf("ok: %q %v", b, err)
	}
	_, err := Fetch(ctx, c, srv.URL+"/big", 1024, nil)
	if err == nil || !strings.Contains(err.Error(), "larger than 1 KiB") {
		t.Errorf("big: %v", err)
	}
	_, err = Fetch(ctx, c, srv.URL+"/err", 1024, nil)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.Status != 400 || !strings.Contains(string(fe.Body), "invalid_tenant") {
		t.Errorf("err: %v", err)
	}
	start := time.Now()
	_, err = Fetch(ctx, c, srv.URL+"/slow", 1024, nil)
	if !errors.As(err, &fe) || !fe.Timeout || time.Since(start) > 2*time.Second {
		t.Errorf("slow: %v after %v, want a timeout within the client's bound", err, time.Since(start))
	}
	_, err = Fetch(ctx, c, srv.URL+"/loop", 1024, nil)
	if err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("loop: %v", err)
	}
	_, err = Fetch(ctx, c, srv.URL+"/away", 1024, nil)
	if err == nil || !strings.Contains(err.Error(), "redirect refused") {
		t.Errorf("redirect to plain http elsewhere: %v", err)
	}
}

// Hostile servers: an endless body, a slow drip, one that never answers.
// Each ends within the client's bound, and memory stays bounded however much
// the server sends.
func TestHostileServers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/drip", func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil {
			w.Write([]byte(" "))
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	})
	mux.HandleFunc("/silent", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := NewClient(500*time.Millisecond, nil)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Fetch(context.Background(), c, srv.URL+"/endless", 1<<20, nil)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("endless: %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("reading an endless body allocated %d MiB; the bound is 1 MiB", grew>>20)
	}
	for _, path := range []string{"/drip", "/silent"} {
		start := time.Now()
		_, err := Fetch(context.Background(), c, srv.URL+path, 1<<20, nil)
		var fe *FetchError
		if !errors.As(err, &fe) || !fe.Timeout {
			t.Errorf("%s: %v, want a timeout", path, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v, bound 500ms", path, d)
		}
	}
}
