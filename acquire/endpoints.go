package acquire

import (
	"fmt"
	"os"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/netx"
)

// IdentityEndpoints are the environment variables that name where managed
// identity tokens come from: IDENTITY_ENDPOINT (App Service, Functions, Azure
// Arc), MSI_ENDPOINT (Cloud Shell, older App Service), which azidentity reads
// itself, and ENTRATOKEN_IMDS_ENDPOINT, which moves IMDS.
var IdentityEndpoints = []string{"IDENTITY_ENDPOINT", "MSI_ENDPOINT", "ENTRATOKEN_IMDS_ENDPOINT"}

// CheckIdentityEndpoints holds the managed identity endpoints of the
// environment to the network rule (spec/cli.md, "Network rules"): each must
// be https, or http to a loopback host, because IDENTITY_HEADER or MSI_SECRET
// goes with every request to it (and the transport then checks the address
// dialled). A real App Service or Arc endpoint is http://127.0.0.1:... or
// http://localhost:...; anything else is a usage error naming the variable.
func CheckIdentityEndpoints(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, name := range IdentityEndpoints {
		v := getenv(name)
		if v == "" {
			continue
		}
		if _, err := netx.CheckURL(v); err != nil {
			return &Error{Method: ManagedIdentity, Usage: true, Finding: finding.ManagedIdentityUnavail,
				Message: fmt.Sprintf("%s: %v: the identity header would travel in clear text", name, err),
				Fix:     fmt.Sprintf("unset %s, or point it at https:// or at this machine's loopback (http://127.0.0.1:PORT/)", name)}
		}
	}
	return nil
}
