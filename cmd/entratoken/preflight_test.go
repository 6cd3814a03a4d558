package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/acquire"
)

// The pre-flight's credential never sees the workload's own environment.
func TestPreflightCredentialHidesTheWorkload(t *testing.T) {
	env := map[string]string{"AZURE_CLIENT_ID": "wid", "AZURE_CLIENT_SECRET": "s", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token", "AZURE_TENANT_ID": "t"}
	f := &Factory{Getenv: func(k string) string { return env[k] }}
	cred, err := f.preflightCredential(&APIMOptions{Credential: "auto"}, "WID")
	if err != nil {
		t.Fatal(err)
	}
	r := cred.Request
	for _, k := range []string{"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE"} {
		if v := r.Getenv(k); v != "" {
			t.Errorf("auto sees %s=%q", k, v)
		}
	}
	if r.Getenv("AZURE_TENANT_ID") != "t" || r.FederatedTokenFile != "" {
		t.Errorf("request %+v", r)
	}
	// Another identity's environment stays visible.
	cred, err = f.preflightCredential(&APIMOptions{Credential: "auto"}, "other")
	if err != nil || cred.Request.Getenv("AZURE_CLIENT_SECRET") != "s" || cred.Request.Getenv("AZURE_FEDERATED_TOKEN_FILE") != "" {
		t.Fatalf("%v %+v", err, cred)
	}
	var fe *FlagError
	for _, a := range []APIMOptions{{Credential: string(acquire.WorkloadIdentity)}, {Credential: "client-secret"}, {Credential: "auto", CredentialClientID: "wid"}} {
		if _, err := f.preflightCredential(&a, "wid"); !errors.As(err, &fe) {
			t.Errorf("%+v: err = %v, want a usage error", a, err)
		}
	}
}

// The evidence credential's secret and certificate password are secrets of
// the run, masked wherever an error or finding quotes them.
func TestEvidenceCredentialSecretsAreMasked(t *testing.T) {
	env := map[string]string{"AZURE_CLIENT_SECRET": "evidence-secret~0123456789abcdef", "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pfx-password-0123456789"}
	for _, method := range []string{"auto", "client-secret", "client-certificate"} {
		f := &Factory{Getenv: func(k string) string { return env[k] }}
		f.evidenceCredential(&APIMOptions{Credential: method})
		for _, v := range env {
			if got := f.redact("Entra said: " + v); strings.Contains(got, v) {
				t.Errorf("--credential %s: %q", method, got)
			}
		}
	}
}
