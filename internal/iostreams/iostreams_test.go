package iostreams

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
