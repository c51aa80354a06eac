package intel

import (
	"sync"
	"time"
)

// ttlCache holds a value loaded from the database for a few seconds: every
// ingest and read path asks for the directory's organisations and networks,
// and the directory changes rarely. One load runs at a time; callers that
// come meanwhile wait for it rather than load again.
type ttlCache[T any] struct {
	mu     sync.Mutex
	at     time.Time
	v      T
	loaded bool
}

// directoryTTL is how stale the directory's copies may be if a change's
// announcement is missed (ForgetDirectory drops them at once).
const directoryTTL = 10 * time.Second

func (c *ttlCache[T]) get(load func() (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && time.Since(c.at) < directoryTTL {
		return c.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.v, c.at, c.loaded = v, time.Now(), true
	return v, nil
}

// forget makes the next get load again (after a change this process made).
func (c *ttlCache[T]) forget() {
	c.mu.Lock()
	c.loaded = false
	c.mu.Unlock()
}

// ForgetDirectory drops the copies of the directory (organisations,
// their networks and the routes built on them): the app calls it when the
// directory announces a change, on whichever node made it.
func (s *Service) ForgetDirectory() {
	s.orgTable.forget()
	s.routes.forget()
}
