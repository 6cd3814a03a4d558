package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultTTL is how long a cached discovery document or key set is used
// without asking again. APIM itself caches key sets for an hour; an unknown
// kid forces a refresh sooner.
const DefaultTTL = time.Hour

// maxEntry bounds a cache entry: a document and its envelope.
const maxEntry = 2*MaxDocument + 4<<10

// Cache is a small disk cache of documents fetched by URL. It holds public
// material only (discovery documents and public keys), but what it holds
// decides which tokens verify, so it is trusted only as far as the network
// rules say (spec/cli.md, "Network rules"): the directory and every entry
// must belong to this user and be writable by nobody else, entries are
// opened without following symbolic links and must be regular files, and
// every read is bounded. A cache that fails this is bypassed (not read, not
// written) with one warning; verification then goes to the network.
type Cache struct {
	Dir string
	TTL time.Duration
	Now func() time.Time
	// Warnf, when set, is told once why the cache is not used.
	Warnf func(format string, args ...any)

	uid      int  // the owner the directory and entries must have, when uidSet (tests)
	uidSet   bool // else the effective user
	warnOnce sync.Once
	dirOnce  sync.Once
	dirErr   error
}

type entry struct {
	URL       string          `json:"url"`
	FetchedAt time.Time       `json:"fetched_at"`
	Body      json.RawMessage `json:"body"`
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) owner() int {
	if c.uidSet {
		return c.uid
	}
	return os.Geteuid()
}

func (c *Cache) path(url string) string {
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:12])+".json")
}

func (c *Cache) warn(err error) {
	if c.Warnf != nil {
		c.warnOnce.Do(func() { c.Warnf("key cache not used: %v", err) })
	}
}

// trustDir says why the directory cannot be trusted, if it cannot. A
// directory that does not exist yet is fine: Put creates it private.
func (c *Cache) trustDir() error {
	c.dirOnce.Do(func() {
		fi, err := os.Stat(c.Dir)
		switch {
		case err != nil && os.IsNotExist(err):
		case err != nil:
			c.dirErr = err
		case !fi.IsDir():
			c.dirErr = fmt.Errorf("%s is not a directory", c.Dir)
		default:
			c.dirErr = trusted(c.Dir, fi, c.owner())
		}
	})
	return c.dirErr
}

// trusted checks what the rules ask of the directory and of each entry.
func trusted(name string, fi fs.FileInfo, uid int) error {
	if checkMode && fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by group or others (mode %04o): anyone who can write there could plant keys; chmod go-w it, or use another --cache-dir", name, fi.Mode().Perm())
	}
	if owner, ok := ownerOf(fi); ok && owner != uid {
		return fmt.Errorf("%s belongs to user %d, not to this user (%d): its keys cannot be trusted; use another --cache-dir", name, owner, uid)
	}
	return nil
}

// Get returns the cached body for url, its age, and whether it is still
// within the TTL. ok is false when nothing usable is cached, including an
// entry the rules refuse (it is then reported through Warnf).
func (c *Cache) Get(url string) (body []byte, age time.Duration, fresh, ok bool) {
	if c == nil {
		return nil, 0, false, false
	}
	if err := c.trustDir(); err != nil {
		c.warn(err)
		return nil, 0, false, false
	}
	b, err := c.read(c.path(url))
	if err != nil {
		if !os.IsNotExist(err) {
			c.warn(err)
		}
		return nil, 0, false, false
	}
	var e entry
	if json.Unmarshal(b, &e) != nil || e.URL != url || len(e.Body) == 0 {
		return nil, 0, false, false
	}
	age = c.now().Sub(e.FetchedAt)
	ttl := c.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	return e.Body, age, age >= 0 && age < ttl, true
}

// read opens an entry without following a symbolic link and without
// blocking (a FIFO), requires a regular file the rules trust, and reads at
// most maxEntry bytes.
func (c *Cache) read(path string) ([]byte, error) {
	f, err := openEntry(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	if err := trusted(path, fi, c.owner()); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxEntry+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxEntry {
		return nil, fmt.Errorf("%s is larger than %d KiB", path, maxEntry>>10)
	}
	return b, nil
}

// Put stores body (which must be JSON) for url. The write is atomic, so a
// concurrent reader sees the old entry or the new one, never half of one.
// Nothing is written to a directory the rules do not trust.
func (c *Cache) Put(url string, body []byte) error {
	if c == nil {
		return nil
	}
	if err := c.trustDir(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(entry{URL: url, FetchedAt: c.now().UTC(), Body: body})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.Dir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), c.path(url))
}
