package keys

import (
	"os"
	"testing"
)

const url1 = "https://login.example/t/discovery/v2.0/keys"

func newCache(t *testing.T) (*Cache, *[]string) {
	var warned []string
	c := &Cache{Dir: t.TempDir(), Warnf: func(f string, a ...any) { warned = append(warned, f) }}
	if err := c.Put(url1, []byte(`{"keys":[]}`)); err != nil {
		t.Fatal(err)
	}
	return c, &warned
}

// A cache another user could write to is not read and not written: the key
// set planted there would make a forged token verify.
func TestCacheRefusesSharedDirectory(t *testing.T) {
	c, warned := newCache(t)
	if _, _, _, ok := c.Get(url1); !ok {
		t.Fatal("a private cache is not used")
	}
	if err := os.Chmod(c.Dir, 0o777); err != nil {
		t.Fatal(err)
	}
	fresh := &Cache{Dir: c.Dir, Warnf: c.Warnf}
	if _, _, _, ok := fresh.Get(url1); ok {
		t.Error("an entry in a world-writable directory was used")
	}
	if err := fresh.Put(url1, []byte(`{}`)); err == nil {
		t.Error("wrote into a world-writable directory")
	}
	if len(*warned) != 1 {
		t.Errorf("warnings: %q, want one", *warned)
	}
}

func TestCacheRefusesForeignOrWritableEntries(t *testing.T) {
	c, _ := newCache(t)
	other := &Cache{Dir: c.Dir, uid: os.Geteuid() + 1, uidSet: true}
	if _, _, _, ok := other.Get(url1); ok {
		t.Error("an entry of another user was used")
	}
	if err := os.Chmod(c.path(url1), 0o666); err != nil {
		t.Fatal(err)
	}
	if _, _, _, ok := c.Get(url1); ok {
		t.Error("a world-writable entry was used")
	}
}
