package token

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/finding"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

var good = b64(`{"alg":"RS256","kid":"k1"}`) + "." + b64(`{"aud":"api://x","exp":1700000000,"roles":["A","B"],"scp":"a b"}`) + "." + b64("sig")

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"  abc\r\n", "abc"},
		{`"abc"`, "abc"},
		{`'abc'`, "abc"},
		{"Bearer abc", "abc"},
		{"bearer\tabc", "abc"},
		{"BEARER abc", "abc"},
		{"Authorization: Bearer abc", "abc"},
		{"authorization:bearer abc", "abc"},
		{`"Authorization: Bearer abc"`, "abc"},
		{`Authorization: "Bearer abc"`, "abc"},
		{"Bearerabc", "Bearerabc"},                             // not a scheme: no separator
		{"eyJhb.eyJz\n  dWIi.c2ln\r\n", "eyJhb.eyJzdWIi.c2ln"}, // wrapped in a terminal or a log
		{"Bearer eyJhb.eyJz\ndWIi.c2ln", "eyJhb.eyJzdWIi.c2ln"},
		{"not a token", "not a token"}, // only a JWT's line breaks are removed
		{"Bearer", ""},
		{`"`, `"`},
		// JSON documents, as entratoken/Entra, az and azd print them.
		{`{"access_token":"eyJhb.eyJz.c2ln","token_type":"Bearer"}`, "eyJhb.eyJz.c2ln"},
		{"{\n  \"accessToken\": \"eyJhb.eyJz.c2ln\",\n  \"expiresOn\": \"2026-01-01 10:00:00.000000\"\n}\n", "eyJhb.eyJz.c2ln"},
		{`{"expiresOn":"2026-01-01T10:00:00Z","token":"eyJhb.eyJz.c2ln"}`, "eyJhb.eyJz.c2ln"},
		{`{"access_token":"Bearer eyJhb.eyJz.c2ln"}`, "eyJhb.eyJz.c2ln"},
		{`{"token":42}`, `{"token":42}`},               // no token in it: left for the decoder to refuse
		{`{"access_token":""}`, `{"access_token":""}`}, // likewise
		{`{"id_token":"eyJhb.eyJz.c2ln"}`, `{"id_token":"eyJhb.eyJz.c2ln"}`},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tok")
	if err := os.WriteFile(file, []byte("Bearer abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		arg      string
		hasArg   bool
		stdin    string
		stdinTTY bool
		want     string
		wantErr  error
	}{
		{name: "argument", arg: " abc ", hasArg: true, want: "abc"},
		{name: "file", arg: "@" + file, hasArg: true, want: "abc"},
		{name: "dash reads stdin", arg: "-", hasArg: true, stdin: "'abc'\n", want: "abc"},
		{name: "dash reads stdin even from a terminal", arg: "-", hasArg: true, stdinTTY: true, stdin: "abc", want: "abc"},
		{name: "no argument reads piped stdin", stdin: "abc", want: "abc"},
		{name: "no argument and a terminal", stdinTTY: true, wantErr: ErrNoInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(tt.arg, tt.hasArg, strings.NewReader(tt.stdin), tt.stdinTTY)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	_, err := Read("@"+filepath.Join(dir, "missing"), true, nil, false)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: err = %v, want *InputError naming the cause", err)
	}
	_, err = Read("", false, strings.NewReader(strings.Repeat("a", MaxInput+1)), false)
	if !errors.As(err, &ie) {
		t.Errorf("oversized stdin: err = %v, want *InputError", err)
	}
}

func TestDecode(t *testing.T) {
	tok, err := Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	if tok.HeaderString("kid") != "k1" || tok.String("aud") != "api://x" || string(tok.Signature) != "sig" {
		t.Errorf("decoded %+v", tok)
	}
	if got := tok.Strings("roles"); strings.Join(got, ",") != "A,B" {
		t.Errorf("roles = %q", got)
	}
	if got := tok.Strings("scp"); strings.Join(got, ",") != "a,b" {
		t.Errorf("scp = %q (space-separated claim must be split)", got)
	}
	if got := tok.Strings("aud"); len(got) != 1 || got[0] != "api://x" {
		t.Errorf("aud = %q", got)
	}
	exp, ok, err := tok.Time("exp")
	if !ok || err != nil || exp.Unix() != 1700000000 {
		t.Errorf("exp = %v %v %v", exp, ok, err)
	}
	if _, ok, _ := tok.Time("nbf"); ok {
		t.Error("absent nbf reported present")
	}
}

func TestDecodeErrors(t *testing.T) {
	h, p := b64(`{"alg":"RS256"}`), b64(`{"a":1}`)
	tests := []struct {
		name, raw, code, want string
		segment               int
	}{
		{"empty", "", finding.TokenMissing, "empty", 0},
		{"one segment", "hello", finding.TokenMalformed, "does not look like a JWT", 0},
		{"two segments", h + "." + p, finding.TokenMalformed, "cut off", 0},
		{"four segments", h + "." + p + ".a.b", finding.TokenMalformed, "4 segment(s)", 0},
		{"JWE", "a.b.c.d.e", finding.TokenEncrypted, "encrypted", 0},
		{"padding", h + "." + p + "==.c2ln", finding.TokenMalformed, "'=' padding", 2},
		{"standard base64", h + "." + "ab+c" + ".c2ln", finding.TokenMalformed, "standard base64", 2},
		{"bad char in signature", h + "." + p + ".a*b", finding.TokenMalformed, "segment 3 (signature)", 3},
		{"impossible length", "a." + p + ".c2ln", finding.TokenMalformed, "length 1 is impossible", 1},
		{"header not JSON", b64("nope") + "." + p + ".c2ln", finding.TokenMalformed, "segment 1 (header) is not a JSON object", 1},
		{"payload array", h + "." + b64("[1]") + ".c2ln", finding.TokenMalformed, "segment 2 (payload) is not a JSON object", 2},
		{"payload null", h + "." + b64("null") + ".c2ln", finding.TokenMalformed, "not a JSON object", 2},
		{"trailing data", h + "." + b64(`{"a":1}{}`) + ".c2ln", finding.TokenMalformed, "data after the object", 2},
		{"empty header", "." + p + ".c2ln", finding.TokenMalformed, "segment 1 (header) is empty", 1},
		{"duplicate claim", h + "." + b64(`{"aud":"a","aud":"b"}`) + ".c2ln", finding.TokenMalformed, `"aud" twice`, 2},
		{"duplicate header", b64(`{"alg":"none","alg":"RS256"}`) + "." + p + ".c2ln", finding.TokenMalformed, `"alg" twice`, 1},
		{"invalid UTF-8", h + "." + b64("{\"a\":\"\xff\"}") + ".c2ln", finding.TokenMalformed, "UTF-8", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.raw)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if te.Code != tt.code || te.Segment != tt.segment || !strings.Contains(te.Message, tt.want) {
				t.Errorf("got %s segment %d %q, want %s segment %d containing %q", te.Code, te.Segment, te.Message, tt.code, tt.segment, tt.want)
			}
			if f := te.Finding(); f.Fix == "" || f.Severity != finding.SeverityError {
				t.Errorf("finding %+v lacks a fix or error severity", f)
			}
		})
	}
}

