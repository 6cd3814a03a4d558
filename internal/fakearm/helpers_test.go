package fakearm

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

const v = "api-version=2024-05-01"

// world is a simulated tenant and ARM with the Contoso seed.
type world struct {
	t     *testing.T
	entra *fakeentra.Server
	arm   *Server
}

func newWorld(t *testing.T, edit ...func(*Options)) *world {
	t.Helper()
	e := fakeentra.New()
	t.Cleanup(e.Close)
	o := Contoso()
	o.Entra = e
	for _, f := range edit {
		f(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &world{t: t, entra: e, arm: s}
}

// token mints an ARM token for an app principal (v1, as Entra issues them).
func (w *world) token(clientID, objectID string, edit ...func(*fakeentra.Spec)) string {
	w.t.Helper()
	sp := fakeentra.Spec{Version: entra.V1, Audience: fakeentra.ARMAudience, ClientID: clientID,
		Claims: map[string]any{"oid": objectID, "sub": objectID}}
	for _, f := range edit {
		f(&sp)
	}
	return w.entra.Tenant(fakeentra.TenantID).MustMint(w.t, sp)
}

func (w *world) reader() string {
	return w.token(fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
}
func (w *world) contributor() string {
	return w.token(fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorObjectID)
}
func (w *world) none() string {
	return w.token(fakeentra.EvidenceNoneClientID, fakeentra.EvidenceNoneObjectID)
}

// answer is one response, its body decoded.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request; path may be relative to the server or absolute.
func (w *world) do(tok, method, path string, body any) answer {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	url := path
	if !strings.HasPrefix(path, "https://") {
		url = w.arm.URL + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.arm.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	json.Unmarshal(raw, &a.body)
	return a
}

func (w *world) get(tok, path string) answer { return w.do(tok, http.MethodGet, path, nil) }

// code is the ARM error code of an answer.
func (a answer) code() string {
	e, _ := a.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (a answer) message() string {
	e, _ := a.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// prop returns properties.<name> of an entity answer.
func (a answer) prop(name string) any {
	p, _ := a.body["properties"].(map[string]any)
	return p[name]
}

func svc(path string) string { return ContosoServiceID + path }

func q(path string) string {
	if strings.Contains(path, "?") {
		return path + "&" + v
	}
	return path + "?" + v
}

func timeIt(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}
