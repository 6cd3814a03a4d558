package keys

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// DefaultTTL is how long a cached discovery document or key set is used
// without asking again. APIM itself caches key sets for an hour; an unknown
// kid forces a refresh sooner.
const DefaultTTL = time.Hour

// Cache is a small disk cache of documents fetched by URL. It holds public
// material only (discovery documents and public keys).
type Cache struct {
	Dir string
	TTL time.Duration
	Now func() time.Time
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

func (c *Cache) path(url string) string {
	sum := sha256.Sum256([]byte(url))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:12])+".json")
}

// Get returns the cached body for url, its age, and whether it is still
// within the TTL. ok is false when nothing usable is cached.
func (c *Cache) Get(url string) (body []byte, age time.Duration, fresh, ok bool) {
	if c == nil {
		return nil, 0, false, false
	}
	b, err := os.ReadFile(c.path(url))
	if err != nil || len(b) > 2*MaxDocument {
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

// Put stores body (which must be JSON) for url. The write is atomic, so a
// concurrent reader sees the old entry or the new one, never half of one.
func (c *Cache) Put(url string, body []byte) error {
	if c == nil {
		return nil
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
