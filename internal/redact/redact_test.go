package redact

import (
	"strings"
	"testing"
)

const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"

func TestString(t *testing.T) {
	var r Redactor
	r.Add("s3cr3t-value+/=")
	r.Add("tiny") // too short to register
	for in, gone := range map[string][]string{
		"unknown command \"s3cr3t-value+/=\"":                         {"s3cr3t-value"},
		"GET https://x/?k=s3cr3t-value%2B%2F%3D":                      {"s3cr3t-value"},
		"echo: " + jwt:                                                {jwt[20:]},
		"X-Echo: Bearer opaque-token-0123456789abcdef":                {"opaque-token-0123456789abcdef"},
		"Authorization: Basic dXNlcjpwYXNzd29yZC1zZWNyZXQ=":           {"dXNlcjpwYXNzd29yZC1zZWNyZXQ="},
		"https://gw/o?subscription-key=0123abcd&access_token=xyz&x=1": {"0123abcd", "xyz"},
		"https://app/cb?code=0.AXoA-authcode&state=1":                 {"0.AXoA-authcode"},
	} {
		got := r.String(in)
		for _, g := range gone {
			if strings.Contains(got, g) {
				t.Errorf("String(%q) = %q: %q still there", in, got, g)
			}
		}
	}
	for _, keep := range []string{
		`Bearer error="invalid_token", error_description="The audience is invalid"`,
		"tiny is fine", "x=1&y=2", "Basic realm=\"/var/opt/azcmagent/tokens/x.key\"",
	} {
		if got := r.String(keep); got != keep {
			t.Errorf("String(%q) = %q, want it unchanged", keep, got)
		}
	}
}

func TestHeader(t *testing.T) {
	var r Redactor
	r.Add("echoed-secret-1")
	for _, tc := range []struct{ name, value, want string }{
		{"Authorization", "Bearer " + jwt, "Bearer " + Mask(jwt)},
		{"X-Functions-Key", "abcdefgh", "****(8 chars)"},
		{"Set-Cookie", "session=abc; Path=/", "****(19 chars)"},
		{"X-Echo", "echoed-secret-1", "****(15 chars)"},
		{"X-Echo-Token-Free", jwt, Mask(jwt)},
		{"WWW-Authenticate", `Bearer error="invalid_token"`, `Bearer error="invalid_token"`},
		{"Content-Type", "application/json", "application/json"},
	} {
		if got := r.Header(tc.name, tc.value); got != tc.want {
			t.Errorf("Header(%s, %q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
}

// The environment's secrets are registered by name, before any flag is read.
func TestAddEnv(t *testing.T) {
	env := map[string]string{"AZURE_CLIENT_SECRET": "client~secret~1", "APIM_SUBSCRIPTION_KEY": "0123456789abcdef",
		"IDENTITY_HEADER": "identity-header-1", "MSI_SECRET": "msi-secret-123", "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pfx-password", "HOME": "/home/someone"}
	var r Redactor
	r.AddEnv(func(k string) string { return env[k] })
	for k, v := range env {
		got := r.String("value: " + v)
		if (k == "HOME") != strings.Contains(got, v) {
			t.Errorf("%s: %q", k, got)
		}
	}
}

// FuzzString: no registered secret survives redaction, whatever surrounds it.
func FuzzString(f *testing.F) {
	f.Add("prefix ", "s3cr3t-value", " suffix")
	f.Add("https://x/?subscription-key=", "0123abcd0123", "&a=1")
	f.Add("Bearer ", jwt, "\x1b[2J")
	f.Fuzz(func(t *testing.T, before, secret, after string) {
		var r Redactor
		r.Add(secret)
		secret = strings.TrimSpace(secret)
		if len(secret) < MinLength {
			return
		}
		got := r.String(before + secret + after)
		// The mask itself, next to the text around it, may spell the secret
		// by chance ("****(6 chars)" + "00000" holds ")00000"): take it out.
		for _, piece := range strings.Split(got, Mask(secret)) {
			if strings.Contains(piece, secret) {
				t.Fatalf("secret %q survives in %q", secret, got)
			}
		}
	})
}