func TestTimeRejectsNonNumbers(t *testing.T) {
	tok, err := Decode(b64(`{}`) + "." + b64(`{"exp":"soon","nbf":-5,"iat":1e300}`) + ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"exp", "nbf", "iat"} {
		if _, ok, err := tok.Time(c); !ok || err == nil {
			t.Errorf("%s: ok=%v err=%v, want present and an error", c, ok, err)
		}
	}
}

func TestFingerprintHidesToken(t *testing.T) {
	fp := Fingerprint(good)
	if strings.Contains(fp, good[10:]) || !strings.HasPrefix(fp, good[:8]+"…(") || !strings.Contains(fp, "sha256:") {
		t.Errorf("Fingerprint = %q", fp)
	}
	if Fingerprint(good) != fp || Fingerprint(good+"x") == fp {
		t.Error("fingerprint must be stable and distinguish tokens")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(good)
	f.Add("a.b.c")
	f.Add("Bearer " + good)
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Decode(Normalize(s))
		if err == nil && (tok.Header == nil || tok.Claims == nil) {
			t.Fatalf("decoded without header or claims: %q", s)
		}
		var te *Error
		if err != nil && !errors.As(err, &te) {
			t.Fatalf("error of unexpected type %T: %v", err, err)
		}
	})
}

// Hostile sizes and shapes end in a clear error, never a crash.
func TestDecodeHostileShapes(t *testing.T) {
	deep := b64(`{"a":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`)
	if _, err := Decode(b64(`{}`) + "." + deep + ".c2ln"); err == nil {
		t.Error("100000-deep payload accepted")
	}
	big := b64(`{"a":"` + strings.Repeat("x", 900_000) + `"}`)
	tok, err := Decode(b64(`{}`) + "." + big + ".c2ln")
	if err != nil || len(tok.String("a")) != 900_000 {
		t.Errorf("large but well-formed payload: %v", err)
	}
}

func TestRedact(t *testing.T) {
	msg := `unknown command "` + good + `" for "entratoken"`
	got := Redact(msg)
	if strings.Contains(got, good[8:]) || !strings.Contains(got, Fingerprint(good)) || !strings.HasSuffix(got, `" for "entratoken"`) {
		t.Errorf("Redact = %q", got)
	}
	for _, keep := range []string{"plain text", "eyJ alone", "eyJhbGci.only-one-dot", "https://x/eyJ"} {
		if Redact(keep) != keep {
			t.Errorf("Redact(%q) = %q", keep, Redact(keep))
		}
	}
	if got := Redact("Bearer " + good + "."); !strings.HasPrefix(got, "Bearer eyJ") || strings.Contains(got, good[8:]) {
		t.Errorf("Redact with trailing dot = %q", got)
	}
}
