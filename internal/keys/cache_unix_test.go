//go:build unix

package keys

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Entries are never followed through a symbolic link, never read from a FIFO
// or device, and never read past the bound: a link to /dev/zero or a FIFO
// with no writer ends at once.
func TestCacheEntriesRegularAndBounded(t *testing.T) {
	c, warned := newCache(t)
	good := c.path(url1)
	cases := map[string]func(p string) error{
		"symlink to a good entry": func(p string) error { return os.Symlink(good, p) },
		"symlink to /dev/zero":    func(p string) error { return os.Symlink("/dev/zero", p) },
		"fifo":                    func(p string) error { return syscall.Mkfifo(p, 0o600) },
		"huge":                    func(p string) error { return os.WriteFile(p, make([]byte, maxEntry+10), 0o600) },
	}
	for name, plant := range cases {
		u := "https://login.example/" + strings.ReplaceAll(name, " ", "-")
		p := c.path(u)
		if err := plant(p); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, _, _, ok := c.Get(u); ok {
			t.Errorf("%s: used", name)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
	if len(*warned) != 1 {
		t.Errorf("warnings: %q", *warned)
	}
}
