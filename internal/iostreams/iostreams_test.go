package iostreams

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, []byte("12345"), 0o600)
	if b, err := ReadFile(p, 5); err != nil || string(b) != "12345" {
		t.Errorf("%q %v", b, err)
	}
	if _, err := ReadFile(p, 4); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("over the limit: %v", err)
	}
	_, err := ReadFile(filepath.Join(dir, "missing"), 5)
	if err == nil || err.Error() != "no such file or directory" {
		t.Errorf("missing: %v (the path must not be repeated)", err)
	}
}

func TestPaletteHonoursColor(t *testing.T) {
	ios, _, _, _ := Test()
	if got := ios.Palette().Red("x"); got != "x" {
		t.Errorf("colour without a terminal: %q", got)
	}
	ios.Color = true
	if got := ios.Palette().Red("x"); !strings.Contains(got, "\x1b[") {
		t.Errorf("no colour when allowed: %q", got)
	}
}

func TestSanitize(t *testing.T) {
	red := palette(true).Red("VALID")
	for in, want := range map[string]string{
		"plain text\n\tindented":                      "plain text\n\tindented",
		"signature: INVALID\x1b[2K\rsignature: VALID": `signature: INVALID\x1b[2K\x0dsignature: VALID`,
		"title\x1b]0;pwned\x07":                       `title\x1b]0;pwned\x07`,
		"c1 \u009b2J and raw \x9b2J":                  `c1 \u009b2J and raw \x9b2J`,
		"rtl \u202eDILAVNI\u202c":                     `rtl \u202eDILAVNI\u202c`,
		"del\x7f nul\x00 bell\x07":                    `del\u007f nul\x00 bell\x07`,
		"crlf\r\nok":                                  "crlf\r\nok",
		"hidden \x1b[8mtext":                          `hidden \x1b[8mtext`,
		"colour " + red:                               "colour " + red,
		"unicode é ✓ 日本":                              "unicode é ✓ 日本",
	} {
		if got := SanitizeString(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

// Streams built by System and Test sanitise; colour is decided per stream.
func TestStreamsSanitiseAndColourPerStream(t *testing.T) {
	ios, _, out, errOut := Test()
	fmt.Fprint(ios.Out, "a\x1b[2Jb")
	fmt.Fprint(ios.ErrOut, "c\x1b[2Jd")
	fmt.Fprint(Raw(ios.Out), "\x1b")
	if out.String() != `a\x1b[2Jb`+"\x1b" || errOut.String() != `c\x1b[2Jd` {
		t.Errorf("out %q, err %q", out, errOut)
	}
	ios.Color, ios.ErrColor = true, false
	if !strings.Contains(ios.Palette().Red("x"), "\x1b[") || ios.ErrPalette().Red("x") != "x" {
		t.Error("stderr's colour follows stdout's")
	}
}

// FuzzSanitize: the output never holds a control character a terminal would
// act on (but the palette's), is valid UTF-8, and JSON stays the same JSON.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"\x1b[2J\x1b[H", "\u009b31m", "\xc2\x9b", "\u202e", "ok\r\n", "\x1b[32;1mX\x1b[0;22m", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Sanitize([]byte(s))
		if !utf8.Valid(got) {
			t.Fatalf("invalid UTF-8 out of %q: %q", s, got)
		}
		for i := 0; i < len(got); i++ {
			c := got[i]
			if c == 0x1b {
				if n := allowedAt(got[i:]); n == 0 {
					t.Fatalf("raw ESC out of %q: %q", s, got)
				} else {
					i += n - 1
				}
				continue
			}
			if c < 0x20 && c != '\n' && c != '\t' && !(c == '\r' && i+1 < len(got) && got[i+1] == '\n') || c == 0x7f {
				t.Fatalf("control %#x out of %q: %q", c, s, got)
			}
		}
		for _, r := range string(got) {
			if unsafeRune(r) {
				t.Fatalf("rune %U out of %q", r, s)
			}
		}
		if !utf8.ValidString(s) {
			return
		}
		doc, _ := json.Marshal(s)
		var back string
		if err := json.Unmarshal(Sanitize(doc), &back); err != nil || back != s {
			t.Fatalf("JSON of %q changed meaning: %q (%v)", s, back, err)
		}
	})
}

// 2>err.log holds no escapes when only stdout is a terminal, and the other
// way round.
func TestColoursPerStream(t *testing.T) {
	for _, tc := range []struct {
		outTTY, errTTY, noColor bool
		term                    string
		out, err                bool
	}{
		{true, false, false, "xterm", true, false},
		{false, true, false, "xterm", false, true},
		{true, true, true, "xterm", false, false},
		{true, true, false, "dumb", false, false},
	} {
		out, err := colours(tc.outTTY, tc.errTTY, tc.noColor, tc.term)
		if out != tc.out || err != tc.err {
			t.Errorf("%+v: got %v %v", tc, out, err)
		}
	}
}
