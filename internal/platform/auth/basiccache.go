package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// basicCache remembers for a minute which e-mail and password pairs sent
// as HTTP Basic (TAXII clients send them with every request) were verified,
// and against which stored hash: a client paging through a collection then
// costs one argon2 check a minute instead of one per page, and does not
// run into the sign-in rate limit. An entry holds only an HMAC of the pair
// under a key of this process's, the user and the hash; it is used only
// while the user's stored hash is still that one (a changed password ends
// it at once) and the account is neither disabled nor locked.
type basicCache struct {
	mu  sync.Mutex
	key [32]byte
	m   map[[32]byte]basicEntry
}

type basicEntry struct {
	userID, hash string
	until        time.Time
}

const (
	basicTTL     = time.Minute
	basicEntries = 10_000 // beyond this the cache starts again empty
)

func newBasicCache() *basicCache {
	c := &basicCache{m: map[[32]byte]basicEntry{}}
	_, _ = rand.Read(c.key[:])
	return c
}

func (c *basicCache) sum(email, secret string) [32]byte {
	m := hmac.New(sha256.New, c.key[:])
	m.Write([]byte(email))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

func (c *basicCache) get(k [32]byte, now time.Time) (basicEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok && now.After(e.until) {
		delete(c.m, k)
		return basicEntry{}, false
	}
	return e, ok
}

func (c *basicCache) put(k [32]byte, e basicEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= basicEntries {
		clear(c.m)
	}
	c.m[k] = e
}

func (c *basicCache) drop(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}
