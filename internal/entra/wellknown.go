package entra

import "strings"

// GraphAppID is Microsoft Graph's application ID.
const GraphAppID = "00000003-0000-0000-c000-000000000000"

// apps maps first-party client application IDs (appid/azp) to names. Only
// IDs that are stable and public are listed.
var apps = map[string]string{
	"04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Azure CLI (also used by azd, the Azure Developer CLI)",
	"1950a258-227b-4e31-a9cf-717495945fc2": "Azure PowerShell",
	"872cd9fa-d31f-45e0-9eab-6e460a02d1f1": "Visual Studio",
	"aebc6443-996d-45c2-90f0-388ff96faa56": "Visual Studio Code",
	"de8bc8b5-d9f9-48b1-a8ad-b748da725064": "Graph Explorer",
	"14d82eec-204b-4c2f-b7e8-296a70dab67e": "Microsoft Graph Command Line Tools (Graph PowerShell SDK)",
	"c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "Azure Portal",
	"1b730954-1685-4b74-9bfd-dac224a7b894": "Azure AD PowerShell",
	"d3590ed6-52b3-4102-aeff-aad2292ab01c": "Microsoft Office",
	"29d9ed98-a469-4536-ade2-f981bc1d605e": "Microsoft Authentication Broker",
	"1fec8e78-bce4-4aaf-ab1b-5451cc387264": "Microsoft Teams",
}

// resources maps well-known audiences of Microsoft-owned APIs to names.
var resources = map[string]string{
	GraphAppID:                                "Microsoft Graph",
	"https://graph.microsoft.com":             "Microsoft Graph",
	"https://graph.microsoft.us":              "Microsoft Graph (US Government)",
	"https://microsoftgraph.chinacloudapi.cn": "Microsoft Graph (China)",
	"00000002-0000-0000-c000-000000000000":    "Azure AD Graph (retired)",
	"https://graph.windows.net":               "Azure AD Graph (retired)",
	"797f4846-ba00-4fd7-ba43-dac1f8f63013":    "Azure Resource Manager",
	"https://management.azure.com":            "Azure Resource Manager",
	"https://management.core.windows.net":     "Azure Resource Manager (classic audience)",
	"cfa8b339-82a2-471a-a3c9-0fc0be7a4093":    "Azure Key Vault",
	"https://vault.azure.net":                 "Azure Key Vault",
	"e406a681-f3d4-42a8-90b6-c2b029497af1":    "Azure Storage",
	"https://storage.azure.com":               "Azure Storage",
	"https://database.windows.net":            "Azure SQL Database",
	"499b84ac-1321-427f-aa17-267ca6975798":    "Azure DevOps",
	"00000003-0000-0ff1-ce00-000000000000":    "SharePoint Online",
	"00000002-0000-0ff1-ce00-000000000000":    "Exchange Online",
	"https://outlook.office365.com":           "Exchange Online",
}

// AppName names a well-known client application ID, or returns "".
func AppName(appID string) string { return apps[strings.ToLower(appID)] }

// ResourceName names a well-known Microsoft-owned audience, or returns "".
func ResourceName(aud string) string {
	a := strings.ToLower(strings.TrimSuffix(aud, "/"))
	if n, ok := resources[a]; ok {
		return n
	}
	if strings.HasSuffix(a, ".sharepoint.com") {
		return "SharePoint Online"
	}
	return ""
}

// IsGraphAudience reports whether aud is Microsoft Graph, whose tokens are in
// a proprietary format that third parties cannot validate.
func IsGraphAudience(aud string) bool {
	return strings.HasPrefix(ResourceName(aud), "Microsoft Graph")
}

// IsMicrosoftResource reports whether aud is a Microsoft-owned API: its
// tokens are meant for that API, never for yours.
func IsMicrosoftResource(aud string) bool { return ResourceName(aud) != "" }

// AudienceForm says how an aud value names the API: "client ID" (a GUID:
// always so in v2 tokens), "App ID URI" (api://... or an https URI of the
// tenant), or "" when unknown.
func AudienceForm(aud string) string {
	switch {
	case IsGUID(aud):
		return "client ID"
	case strings.HasPrefix(aud, "api://"), strings.HasPrefix(aud, "https://"), strings.HasPrefix(aud, "http://"):
		return "App ID URI"
	}
	return ""
}
