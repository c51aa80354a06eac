package apptest

import (
	"sync"
	"time"
)

// Clock is a settable clock for a server (Options.Now: c.Now), so that
// deadlines, embargoes and schedules are tested without waiting.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock that starts now, at the server's precision.
func NewClock() *Clock { return &Clock{t: time.Now().UTC().Truncate(time.Microsecond)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock on by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
