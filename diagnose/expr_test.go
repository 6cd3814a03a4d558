package diagnose

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// Conditions people write in <when> (shared/reference/entra-apim.md §3.2).
func TestEvalCondition(t *testing.T) {
	tok := b64(`{"alg":"RS256"}`) + "." + b64(`{"iss":"https://sts.windows.net/t/","appid":"app-1","roles":["Orders.Read","Orders.Write"],"aud":"api://x","scp":"a b"}`) + ".c2ln"
	req := Request{Headers: map[string]string{"Authorization": "Bearer " + tok, "X-Env": "prod"}}
	const hdr = `context.Request.Headers.GetValueOrDefault("Authorization","")`
	tests := []struct {
		cond string
		want bool
	}{
		{`@(context.Request.Headers.ContainsKey("X-Env"))`, true},
		{`@(!context.Request.Headers.ContainsKey("x-env"))`, false},
		{`@(context.Request.Headers.GetValueOrDefault("X-Env","") == "prod")`, true},
		{`@(` + hdr + `.Split(' ').Last().AsJwt()?.Issuer == "https://sts.windows.net/t/")`, true},
		{`@(` + hdr + `.Replace("Bearer ", "").AsJwt()?.Claims.GetValueOrDefault("appid", "") == "app-1")`, true},
		{`@(` + hdr + `.Split(' ').Last().AsJwt()?.Claims["roles"].Contains("Orders.Write"))`, true},
		{`@(` + hdr + `.Split(' ').Last().AsJwt()?.Claims.GetValueOrDefault("roles","").Contains("Admin"))`, false},
		{`@(` + hdr + `.Split(' ').Last().AsJwt()?.Audiences.Contains("api://x") && context.Request.Headers.ContainsKey("X-Env"))`, true},
		{`@(` + hdr + `.AsJwt()?.Issuer == "x" || true)`, true},
		{`@(context.Request.Headers.GetValueOrDefault("Missing","").AsJwt() == null)`, true},
		{`@{ return ` + hdr + `.Split(' ').Last().AsJwt()?.Issuer.StartsWith("https://sts.windows.net/"); }`, true},
	}
	for _, tt := range tests {
		got, err := EvalCondition(tt.cond, req)
		if err != nil || got != tt.want {
			t.Errorf("%s = %v, %v; want %v", tt.cond, got, err, tt.want)
		}
	}
	for _, cond := range []string{
		`@(context.Variables.GetValueOrDefault<bool>("isMobile"))`,
		`@(context.Request.IpAddress == "1.2.3.4")`,
		`@{ var x = 1; return x == 1; }`,
		`@(DateTime.UtcNow.Hour > 8)`,
		`@(context.Request.Headers.GetValueOrDefault("Missing").AsJwt().Issuer == "x")`,
	} {
		_, err := EvalCondition(cond, req)
		var ue *UnsupportedError
		if !errors.As(err, &ue) {
			t.Errorf("%s: err = %v, want UnsupportedError", cond, err)
		}
	}
}

func TestEvalConditionBoundsNesting(t *testing.T) {
	for _, expr := range []string{
		"@(" + strings.Repeat("(", 100000) + "true" + strings.Repeat(")", 100000) + ")",
		"@(" + strings.Repeat("!", 100000) + "true)",
		"@(context.Request.Headers.GetValueOrDefault(" + strings.Repeat("\"a\".ToLower(", 5000) + ")",
	} {
		_, err := EvalCondition(expr, Request{})
		if _, ok := err.(*UnsupportedError); !ok {
			t.Errorf("%.40s...: err = %v, want an UnsupportedError", expr, err)
		}
	}
	if ok, err := EvalCondition("@("+strings.Repeat("(", 10)+"true"+strings.Repeat(")", 10)+")", Request{}); err != nil || !ok {
		t.Errorf("modest nesting: %v %v", ok, err)
	}
}
