package diagnose

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/entratoken/entratoken/internal/entra"
)

// rule is what a token check requires, read from validate-jwt,
// validate-azure-ad-token, or the command line's expectations.
type rule struct {
	Kind string // validate-jwt, validate-azure-ad-token, expectations
	Line int

	HeaderName, QueryParam, TokenValue string
	RequireScheme                      string
	FailCode                           int
	FailMessage                        string
	RequireExp, RequireSigned          bool
	Skew                               time.Duration

	OpenIDConfigs []openIDConfig
	SigningKeys   []policyKey
	Audiences     []string
	HasAudiences  bool
	Issuers       []string
	HasIssuers    bool
	Claims        []claimRule

	// validate-azure-ad-token, and expectations' --tenant / --client-app-id.
	TenantID      string
	ClientAppIDs  []string
	BackendAppIDs []string

	unsupported []unsupportedPart
}

type openIDConfig struct {
	URL      string
	Line     int
	KeysOnly bool // expectations: keys from here, issuer not enforced from it
}

type policyKey struct {
	ID            string
	N, E          string
	Symmetric     []byte
	CertificateID string
	Line          int
}

type claimRule struct {
	Name, Match, Separator string
	Values                 []string
	Line                   int
}

type unsupportedPart struct {
	What string
	Line int
	// Blocks: the outcome cannot be known without it.
	Blocks bool
}

func parseBool(n *Node, attr string, def bool) bool {
	v, ok := n.Attr(attr)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return b
}

// ruleFromValidateJWT reads <validate-jwt> (shared/reference/entra-apim.md §1).
func ruleFromValidateJWT(n *Node) *rule {
	r := &rule{Kind: "validate-jwt", Line: n.Line, FailCode: 401,
		RequireExp: parseBool(n, "require-expiration-time", true), RequireSigned: parseBool(n, "require-signed-tokens", true)}
	r.HeaderName, _ = n.Attr("header-name")
	r.QueryParam, _ = n.Attr("query-parameter-name")
	r.TokenValue, _ = n.Attr("token-value")
	r.RequireScheme, _ = n.Attr("require-scheme")
	r.FailMessage, _ = n.Attr("failed-validation-error-message")
	if v, ok := n.Attr("failed-validation-httpcode"); ok {
		if c, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			r.FailCode = c
		}
	}
	if v, ok := n.Attr("clock-skew"); ok {
		if sec, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			r.Skew = time.Duration(sec) * time.Second
		}
	}
	for _, attr := range n.Attrs {
		if IsExpression(attr.Value) && attr.Name.Local != "token-value" {
			r.unsupported = append(r.unsupported, unsupportedPart{What: "the expression in " + attr.Name.Local, Line: n.Line,
				Blocks: attr.Name.Local != "failed-validation-error-message"})
		}
	}
	for _, oc := range n.All("openid-config") {
		r.OpenIDConfigs = append(r.OpenIDConfigs, openIDConfig{URL: strings.TrimSpace(oc.AttrOr("url", "")), Line: oc.Line})
	}
	if ks := n.Child("issuer-signing-keys"); ks != nil {
		for _, k := range ks.All("key") {
			pk := policyKey{Line: k.Line, ID: k.AttrOr("id", "")}
			pk.N, _ = k.Attr("n")
			pk.E, _ = k.Attr("e")
			pk.CertificateID, _ = k.Attr("certificate-id")
			if text := strings.TrimSpace(k.Text); text != "" && pk.N == "" {
				// An inline Base64 key is symmetric to APIM (IDX10634 for RS256 tokens).
				if b, err := base64.StdEncoding.DecodeString(text); err == nil {
					pk.Symmetric = b
				}
			}
			r.SigningKeys = append(r.SigningKeys, pk)
		}
	}
	readCommon(n, r)
	if is := n.Child("issuers"); is != nil {
		r.HasIssuers = true
		for _, i := range is.All("issuer") {
			r.Issuers = append(r.Issuers, r.text(i))
		}
	}
	return r
}

