package inspect

import (
	"cmp"
	"fmt"
	"sort"
	"strings"

	"github.com/entratoken/entratoken/internal/entra"
	"github.com/entratoken/entratoken/internal/token"
)

// headerMeaning and claimMeaning say in a few words what each field is for
// (Entra's "Access token claims reference").
var headerMeaning = map[string]string{
	"alg":   "signing algorithm (Entra uses RS256)",
	"typ":   "token type",
	"kid":   "ID of the tenant key that signed it",
	"x5t":   "thumbprint of the signing certificate (v1 tokens)",
	"nonce": "Graph-style token: only Microsoft Graph can verify it",
	"jku":   "key set URL named by the token: never trusted",
	"x5u":   "certificate URL named by the token: never trusted",
	"jwk":   "key embedded in the token: never trusted",
	"x5c":   "certificate chain embedded in the token: never trusted",
	"crit":  "critical extensions the validator must understand",
}

var claimMeaning = map[string]string{
	"aud":                "audience: the API this token is for",
	"iss":                "issuer: who made it",
	"iat":                "issued at",
	"nbf":                "not valid before",
	"exp":                "expires at",
	"tid":                "tenant ID",
	"oid":                "object ID of the caller (user or service principal)",
	"sub":                "subject: the caller, as seen by this API",
	"appid":              "client application ID (v1)",
	"azp":                "client application ID (v2)",
	"appidacr":           "how the client authenticated: 0 public, 1 secret, 2 certificate",
	"azpacr":             "how the client authenticated: 0 public, 1 secret, 2 certificate",
	"idtyp":              "token type: app (app-only) or user",
	"roles":              "app roles",
	"scp":                "delegated scopes (permissions the user let the client use)",
	"ver":                "token version",
	"uti":                "token ID (internal)",
	"rh":                 "internal; do not use",
	"aio":                "internal; do not use",
	"name":               "user's display name",
	"upn":                "user principal name",
	"unique_name":        "user name (v1)",
	"preferred_username": "user name (v2)",
	"given_name":         "user's first name",
	"family_name":        "user's last name",
	"ipaddr":             "IP address the user signed in from",
	"amr":                "how the user signed in (pwd, mfa, ...)",
	"acr":                "authentication context class (v1)",
	"acrs":               "authentication context classes satisfied",
	"wids":               "Entra directory roles of the user",
	"groups":             "group object IDs",
	"hasgroups":          "the user is in too many groups to list (overage)",
	"xms_cc":             "client capabilities (cp1: can handle claims challenges / CAE)",
	"xms_tcdt":           "tenant creation time (internal)",
	"email":              "email address",
	"nonce":              "nonce",
}

// claimOrder lists the claims people look at first; the rest follow by name.
var claimOrder = []string{"aud", "iss", "iat", "nbf", "exp", "tid", "appid", "azp", "appidacr", "azpacr",
	"idtyp", "roles", "scp", "oid", "sub", "ver", "name", "upn", "preferred_username", "unique_name"}

var headerOrder = []string{"alg", "typ", "kid", "x5t", "nonce"}

func ordered(m map[string]any, first []string) []string {
	keys := make([]string, 0, len(m))
	seen := map[string]bool{}
	for _, k := range first {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
			seen[k] = true
		}
	}
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

// annotate returns what a claim's value means in this token, beyond the
// claim's general meaning: names of well-known apps, the audience's form,
// the issuer's version and tenant, relative times.
func (r *Report) annotate(t *token.Token, name string) string {
	v := t.Claims[name]
	switch name {
	case "iat", "nbf", "exp":
		tm, _, err := t.Time(name)
		if err != nil {
			return "unreadable: " + err.Error()
		}
		d := r.now.Sub(tm)
		rel := Ago(d) + " ago"
		if d < 0 {
			rel = "in " + Ago(d)
		}
		if name == "exp" && d >= 0 {
			rel = "EXPIRED " + rel
		}
		return tm.Format(TimeLayout) + ", " + rel
	case "aud":
		aud, _ := v.(string)
		if n := entra.ResourceName(aud); n != "" {
			return "audience: " + n + " (a Microsoft API, not yours)"
		}
		if f := entra.AudienceForm(aud); f != "" {
			return "audience: your API, named by its " + f
		}
	case "iss":
		iss, _ := v.(string)
		if tid, ver, ok := entra.TenantFromIssuer(iss); ok {
			return fmt.Sprintf("issuer: Entra v%s endpoint of tenant %s", ver, tid)
		}
		return "issuer: not an Entra issuer form"
	case "appid", "azp":
		id, _ := v.(string)
		if n := entra.AppName(id); n != "" {
			return "client application: " + n
		}
	case "roles":
		if r.Kind == "app" {
			return "app roles granted to the client (application permissions)"
		}
		return "app roles assigned to the user"
	case "ver":
		if s, _ := v.(string); s == "1.0" || s == "2.0" {
			return "token version: set by the API's app registration (accessTokenAcceptedVersion), not by the client"
		}
	}
	return claimMeaning[name]
}

// versionNote says what the token's version implies for whoever validates it.
// The issuer shown is the one the tenant's metadata names when it was read
// (a sovereign cloud's or a test tenant's own form), else the global cloud's.
func versionNote(v, tid, metadataIssuer string) string {
	if tid == "" {
		tid = "{tenant}"
	}
	switch entra.Version(v) {
	case entra.V1:
		return fmt.Sprintf("v1.0: issuer %s; aud is the App ID URI or the client ID, whichever the client asked for; validate with the v1 metadata (/%s/.well-known/openid-configuration)",
			cmp.Or(metadataIssuer, entra.IssuerV1(tid)), tid)
	case entra.V2:
		return fmt.Sprintf("v2.0: issuer %s; aud is always the API's client ID; validate with the v2 metadata (/%s/v2.0/.well-known/openid-configuration)",
			cmp.Or(metadataIssuer, entra.IssuerV2(tid)), tid)
	}
	return "unknown version: no ver claim and no Entra issuer"
}

func kindNote(r *Report, t *token.Token) string {
	client := t.String("azp")
	if client == "" {
		client = t.String("appid")
	}
	if n := entra.AppName(client); n != "" {
		client += " (" + n + ")"
	}
	if r.Kind == "app" {
		roles := strings.Join(t.Strings("roles"), ", ")
		if roles == "" {
			roles = "none: no app role is assigned to this client for this API"
		}
		return fmt.Sprintf("app-only (client credentials or managed identity) for client %s; roles: %s", client, roles)
	}
	return fmt.Sprintf("delegated (a user signed in through client %s); scp: %s", client, strings.Join(t.Strings("scp"), " "))
}

func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case nil:
		return "null"
	default:
		return fmt.Sprint(x)
	}
}
