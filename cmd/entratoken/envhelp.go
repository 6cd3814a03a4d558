package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// envVar is one entry of entratoken help environment: the variables, and
// what they do.
type envVar struct{ names, does string }

// envGroup is a heading and its variables.
type envGroup struct {
	title string
	vars  []envVar
}

// environmentVars lists every environment variable entratoken reads, and
// those the libraries it runs read on its behalf. TestEnvironmentHelp fails
// when the code reads a variable this list does not name.
var environmentVars = []envGroup{
	{"Entra ID and the identity that gets the token (acquire, call; as azidentity reads them):", []envVar{
		{"AZURE_AUTHORITY_HOST", "the Entra authority for tokens and keys (--authority-host); default https://login.microsoftonline.com/"},
		{"AZURE_TENANT_ID", "tenant ID or domain (--tenant)"},
		{"AZURE_CLIENT_ID", "the application's client ID (--client-id); with managed identity in auto, the user-assigned identity"},
		{"AZURE_CLIENT_SECRET", "the client secret (--client-secret-file is the other way to give it)"},
		{"AZURE_CLIENT_CERTIFICATE_PATH", "a PEM or PFX certificate with its key (--certificate)"},
		{"AZURE_CLIENT_CERTIFICATE_PASSWORD", "the PFX's password"},
		{"AZURE_FEDERATED_TOKEN_FILE", "the federated token for workload identity (--federated-token-file)"},
		{"AZURE_REGIONAL_AUTHORITY_NAME, MSAL_FORCE_REGION", "ask a regional token endpoint (read by azidentity and MSAL)"},
		{"AZURE_SUBSCRIPTION_ID", "the subscription --apim NAME is looked up in (--subscription)"},
	}},
	{"Managed identity (read by azidentity; the platform sets them):", []envVar{
		{"IDENTITY_ENDPOINT, IDENTITY_HEADER", "App Service, Functions, Container Apps; Service Fabric adds IDENTITY_SERVER_THUMBPRINT; Azure Arc uses IDENTITY_ENDPOINT and IMDS_ENDPOINT"},
		{"MSI_ENDPOINT, MSI_SECRET", "Cloud Shell, Azure Machine Learning (with DEFAULT_IDENTITY_CLIENT_ID)"},
		{"ENTRATOKEN_IMDS_ENDPOINT", "sends what would go to a VM's IMDS (169.254.169.254) to this address instead, e.g. http://127.0.0.1:8080 (https, or loopback)"},
	}},
	{"entratoken's own:", []envVar{
		{"ENTRATOKEN_CACHE_DIR", "where metadata and key sets are cached (--cache-dir)"},
		{"ENTRATOKEN_ARM_ENDPOINT", "Azure Resource Manager, for --apim (--arm-endpoint)"},
		{"ENTRATOKEN_GRAPH_ENDPOINT", "Microsoft Graph, for --entra (--graph-endpoint)"},
		{"APIM_SUBSCRIPTION_KEY", "the APIM subscription key call sends (--subscription-key-file)"},
	}},
	{"Network and TLS (read by Go):", []envVar{
		{"SSL_CERT_FILE, SSL_CERT_DIR", "the CAs to trust instead of the system's (a private CA, a test tenant on loopback); TLS verification is never off"},
		{"HTTPS_PROXY, HTTP_PROXY, NO_PROXY", "the proxy for outgoing requests"},
	}},
	{"Output:", []envVar{
		{"NO_COLOR", "no colour when set, to any value (--no-color)"},
		{"TERM", "no colour when it is dumb"},
		{"COLUMNS", "the width help is wrapped to (default: the terminal's, or 80)"},
		{"GITHUB_ACTIONS", "true on GitHub Actions: tokens are masked with ::add-mask:: and errors are also ::error annotations"},
		{"HOME, XDG_CACHE_HOME", "where the default cache directory is (the OS user cache directory)"},
	}},
}

// environmentHelp renders the list for a width: a table when it fits, else
// each name on its line and what it does below.
func environmentHelp(width int) string {
	var b strings.Builder
	b.WriteString(`The environment variables entratoken reads. A flag, where there is one, wins over its
variable. The values of secrets (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PASSWORD,
APIM_SUBSCRIPTION_KEY, IDENTITY_HEADER, MSI_SECRET) are never printed, not even in errors.
`)
	const col = 26
	for _, g := range environmentVars {
		b.WriteString("\n" + g.title + "\n")
		for _, v := range g.vars {
			switch {
			case width >= 72 && len(v.names) <= col-4:
				b.WriteString("  " + v.names + strings.Repeat(" ", col-2-len(v.names)) + v.does + "\n")
			case width >= 72:
				b.WriteString("  " + v.names + "\n" + strings.Repeat(" ", col) + v.does + "\n")
			default:
				b.WriteString("  " + v.names + "\n      " + v.does + "\n")
			}
		}
	}
	b.WriteString("\nThe developer CLIs that --method azd and azure-cli run read their own configuration (AZD_CONFIG_DIR, AZURE_CONFIG_DIR).\n")
	return b.String()
}

func newEnvironmentHelp(width int) *cobra.Command {
	return &cobra.Command{
		Use:   "environment",
		Short: "The environment variables entratoken reads",
		Long:  environmentHelp(width),
	}
}
