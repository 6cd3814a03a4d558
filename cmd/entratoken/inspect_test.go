package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/keys"
	"github.com/entratoken/entratoken/internal/token"
)

func testFactory() *Factory {
	ios, _, _, _ := iostreams.Test()
	return &Factory{IO: ios, Getenv: func(string) string { return "" }}
}

func TestInspectFlags(t *testing.T) {
	tests := []struct {
		args    string
		want    InspectOptions
		wantErr string
	}{
		{args: "inspect", want: InspectOptions{}},
		{args: "inspect TOK", want: InspectOptions{Token: "TOK", HasToken: true}},
		{args: "inspect @f --jwks k.json", want: InspectOptions{Token: "@f", HasToken: true, JWKS: "k.json"}},
		{args: "inspect - --openid-config https://x/.well-known/openid-configuration", want: InspectOptions{Token: "-", HasToken: true, OpenIDConfig: "https://x/.well-known/openid-configuration"}},
		{args: "inspect T --no-verify", want: InspectOptions{Token: "T", HasToken: true, NoVerify: true}},
		{args: "inspect T --jwks a --openid-config https://b/", wantErr: "mutually exclusive"},
		{args: "inspect T --no-verify --jwks a", wantErr: "mutually exclusive"},
		{args: "inspect T --openid-config file.json", wantErr: "takes a URL"},
		{args: "inspect T --jwks http://evil.example/keys", wantErr: "only https"},
		{args: "inspect T -o yaml", wantErr: "--output must be text or json"},
		{args: "inspect T --authority-host http://example.com", wantErr: "only https"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			f := testFactory()
			var got *InspectOptions
			root := newRootCmd(f)
			for _, c := range root.Commands() {
				if c.Name() == "inspect" {
					root.RemoveCommand(c)
				}
			}
			root.AddCommand(newInspectCmd(f, func(_ context.Context, o *InspectOptions) error { got = o; return nil }))
			root.SetArgs(strings.Fields(tt.args))
			err := root.Execute()
			if tt.wantErr != "" {
				var fe *FlagError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want *FlagError containing %q", err, tt.wantErr)
				}
				if exitCode(err, f.ran) != exitUsage {
					t.Errorf("exit code %d, want %d", exitCode(err, f.ran), exitUsage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestGlobalsFromEnvironment(t *testing.T) {
	f := testFactory()
	env := map[string]string{"AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us", "AZURE_TENANT_ID": "contoso.onmicrosoft.us", "ENTRATOKEN_CACHE_DIR": "/tmp/c"}
	f.Getenv = func(k string) string { return env[k] }
	f.Globals = Globals{Output: "text", Timeout: 1}
	if err := f.validate(); err != nil {
		t.Fatal(err)
	}
	if f.authority.String() != "https://login.microsoftonline.us/" || f.Globals.Tenant != "contoso.onmicrosoft.us" || f.Globals.CacheDir != "/tmp/c" {
		t.Errorf("globals %+v authority %s", f.Globals, f.authority)
	}
	// Flags win over the environment.
	f.Globals = Globals{Output: "text", Timeout: 1, Authority: "https://127.0.0.1:9/", Tenant: "t"}
	if err := f.validate(); err != nil || f.authority.Host != "127.0.0.1:9" || f.Globals.Tenant != "t" {
		t.Errorf("flags did not win: %v %+v", err, f.Globals)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		ran  bool
		want int
	}{
		{nil, true, exitOK},
		{errFailed, true, exitFailed},
		{flagErrorf("x"), true, exitUsage},
		{token.ErrNoInput, true, exitUsage},
		{&token.InputError{Path: "p", Err: errors.New("x")}, true, exitUsage},
		{&keys.FileError{Path: "p", Err: errors.New("x")}, true, exitUsage},
		{&keys.Error{Code: "KEYS_UNAVAILABLE"}, true, exitNoToken},
		{errors.New("unknown flag"), false, exitUsage}, // cobra's own errors come before RunE
		{errors.New("something else"), true, exitFailed},
		{context.DeadlineExceeded, true, exitNoToken},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err, tt.ran); got != tt.want {
			t.Errorf("exitCode(%v, ran=%v) = %d, want %d", tt.err, tt.ran, got, tt.want)
		}
	}
}
