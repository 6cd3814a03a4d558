package main

import (
	"bytes"
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/diagnose"
	"github.com/entratoken/entratoken/internal/iostreams"
	"github.com/entratoken/entratoken/internal/token"
	"github.com/entratoken/entratoken/policy"
)

// DiagnoseOptions holds what the diagnose command needs.
type DiagnoseOptions struct {
	Token           string
	HasToken        bool
	Policies        []string // [SCOPE=]FILE
	Fragments       []string // ID=FILE
	NamedValues     []string
	NamedValuesFile string
	APIOps          string
	API, Operation  string
	Product         string
	NoProduct       bool
	URL, Method     string
	ShowPolicy      string // "", "tree" or "xml"
	Format          string // "" or "sarif"
	SubscriptionKey bool
	Headers         []string
	ResponseFile    string
	JWKS            string
	OpenIDConfig    string
	Expect          diagnose.Expectations
	APIM            APIMOptions
	Entra           EntraOptions
	Federated       PreflightOptions // --federated-token FILE --entra
	tenantSet       bool
}

func newDiagnoseCmd(f *Factory, runF func(context.Context, *DiagnoseOptions) error) *cobra.Command {
	o := &DiagnoseOptions{}
	cmd := &cobra.Command{
		Use:   "diagnose [TOKEN] (--policy FILE | --audience A ...) [--response FILE]",
		Short: "Say whether APIM would accept a token, and exactly why not",
		Long: `Predict API Management's verdict on a token under a policy, offline, and list every
reason for a refusal: the evidence (expected vs actual), the message APIM would return, and
the fix on the side where it belongs (client, Entra app registration, or APIM policy).

--policy takes a whole <policies> document or a fragment. It understands validate-jwt,
validate-azure-ad-token, check-header, choose/when on headers and on the token's claims
(AsJwt() idioms), and return-response; {{named values}} come from --named-value. Keys come
from each <openid-config> (with --authority-host standing in for login.microsoftonline.com)
and <issuer-signing-keys>. Anything it cannot evaluate offline is POLICY_UNSUPPORTED, and
when that decides the outcome the verdict is "unknown", never "accepted".

Without a policy, --audience, --tenant, --issuer, --require-role, --require-scope and
--client-app-id act as the equivalent validate-jwt. With neither, only the token's own
checks run (signature with its tenant's keys, lifetime): the verdict is "rejected" when it
fails them and otherwise "unknown", never "accepted", since acceptance depends on a policy.
Without a token (no argument, stdin empty or a terminal) the policy is linted.

--response reads a saved 401/403 (curl -i) as evidence: who refused (APIM's subscription
check, its token policy, or the backend) and why, read from APIM's own message and the IDX
message with its parameters (expected vs actual). The gateway's answer outranks a
prediction: when the policy predicts otherwise, PREDICTION_DISAGREES says so and the
verdict is the gateway's. --jwks and --openid-config replace the keys of every
<openid-config> (and of the token's tenant), so a saved key set answers offline.

--federated-token FILE --entra checks a workload identity federation instead (no access token):
the federated token's iss, sub and aud against every federated credential of the identity
(--client-id or AZURE_CLIENT_ID: a user-assigned identity over ARM, an app registration over
Graph), read with --credential; the matching credential, or the nearest and how it differs.
Exit 0 on a match, 1 when none matches, 3 when the credentials cannot be read.

Exit 0 when accepted, or when the token alone shows nothing wrong (lint: no errors); 1 when
rejected or, under a policy, unknown (lint: errors); 2 when the policy cannot be parsed; 3
when a policy's metadata cannot be fetched.`,
		Example: `  entratoken diagnose "$TOKEN" --policy policy.xml
  entratoken diagnose "$TOKEN" --policy policy.xml --named-value tenant-id=contoso.onmicrosoft.com
  entratoken diagnose "$TOKEN" --audience api://contoso-orders --tenant contoso.onmicrosoft.com --require-role Orders.Read
  entratoken diagnose --policy policy.xml
  entratoken diagnose "$TOKEN" --policy policy.xml --response 401.txt
  entratoken diagnose "$TOKEN" --policy policy.xml --jwks keys.json --offline
  entratoken diagnose "$TOKEN" --apim auto --url https://contoso.azure-api.net/orders/42 --product starter
  entratoken diagnose "$TOKEN" --apim contoso -g apis --url URL --save-evidence evidence/
  entratoken diagnose "$TOKEN" --policy policy.xml --entra
  entratoken diagnose --federated-token $AZURE_FEDERATED_TOKEN_FILE --entra`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Token, o.HasToken = args[0], true
			}
			if o.Federated.TokenFile != "" {
				return f.diagnoseFederated(cmd, o)
			}
			o.tenantSet = cmd.Flags().Changed("tenant")
			for _, nv := range o.NamedValues {
				if !strings.Contains(nv, "=") {
					return flagErrorf("--named-value wants name=value, not %q", nv)
				}
			}
			for _, h := range o.Headers {
				if !strings.Contains(h, ":") {
					return flagErrorf("--header wants 'Name: value', not %q", h)
				}
			}
			if err := o.validateSources(); err != nil {
				return err
			}
			if err := o.validateAPIM(); err != nil {
				return err
			}
			if err := o.Entra.validate(o.HasToken || !f.IO.InTTY); err != nil {
				return err
			}
			if err := validateKeyFlags(o.JWKS, o.OpenIDConfig, false); err != nil {
				return err
			}
			f.markRan()
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runDiagnose(cmd.Context(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.Policies, "policy", nil, "APIM policy `[SCOPE=]FILE` (global, workspace, product, api, operation; a bare FILE is api; repeatable)")
	fl.StringArrayVar(&o.Fragments, "fragment", nil, "policy fragment for <include-fragment>: `ID=FILE` (repeatable)")
	fl.StringArrayVar(&o.NamedValues, "named-value", nil, "value of a {{named value}}: name=value (repeatable)")
	fl.StringVar(&o.NamedValuesFile, "named-values", "", "named values from a JSON object `FILE` {\"name\": \"value\", ...}")
	fl.StringVar(&o.APIOps, "apiops", "", "an APIOps extractor folder `DIR`: the policies of every scope, fragments, named values")
	fl.StringVar(&o.API, "api", "", "with --apiops: the API (its folder name)")
	fl.StringVar(&o.Operation, "operation", "", "with --apiops: the operation (its folder name)")
	fl.StringVar(&o.Product, "product", "", "the product whose key is sent: its policy runs")
	fl.BoolVar(&o.NoProduct, "no-product", false, "the key is scoped to the API, to all APIs, or is the all-access key: no product policy runs")
	fl.StringVar(&o.URL, "url", "", "with --apiops: the request's URL, routed to its API and operation as the gateway does")
	fl.StringVarP(&o.Method, "request", "X", "GET", "with --url: the request's HTTP method")
	fl.StringVar(&o.ShowPolicy, "show-policy", "", "print the effective policy as the gateway runs it: tree (default) or xml")
	fl.Lookup("show-policy").NoOptDefVal = "tree"
	fl.StringVar(&o.Format, "format", "", "lint output: sarif (SARIF 2.1.0 for GitHub code scanning)")
	fl.BoolVar(&o.SubscriptionKey, "subscription-key-present", false, "the request carries Ocp-Apim-Subscription-Key")
	fl.StringArrayVar(&o.Headers, "header", nil, "another request header, 'Name: value' (repeatable), for check-header and conditions")
	fl.StringVar(&o.ResponseFile, "response", "", "a saved HTTP response (`FILE`, as curl -i writes it) to say who refused it")
	fl.StringVar(&o.JWKS, "jwks", "", "verify with this JWK set or JWK (`FILE|URL`), in place of the keys of every <openid-config> and of the token's tenant")
	fl.StringVar(&o.OpenIDConfig, "openid-config", "", "verify with the keys and issuer of this discovery document (`URL`), in place of every <openid-config>'s")
	fl.StringArrayVar(&o.Expect.Audiences, "audience", nil, "accepted audience (repeatable)")
	fl.StringArrayVar(&o.Expect.Issuers, "issuer", nil, "accepted issuer (repeatable)")
	fl.StringArrayVar(&o.Expect.Roles, "require-role", nil, "required app role in roles (repeatable)")
	fl.StringArrayVar(&o.Expect.Scopes, "require-scope", nil, "required delegated scope in scp (repeatable)")
	fl.StringArrayVar(&o.Expect.ClientAppIDs, "client-app-id", nil, "allowed client application ID, appid/azp (repeatable)")
	addAPIMFlags(cmd, &o.APIM)
	addEntraFlags(cmd, &o.Entra)
	addFederatedFlags(cmd, o)
	return cmd
}

func runDiagnose(ctx context.Context, f *Factory, o *DiagnoseOptions) error {
	raw := ""
	if o.HasToken || !f.IO.InTTY {
		var err error
		raw, err = token.Read(o.Token, o.HasToken, f.IO.In, f.IO.InTTY)
		if err != nil {
			return err
		}
	}
	if o.APIM.Service != "" {
		if done, err := f.readAPIM(ctx, o, raw); done {
			return err
		}
	}
	targets, nf, err := o.targets(f, raw != "")
	if err != nil {
		return err
	}
	if nf != nil { // the gateway answers 404 before any policy
		rep := diagnose.NotFoundReport(nf)
		o.addEvidence(rep)
		return f.writeDiagnosis(rep, o, "the route of "+o.URL)
	}
	if raw == "" && o.APIOps != "" && len(targets) == 0 {
		return f.lintAPIOps(o)
	}
	var pol *diagnose.Policy
	if len(targets) > 0 {
		pol = targets[0].Effective.Document()
	}
	var answer *diagnose.ResponseInfo
	if o.ResponseFile != "" {
		info, err := readResponse(o.ResponseFile)
		if err != nil {
			return err
		}
		answer = &info
	}
	if o.tenantSet {
		o.Expect.Tenant = f.Globals.Tenant
	}
	source := ""
	switch {
	case pol != nil:
		source = targets[0].Label
	case expectationsGiven(&o.Expect):
		source = "expectations from the command line"
	case raw != "":
		source = "the token alone: its signature (with its tenant's keys) and lifetime"
		if o.JWKS != "" || o.OpenIDConfig != "" {
			source = "the token alone: its signature (with the keys given) and lifetime"
		}
		o.Expect.Tenant = ""
	default:
		source = "the gateway's answer in " + o.ResponseFile
	}

	var rep *diagnose.Report
	switch {
	case raw == "" && pol != nil:
		rep = diagnose.LintPolicy(pol)
		rep.Findings = append(rep.Findings, diagnose.LintComposed(targets[0])...)
		eff := targets[0].Effective
		rep.Findings = append(rep.Findings, diagnose.SchemaFindings(append(append([]*policy.Document{}, eff.Docs...), eff.Fragments...)...)...)
		diagnose.SortFindings(rep.Findings)
		if answer != nil {
			rep.Response = answer
			rep.Findings = append(rep.Findings, diagnose.GatewayFindings(*answer, nil)...)
		}
	case raw == "" && answer == nil:
		return flagErrorf("nothing to diagnose: give a token (argument, @file or stdin), a --policy to lint, or a --response")
	default:
		headers := map[string]string{}
		for _, h := range o.Headers {
			k, v, _ := strings.Cut(h, ":")
			headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		exp := &o.Expect
		if pol != nil && !expectationsGiven(exp) {
			exp = nil
		}
		in := diagnose.Input{Token: raw, Expectations: exp, SubscriptionKey: o.SubscriptionKey,
			Headers: headers, Resolver: f.Resolver(), Authority: f.authority, Gateway: answer,
			Keys: diagnose.KeySource{JWKS: o.JWKS, OpenIDConfig: o.OpenIDConfig}}
		if rep, err = runTargets(ctx, in, targets); err != nil {
			return err
		}
	}
	o.addEvidence(rep)
	if o.Entra.On && raw != "" {
		var exp *diagnose.Expectations
		if expectationsGiven(&o.Expect) {
			exp = &o.Expect
		}
		if err := f.addEntra(ctx, &o.Entra, &o.APIM, entraInput{raw: raw, pol: pol, exp: exp, save: o.APIM.SaveEvidence}, rep); err != nil {
			return err
		}
	}
	if len(targets) > 0 && o.ShowPolicy != "" {
		return f.showPolicy(targets[0], rep, o, source)
	}
	return f.writeDiagnosis(rep, o, source)
}

func expectationsGiven(e *diagnose.Expectations) bool {
	return len(e.Audiences)+len(e.Issuers)+len(e.Roles)+len(e.Scopes)+len(e.ClientAppIDs) > 0 || e.Tenant != ""
}

// readResponse reads a saved response (curl -i) and says who refused it.
func readResponse(path string) (diagnose.ResponseInfo, error) {
	b, err := iostreams.ReadFile(path, diagnose.MaxResponse)
	if err != nil {
		return diagnose.ResponseInfo{}, flagErrorf("--response %s: %v", path, err)
	}
	status, h, body, err := diagnose.ParseResponse(bytes.NewReader(b))
	if err != nil {
		return diagnose.ResponseInfo{}, flagErrorf("--response %s: %v", path, err)
	}
	return diagnose.Classify(status, h, body), nil
}
