package diagnose

// EntraEvidence names the Entra objects a diagnosis read over Microsoft
// Graph (diagnose --entra; spec/cli.md, "The Entra registrations"): object
// IDs only. Status is "read" (everything the checks need), "partial"
// (some reads failed: see the EVIDENCE_* findings), "forbidden" (the
// credential may not read the registrations: the Entra checks were not
// run) or "unavailable".
type EntraEvidence struct {
	Status string `json:"status"`
	// Application and ServicePrincipal are the API's (object IDs), AppID
	// its client ID.
	Application      string `json:"application,omitempty"`
	ServicePrincipal string `json:"servicePrincipal,omitempty"`
	AppID            string `json:"appId,omitempty"`
	// Client is the client's service principal, ClientApplication its
	// application (absent for a managed identity).
	Client            string `json:"client,omitempty"`
	ClientApplication string `json:"clientApplication,omitempty"`
}
