package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/fakeentra"
)

// fakeAZD and fakeAZ stand in for azd and az in the scripts. They parse the
// command line azidentity sends, get a delegated token for the test user from
// the simulated tenant (as the real CLIs do from Entra), and print it in the
// real CLI's format, or fail as the real CLI fails:
//
//	FAKE_CLI_LOGGED_OUT=azd|az|all   no signed-in account
//	FAKE_CLI_MISSING=azd|az|all      as if not installed (exit 127)
func fakeAZD() int {
	if fakeCLIState("FAKE_CLI_MISSING", "azd") {
		fmt.Fprintln(os.Stderr, "/bin/sh: 1: azd: not found")
		return 127
	}
	fs := flag.NewFlagSet("azd", flag.ContinueOnError)
	var scopes multiFlag
	fs.Var(&scopes, "scope", "")
	tenant := fs.String("tenant-id", "", "")
	fs.String("o", "", "")
	fs.Bool("no-prompt", false, "")
	fs.String("claims", "", "")
	args := os.Args[1:]
	if len(args) < 2 || args[0] != "auth" || args[1] != "token" || fs.Parse(args[2:]) != nil {
		fmt.Fprintf(os.Stderr, "fake azd: unexpected arguments %q\n", args)
		return 2
	}
	if fakeCLIState("FAKE_CLI_LOGGED_OUT", "azd") {
		fmt.Fprintln(os.Stderr, "ERROR: not logged in, run `azd auth login` to login")
		return 1
	}
	tok, exp, errText := cliToken(*tenant, scopes[0])
	if errText != "" {
		fmt.Fprintf(os.Stderr, "ERROR: fetching token: %s\n", errText)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(map[string]string{"token": tok, "expiresOn": exp.UTC().Format("2006-01-02T15:04:05Z")})
	return 0
}

func fakeAZ() int {
	if fakeCLIState("FAKE_CLI_MISSING", "az") {
		fmt.Fprintln(os.Stderr, "/bin/sh: 1: az: not found")
		return 127
	}
	fs := flag.NewFlagSet("az", flag.ContinueOnError)
	resource := fs.String("resource", "", "")
	tenant := fs.String("tenant", "", "")
	fs.String("o", "", "")
	fs.String("subscription", "", "")
	args := os.Args[1:]
	if len(args) < 2 || args[0] != "account" || args[1] != "get-access-token" || fs.Parse(args[2:]) != nil {
		fmt.Fprintf(os.Stderr, "fake az: unexpected arguments %q\n", args)
		return 2
	}
	if fakeCLIState("FAKE_CLI_LOGGED_OUT", "az") {
		fmt.Fprintln(os.Stderr, "ERROR: Please run 'az login' to setup account.")
		return 1
	}
	tok, exp, errText := cliToken(*tenant, *resource+"/.default")
	if errText != "" {
		fmt.Fprintf(os.Stderr, "ERROR: %s\nInteractive authentication is needed. Please run:\naz login --scope %s/.default\n", errText, *resource)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"accessToken": tok, "expiresOn": exp.Local().Format("2006-01-02 15:04:05.000000"),
		"expires_on": exp.Unix(), "subscription": "00000000-0000-4000-8000-000000000000", "tenant": fakeentra.TenantID, "tokenType": "Bearer"})
	return 0
}

func fakeCLIState(env, cli string) bool {
	v := os.Getenv(env)
	return v == cli || v == "all"
}

// cliToken asks the simulated tenant for the test user's delegated token.
func cliToken(tenant, scope string) (tok string, exp time.Time, errText string) {
	if tenant == "" {
		tenant = fakeentra.TenantID
	}
	resp, err := http.PostForm(os.Getenv("AZURE_AUTHORITY_HOST")+tenant+"/_fake/cli-token", url.Values{"scope": {scope}})
	if err != nil {
		return "", time.Time{}, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Description string `json:"error_description"`
	}
	json.Unmarshal(b, &out)
	if resp.StatusCode != 200 {
		return "", time.Time{}, strings.TrimSpace(out.Description)
	}
	return out.AccessToken, time.Now().Add(time.Duration(out.ExpiresIn) * time.Second), ""
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
