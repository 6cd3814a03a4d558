package main

import (
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakearm"
)

// cmdFakeAPIM drives a simulated gateway in front of the service the
// simulated ARM seeds (fakearm start first), from the same tables:
//
//	fakeapim start        start it; $APIM_GATEWAY (its URL, http on 127.0.0.1;
//	                      $APIM_GATEWAY_LOCALHOST the same as localhost, a host no service has),
//	                      $STARTER_KEY, $PARTNERS_KEY, $ORDERS_API_KEY, $ALL_APIS_KEY,
//	                      $MASTER_KEY (keys of the seed's subscriptions)
//	fakeapim requests N   exactly N requests reached it so far
func cmdFakeAPIM(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: fakeapim start | fakeapim requests N")
	}
	h := ts.Value(armKey{}).(*armHolder) // the gateway goes with the ARM it mirrors
	switch args[0] {
	case "start":
		svc, keys, err := armServer(ts).GatewayService(fakearm.ContosoService)
		ts.Check(err)
		g, err := fakeapim.New(fakeapim.Options{Service: svc, Keys: keys, Tenant: server(ts)})
		ts.Check(err)
		ts.Defer(g.Close)
		h.g = g
		for k, v := range map[string]string{"APIM_GATEWAY": g.URL, "APIM_GATEWAY_LOCALHOST": strings.Replace(g.URL, "127.0.0.1", "localhost", 1), "STARTER_KEY": fakearm.StarterKey, "PARTNERS_KEY": fakearm.PartnersKey,
			"ORDERS_API_KEY": fakearm.OrdersAPIKey, "ALL_APIS_KEY": fakearm.AllAPIsKey, "MASTER_KEY": fakearm.MasterKey} {
			ts.Setenv(k, v)
		}
	case "requests":
		if h.g == nil {
			ts.Fatalf("fakeapim: not started (fakeapim start)")
		}
		got, _ := h.g.Counts()
		if want := args[1]; strconv.Itoa(got) != want {
			ts.Fatalf("fakeapim: %d requests, want %s", got, want)
		}
	default:
		ts.Fatalf("fakeapim: unknown subcommand %q", args[0])
	}
}
