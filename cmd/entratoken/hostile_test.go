package main

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/entratoken/entratoken/internal/hostile"
)

type hostileKey struct{}

// setupHostile starts the hostile server (internal/hostile) for a script:
// $HOSTILE (https), $HOSTILE_PLAIN (plain http, same host) and
// $HOSTILE_OTHER (another origin), its certificate trusted through the
// script's SSL_CERT_FILE.
func setupHostile(env *testscript.Env) error {
	h := hostile.New()
	env.Defer(h.Close)
	env.Values[hostileKey{}] = h
	if err := h.WriteCAFile(filepath.Join(env.WorkDir, ".fakeentra-ca.pem")); err != nil {
		return err
	}
	env.Setenv("HOSTILE", h.URL)
	env.Setenv("HOSTILE_PLAIN", h.PlainURL)
	env.Setenv("HOSTILE_OTHER", h.OtherURL)
	env.Setenv("FAKECURL_LOG", filepath.Join(env.WorkDir, ".fakecurl.log"))
	return nil
}

// cmdHostile inspects what reached the hostile server:
//
//	hostile count LISTENER N    assert N requests on tls, plain, other or all
//	hostile last LISTENER FILE  write the last request there, canonical form
//	hostile body control FILE   write /control's exact body to FILE
//	hostile reset               forget the requests so far
func cmdHostile(ts *testscript.TestScript, neg bool, args []string) {
	h := ts.Value(hostileKey{}).(*hostile.Server)
	listener := func(name string) string {
		if name == "all" {
			return ""
		}
		return name
	}
	switch {
	case len(args) == 3 && args[0] == "count":
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		got := len(h.Requests(listener(args[1])))
		if (got == want) == neg {
			ts.Fatalf("%s listener got %d requests, want %d", args[1], got, want)
		}
	case len(args) == 3 && args[0] == "last":
		reqs := h.Requests(listener(args[1]))
		if len(reqs) == 0 {
			ts.Fatalf("no request on %s", args[1])
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(reqs[len(reqs)-1].Canonical()), 0o600))
	case len(args) == 3 && args[0] == "body" && args[1] == "control":
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(hostile.ControlBody), 0o600))
	case len(args) == 1 && args[0] == "reset":
		h.Reset()
	default:
		ts.Fatalf("usage: hostile count|last|body|reset ...")
	}
}
