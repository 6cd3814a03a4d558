// Package entra holds what entratoken knows about Microsoft Entra ID access
// tokens: issuer forms and metadata locations per token version, tenant
// identifiers, and well-known first-party application and resource IDs.
//
// Sources: "Access tokens in the Microsoft identity platform" and "Access
// token claims reference" (learn.microsoft.com/entra/identity-platform), and
// the OpenID Connect discovery documents they describe
// (shared/reference/entra-apim.md §4).
package entra

import (
	"net/url"
	"strings"
)

// Version is an access token version: "1.0" or "2.0". The resource (API) app
// registration's accessTokenAcceptedVersion decides it, not the endpoint the
// client called.
type Version string

// Token versions.
const (
	V1 Version = "1.0"
	V2 Version = "2.0"
)

// MSATenant is the tenant ID of personal Microsoft accounts.
const MSATenant = "9188040d-6c67-4c5b-b112-36a304b66dad"

// IsGUID reports whether s is a GUID in its usual 8-4-4-4-12 form.
// (Hand-written rather than a regexp: compiling one at start-up costs every
// invocation about 0.1 ms.)
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// ValidTenant reports whether s can name a tenant in a URL path: a GUID, a
// domain, or common/organizations/consumers: dot-separated labels of
// letters, digits and hyphens, the first not starting with a hyphen. It
// rejects anything that could change the path (slashes, "..", percent signs).
func ValidTenant(s string) bool {
	if s == "" || len(s) > 253 || s[0] == '-' {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
				return false
			}
		}
	}
	return true
}

// IssuerV1 is the issuer of v1.0 access tokens of tenant tid.
func IssuerV1(tid string) string { return "https://sts.windows.net/" + tid + "/" }

// IssuerV2 is the issuer of v2.0 access tokens of tenant tid in the global cloud.
func IssuerV2(tid string) string { return "https://login.microsoftonline.com/" + tid + "/v2.0" }

// TenantFromIssuer extracts the tenant from an Entra issuer of either version
// and any cloud: https://sts.windows.net/{tid}/ or https://{host}/{tid}/v2.0.
func TenantFromIssuer(iss string) (tid string, v Version, ok bool) {
	u, err := url.Parse(iss)
	if err != nil || u.Scheme != "https" {
		return "", "", false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	switch {
	case len(segs) == 2 && segs[1] == "v2.0" && ValidTenant(segs[0]):
		return segs[0], V2, true
	case len(segs) == 1 && segs[0] != "" && ValidTenant(segs[0]) && strings.HasSuffix(u.Path, "/"):
		return segs[0], V1, true
	}
	return "", "", false
}

// MetadataPath is the OpenID Connect discovery document of tenant for tokens
// of version v, relative to the authority host. v1 tokens must be validated
// with the v1 document and v2 tokens with the v2 one: their issuers differ.
func MetadataPath(tenant string, v Version) string {
	if v == V1 {
		return tenant + "/.well-known/openid-configuration"
	}
	return tenant + "/v2.0/.well-known/openid-configuration"
}

// JWKSPath is where Entra serves the key set of tenant for version v,
// relative to the authority host; used when a discovery document is missing.
func JWKSPath(tenant string, v Version) string {
	if v == V1 {
		return tenant + "/discovery/keys"
	}
	return tenant + "/discovery/v2.0/keys"
}

// ExpandIssuer replaces the {tenantid} template of tenant-independent
// metadata (common, organizations) with tid.
func ExpandIssuer(iss, tid string) string {
	return strings.ReplaceAll(iss, "{tenantid}", tid)
}
