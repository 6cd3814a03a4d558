package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/fakegraph"
)

type graphKey struct{}

// graphHolder is set up empty for every script; fakegraph start fills it.
type graphHolder struct {
	s    *fakegraph.Server
	mark int // requests before the last fakegraph mark
}

// cmdFakeGraph drives a simulated Microsoft Graph, seeded from the
// script's fakeentra directory:
//
//	fakegraph start               start it; ENTRATOKEN_GRAPH_ENDPOINT, SSL_CERT_FILE (every CA so far),
//	                              CONTRIBUTOR_*/NONE_* (CLIENT_ID, SECRET), GRAPH_API_APP, GRAPH_API_SP,
//	                              GRAPH_CLIENT_SP, GRAPH_CLIENT_APP, GRAPH_ROLE_READ (object IDs)
//	fakegraph assign CLIENT ROLE  assign an app role of the orders API to CLIENT now (tokens and Graph agree)
//	fakegraph disable ROLE        disable an app role of the orders API
//	fakegraph throttle SUFFIX S   the next request whose path ends so answers 429, Retry-After: S
//	fakegraph replication N       the next N assignment or grant lists come back empty
//	fakegraph mark                count requests from here
//	fakegraph requests N          exactly N requests since the start (or the mark)
//	[!] fakegraph sawtoken TOKEN  whether any request carried TOKEN as its bearer
func cmdFakeGraph(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: fakegraph start|assign|disable|throttle|replication|requests|sawtoken")
	}
	if neg && args[0] != "sawtoken" {
		ts.Fatalf("fakegraph %s does not take !", args[0])
	}
	h := ts.Value(graphKey{}).(*graphHolder)
	if args[0] != "start" && h.s == nil {
		ts.Fatalf("fakegraph: not started (fakegraph start)")
	}
	want := func(n int) {
		if len(args) != n+1 {
			ts.Fatalf("fakegraph %s: want %d argument(s)", args[0], n)
		}
	}
	switch args[0] {
	case "start":
		s, err := fakegraph.New(fakegraph.Options{Entra: server(ts)})
		ts.Check(err)
		ts.Defer(s.Close)
		h.s = s
		ca := filepath.Join(ts.Getenv("WORK"), ".fakegraph-ca.pem")
		ts.Check(s.WriteCAFile(ca))
		prev, err := os.ReadFile(ts.Getenv("SSL_CERT_FILE"))
		ts.Check(err)
		b, err := os.ReadFile(ca)
		ts.Check(err)
		all := filepath.Join(ts.Getenv("WORK"), ".cas-graph.pem")
		ts.Check(os.WriteFile(all, append(append(prev, '\n'), b...), 0o644))
		d := server(ts).Directory()
		for k, v := range map[string]string{
			"ENTRATOKEN_GRAPH_ENDPOINT": s.URL, "SSL_CERT_FILE": all,
			"CONTRIBUTOR_CLIENT_ID": fakeentra.EvidenceContributorClientID, "CONTRIBUTOR_SECRET": fakeentra.EvidenceContributorSecret,
			"NONE_CLIENT_ID": fakeentra.EvidenceNoneClientID, "NONE_SECRET": fakeentra.EvidenceNoneSecret,
			"GRAPH_API_APP": fakegraph.AppObjectID(fakeentra.APIClientID), "GRAPH_API_SP": fakegraph.SPObjectID(d, fakeentra.APIClientID),
			"GRAPH_CLIENT_SP": fakeentra.ClientObjectID, "GRAPH_CLIENT_APP": fakegraph.AppObjectID(fakeentra.ClientID),
			"GRAPH_ROLE_READ": fakegraph.RoleID(fakeentra.APIClientID, "Orders.Read"),
		} {
			ts.Setenv(k, v)
		}
	case "assign":
		want(2)
		server(ts).Assign(args[1], fakeentra.APIClientID, args[2])
	case "disable":
		want(1)
		server(ts).DisableRole(fakeentra.APIClientID, args[1])
	case "throttle":
		want(2)
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		h.s.Throttle(args[1], n)
	case "replication":
		want(1)
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		h.s.DelayReplication(n)
	case "mark":
		want(0)
		h.mark = len(h.s.Requests())
	case "requests":
		want(1)
		if got := h.s.Requests()[h.mark:]; strconv.Itoa(len(got)) != args[1] {
			ts.Fatalf("fakegraph: %d requests, want %s:\n%s", len(got), args[1], strings.Join(got, "\n"))
		}
	case "sawtoken":
		want(1)
		if saw := h.s.SawBearer(args[1]); saw == neg {
			ts.Fatalf("fakegraph: sawtoken = %v", saw)
		}
	default:
		ts.Fatalf("fakegraph: unknown subcommand %q", args[0])
	}
}
