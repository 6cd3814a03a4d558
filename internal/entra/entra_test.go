package entra

import "testing"

func TestTenantFromIssuer(t *testing.T) {
	tests := []struct {
		iss, tid string
		v        Version
		ok       bool
	}{
		{"https://sts.windows.net/3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e/", "3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e", V1, true},
		{"https://login.microsoftonline.com/3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e/v2.0", "3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e", V2, true},
		{"https://login.microsoftonline.us/abc/v2.0", "abc", V2, true},
		{"https://sts.windows.net/3f6b2c1d", "", "", false}, // v1 issuers end with a slash
		{"http://sts.windows.net/x/", "", "", false},
		{"https://evil.example/../x/v2.0", "", "", false},
		{"not a url", "", "", false},
	}
	for _, tt := range tests {
		tid, v, ok := TenantFromIssuer(tt.iss)
		if tid != tt.tid || v != tt.v || ok != tt.ok {
			t.Errorf("TenantFromIssuer(%q) = %q %q %v, want %q %q %v", tt.iss, tid, v, ok, tt.tid, tt.v, tt.ok)
		}
	}
}

func TestValidTenant(t *testing.T) {
	for _, s := range []string{"3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e", "contoso.onmicrosoft.com", "common", "organizations"} {
		if !ValidTenant(s) {
			t.Errorf("%q rejected", s)
		}
	}
	for _, s := range []string{"", "..", "../x", "a/b", "a%2fb", ".a", "a..b", "a b", "a?b"} {
		if ValidTenant(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestWellKnown(t *testing.T) {
	if AppName("04B07795-8DDB-461A-BBEE-02F9E1BF7B46") == "" {
		t.Error("Azure CLI not recognised in upper case")
	}
	for _, aud := range []string{"https://graph.microsoft.com", "https://graph.microsoft.com/", GraphAppID} {
		if !IsGraphAudience(aud) {
			t.Errorf("%q not Graph", aud)
		}
	}
	if IsGraphAudience("api://contoso-orders") || IsMicrosoftResource("api://contoso-orders") {
		t.Error("a custom API taken for Microsoft's")
	}
	if ResourceName("https://contoso.sharepoint.com") != "SharePoint Online" {
		t.Error("SharePoint tenant host not recognised")
	}
	for aud, want := range map[string]string{"6e8c4b2a-1f3d-4a5b-9c7e-2d4f6a8b0c1e": "client ID", "api://x": "App ID URI", "https://contoso.com/orders": "App ID URI", "orders": ""} {
		if got := AudienceForm(aud); got != want {
			t.Errorf("AudienceForm(%q) = %q, want %q", aud, got, want)
		}
	}
}

func TestMetadataPaths(t *testing.T) {
	if MetadataPath("t", V1) != "t/.well-known/openid-configuration" || MetadataPath("t", V2) != "t/v2.0/.well-known/openid-configuration" {
		t.Error("metadata paths")
	}
	if JWKSPath("t", V1) != "t/discovery/keys" || JWKSPath("t", V2) != "t/discovery/v2.0/keys" {
		t.Error("key paths")
	}
	if ExpandIssuer("https://login.microsoftonline.com/{tenantid}/v2.0", "x") != "https://login.microsoftonline.com/x/v2.0" {
		t.Error("template")
	}
}

func TestIsGUID(t *testing.T) {
	for s, want := range map[string]bool{
		"3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9e": true, "3F6B2C1D-8E4A-4B7C-9D2E-1A5F6C7B8D9E": true,
		"3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9": false, "3f6b2c1d8e4a-4b7c-9d2e-1a5f6c7b8d9ee": false,
		"3f6b2c1d-8e4a-4b7c-9d2e-1a5f6c7b8d9g": false, "": false,
	} {
		if IsGUID(s) != want {
			t.Errorf("IsGUID(%q) = %v", s, !want)
		}
	}
}
