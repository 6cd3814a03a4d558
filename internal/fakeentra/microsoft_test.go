package fakeentra

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// decode returns a token's header and claims, unverified (the tests of the
// ARM fake verify them; here only their shape matters).
func decode(t *testing.T, tok string) (hdr, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", tok)
	}
	for i, m := range []*map[string]any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, m) != nil {
			t.Fatalf("part %d: %v", i, err)
		}
	}
	return hdr, claims
}

func secretToken(t *testing.T, s *Server, client, secret, scope string) string {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(TenantID, client, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL}, Transport: s.Client()},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// The evidence principals get ARM and Graph tokens through azidentity, shaped
// as Entra shapes them: v1, ARM's aud with its trailing slash, Graph's aud,
// nonce and app roles.
func TestMicrosoftResourcesThroughAzidentity(t *testing.T) {
	s := New()
	defer s.Close()
	for _, scope := range []string{"https://management.azure.com/.default", "https://management.azure.com//.default"} {
		hdr, c := decode(t, secretToken(t, s, EvidenceReaderClientID, EvidenceReaderSecret, scope))
		if c["aud"] != ARMAudience || c["ver"] != "1.0" || c["appid"] != EvidenceReaderClientID || c["oid"] != EvidenceReaderObjectID || c["roles"] != nil {
			t.Errorf("%s: ARM token claims %v", scope, c)
		}
		if hdr["nonce"] != nil {
			t.Errorf("ARM token carries a nonce: %v", hdr)
		}
	}
	hdr, c := decode(t, secretToken(t, s, EvidenceContributorClientID, EvidenceContributorSecret, "https://graph.microsoft.com/.default"))
	roles, _ := json.Marshal(c["roles"])
	if c["aud"] != GraphAudience || c["ver"] != "1.0" || string(roles) != `["Application.Read.All","Directory.Read.All"]` {
		t.Errorf("Graph token claims %v", c)
	}
	if hdr["nonce"] == nil || hdr["x5t"] == nil {
		t.Errorf("Graph token header %v: real ones carry nonce and x5t", hdr)
	}
	if _, c := decode(t, secretToken(t, s, EvidenceReaderClientID, EvidenceReaderSecret, "https://graph.microsoft.com/.default")); c["roles"] != nil {
		t.Errorf("the reader has no Graph permission, got roles %v", c["roles"])
	}
}

// The signed-in developer of the fake az/azd gets delegated ARM and Graph
// tokens with the Azure CLI's scopes.
func TestCLITokensForMicrosoftResources(t *testing.T) {
	s := New()
	defer s.Close()
	for scope, want := range map[string]string{
		"https://management.azure.com/.default": "user_impersonation",
		"https://graph.microsoft.com/.default":  strings.Join(AzureCLIGraphScopes, " "),
	} {
		resp, err := s.Client().PostForm(s.URL+TenantID+"/_fake/cli-token", url.Values{"scope": {scope}})
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		_, c := decode(t, out.AccessToken)
		if c["scp"] != want || c["oid"] != UserObjectID || c["appid"] != AzureCLIClientID {
			t.Errorf("%s: claims %v", scope, c)
		}
	}
}