// ruleFromAzureADToken reads <validate-azure-ad-token> (§2).
func ruleFromAzureADToken(n *Node) *rule {
	r := &rule{Kind: "validate-azure-ad-token", Line: n.Line, FailCode: 401, RequireExp: true, RequireSigned: true}
	r.HeaderName = n.AttrOr("header-name", "")
	r.QueryParam, _ = n.Attr("query-parameter-name")
	r.TokenValue, _ = n.Attr("token-value")
	if r.HeaderName == "" && r.QueryParam == "" && r.TokenValue == "" {
		r.HeaderName = "Authorization"
	}
	r.FailMessage, _ = n.Attr("failed-validation-error-message")
	if v, ok := n.Attr("failed-validation-httpcode"); ok {
		if c, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			r.FailCode = c
		}
	}
	r.TenantID = tenantFromAttr(n.AttrOr("tenant-id", ""))
	if ep, ok := n.Attr("authentication-endpoint"); ok {
		// A sovereign cloud's issuers differ (their forms are not documented); the global
		// cloud's are assumed, so the verdict may be wrong for that cloud.
		r.unsupported = append(r.unsupported, unsupportedPart{What: "authentication-endpoint=\"" + ep + "\" (the global cloud's issuers are assumed)", Line: n.Line})
	}
	if IsExpression(r.TenantID) {
		r.unsupported = append(r.unsupported, unsupportedPart{What: "the expression in tenant-id", Line: n.Line, Blocks: true})
	}
	for _, list := range []struct {
		el  string
		dst *[]string
	}{{"client-application-ids", &r.ClientAppIDs}, {"backend-application-ids", &r.BackendAppIDs}} {
		if c := n.Child(list.el); c != nil {
			for _, id := range c.All("application-id") {
				*list.dst = append(*list.dst, r.text(id))
			}
		}
	}
	readCommon(n, r)
	return r
}

// tenantFromAttr accepts a GUID, a domain, organizations/common, or the URL
// forms (https://contoso.onmicrosoft.com, https://login.microsoftonline.com/organizations).
func tenantFromAttr(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(strings.TrimPrefix(v, "https://"), "http://")
	v = strings.TrimSuffix(v, "/")
	if i := strings.LastIndex(v, "/"); i >= 0 {
		v = v[i+1:]
	}
	return v
}

// text returns an element's text, recording an expression as unsupported:
// comparing it as a literal would give a wrong verdict.
func (r *rule) text(n *Node) string {
	t := strings.TrimSpace(n.Text)
	if IsExpression(t) {
		r.unsupported = append(r.unsupported, unsupportedPart{What: "the expression in <" + n.Name + ">", Line: n.Line, Blocks: true})
	}
	return t
}

func readCommon(n *Node, r *rule) {
	if dk := n.Child("decryption-keys"); dk != nil {
		// Encrypted tokens (JWE) would be decrypted with these; entratoken
		// cannot, and a plain JWS passes them by.
		r.unsupported = append(r.unsupported, unsupportedPart{What: "<decryption-keys> (encrypted tokens)", Line: dk.Line})
	}
	if as := n.Child("audiences"); as != nil {
		r.HasAudiences = true
		for _, a := range as.All("audience") {
			r.Audiences = append(r.Audiences, r.text(a))
		}
	}
	if rc := n.Child("required-claims"); rc != nil {
		for _, c := range rc.All("claim") {
			cr := claimRule{Name: c.AttrOr("name", ""), Match: strings.ToLower(c.AttrOr("match", "all")), Line: c.Line}
			cr.Separator, _ = c.Attr("separator")
			for _, v := range c.All("value") {
				cr.Values = append(cr.Values, r.text(v))
			}
			r.Claims = append(r.Claims, cr)
		}
	}
}

// Expectations are the command line's equivalent of a validate-jwt.
type Expectations struct {
	Audiences    []string
	Tenant       string
	Issuers      []string
	Roles        []string
	Scopes       []string
	ClientAppIDs []string
}

func (e *Expectations) empty() bool {
	return e == nil || len(e.Audiences)+len(e.Issuers)+len(e.Roles)+len(e.Scopes)+len(e.ClientAppIDs) == 0 && e.Tenant == ""
}

func ruleFromExpectations(e *Expectations) *rule {
	r := &rule{Kind: "expectations", FailCode: 401, RequireExp: true, RequireSigned: true, HeaderName: "Authorization",
		Audiences: e.Audiences, HasAudiences: len(e.Audiences) > 0, Issuers: e.Issuers, HasIssuers: len(e.Issuers) > 0,
		TenantID: e.Tenant, ClientAppIDs: e.ClientAppIDs}
	for _, role := range e.Roles {
		r.Claims = append(r.Claims, claimRule{Name: "roles", Match: "all", Values: []string{role}})
	}
	for _, s := range e.Scopes {
		r.Claims = append(r.Claims, claimRule{Name: "scp", Match: "all", Separator: " ", Values: []string{s}})
	}
	return r
}

// metadataVersion says which token version an openid-config URL serves.
func metadataVersion(u string) entra.Version {
	if strings.Contains(u, "/v2.0/") {
		return entra.V2
	}
	return entra.V1
}
