package main

import (
	"encoding/pem"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/entratoken/entratoken/internal/fakeapim"
	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

type armKey struct{}

// armHolder is set up empty for every script; fakearm start fills it, and
// fakeapim start the gateway in front of its service.
type armHolder struct {
	s *fakearm.Server
	g *fakeapim.Gateway
}

// cmdFakeARM drives a simulated ARM (the Contoso seed) for scripts:
//
//	fakearm start [-twin] [-latency DUR]   start it; ENTRATOKEN_ARM_ENDPOINT, SSL_CERT_FILE
//	                                       (both CAs), ARM_SERVICE_ID, ARM_SUB, ARM_RG,
//	                                       READER_*/CONTRIBUTOR_*/NONE_* (CLIENT_ID, SECRET)
//	fakearm throttle SUFFIX                the next request whose path ends so answers 429
//	[!] fakearm sawtoken TOKEN             whether any request carried TOKEN as its bearer
//	fakearm conflict SUFFIX N              the next N requests whose path ends so answer 409
//	fakearm requests N                     exactly N requests so far, none repeated
//
// -twin adds a second service (contoso-twin) with the same custom domain;
// -secret-decides makes create-order's policy compare a header with the
// secret named value backend-key; -loopback-proxy adds the custom Proxy host
// name 127.0.0.1, where fakeapim start's gateway listens.
func cmdFakeARM(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: fakearm start|sawtoken|throttle|requests")
	}
	if neg && args[0] != "sawtoken" {
		ts.Fatalf("fakearm %s does not take !", args[0])
	}
	switch args[0] {
	case "start":
		fs := flag.NewFlagSet("fakearm", flag.ContinueOnError)
		twin := fs.Bool("twin", false, "")
		latency := fs.Duration("latency", 0, "")
		decides := fs.Bool("secret-decides", false, "")
		loopback := fs.Bool("loopback-proxy", false, "")
		ts.Check(fs.Parse(args[1:]))
		o := fakearm.Contoso()
		o.Entra, o.Latency = server(ts), *latency
		if *decides { // create-order checks a header against the secret backend-key
			for i := range o.Services[0].APIs[0].Operations {
				if op := &o.Services[0].APIs[0].Operations[i]; op.Name == "create-order" {
					op.Policy = secretDecides
				}
			}
		}
		if *loopback { // the gateway fakeapim start serves: --apim auto finds it by its host
			o.Services[0].Hostnames = append(o.Services[0].Hostnames, fakearm.Hostname{Type: "Proxy", HostName: "127.0.0.1"})
		}
		if *twin {
			t := o.Services[0]
			t.Name, t.GatewayURL, t.GatewayRegionalURL, t.AdditionalLocations = "contoso-twin", "https://contoso-twin.azure-api.net", "", nil
			o.Services = append(o.Services, t)
			o.Assignments = append(o.Assignments, fakearm.Assignment{PrincipalID: fakeentra.EvidenceReaderObjectID,
				Role: fakearm.APIManagementServiceReader, Scope: fakearm.ServiceID(fakearm.ContosoSubscription, fakearm.ContosoResourceGroup, t.Name)})
		}
		s, err := fakearm.New(o)
		ts.Check(err)
		ts.Defer(s.Close)
		ts.Value(armKey{}).(*armHolder).s = s
		// One CA file for both simulated clouds.
		entraCA, err := os.ReadFile(ts.Getenv("SSL_CERT_FILE"))
		ts.Check(err)
		armCA := filepath.Join(ts.Getenv("WORK"), ".fakearm-ca.pem")
		ts.Check(s.WriteCAFile(armCA))
		b, err := os.ReadFile(armCA)
		ts.Check(err)
		both := filepath.Join(ts.Getenv("WORK"), ".cas.pem")
		if blk, _ := pem.Decode(b); blk == nil {
			ts.Fatalf("fakearm: no CA")
		}
		ts.Check(os.WriteFile(both, append(append(entraCA, '\n'), b...), 0o644))
		for k, v := range map[string]string{
			"ENTRATOKEN_ARM_ENDPOINT": s.URL, "SSL_CERT_FILE": both, "ARM_SERVICE_ID": fakearm.ContosoServiceID,
			"ARM_SUB": fakearm.ContosoSubscription, "ARM_RG": fakearm.ContosoResourceGroup,
			"READER_CLIENT_ID": fakeentra.EvidenceReaderClientID, "READER_SECRET": fakeentra.EvidenceReaderSecret,
			"CONTRIBUTOR_CLIENT_ID": fakeentra.EvidenceContributorClientID, "CONTRIBUTOR_SECRET": fakeentra.EvidenceContributorSecret,
			"NONE_CLIENT_ID": fakeentra.EvidenceNoneClientID, "NONE_SECRET": fakeentra.EvidenceNoneSecret,
			"BACKEND_KEY_VALUE": fakearm.BackendKeyValue,
		} {
			ts.Setenv(k, v)
		}
	case "sawtoken": // [!] fakearm sawtoken TOKEN: whether ARM ever got TOKEN as a bearer
		if saw := armServer(ts).SawBearer(args[1]); saw == neg {
			ts.Fatalf("fakearm: sawtoken = %v", saw)
		}
		return
	case "throttle":
		armServer(ts).InjectThrottle(args[1])
	case "conflict": // fakearm conflict SUFFIX N: the next N such requests answer 409
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		armServer(ts).InjectConflict(args[1], http.StatusConflict, n)
	case "requests":
		s := armServer(ts)
		got := s.TotalHits()
		if want := args[1]; strings.TrimSpace(want) != strconv.Itoa(got) {
			ts.Fatalf("fakearm: %d requests, want %s:\n%s", got, want, strings.Join(s.Requests(), "\n"))
		}
		if r := s.Repeated(); len(r) > 0 {
			ts.Fatalf("fakearm: fetched more than once: %v", r)
		}
	default:
		ts.Fatalf("fakearm: unknown subcommand %q", args[0])
	}
}

const secretDecides = `<policies>
    <inbound>
        <base />
        <check-header name="x-partner-key" failed-check-httpcode="401" failed-check-error-message="Unknown partner" ignore-case="false">
            <value>{{backend-key}}</value>
        </check-header>
    </inbound>
    <backend><base /></backend>
    <outbound><base /></outbound>
    <on-error><base /></on-error>
</policies>`

func armServer(ts *testscript.TestScript) *fakearm.Server {
	s := ts.Value(armKey{}).(*armHolder).s
	if s == nil {
		ts.Fatalf("fakearm: not started (fakearm start)")
	}
	return s
}
