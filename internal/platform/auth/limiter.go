package auth

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a token bucket per key (an IP address, an account): burst
// attempts at once, then one per interval. It lives in process memory: on a
// cluster each node limits on its own, which still bounds guessing; the
// account lockout in the database is the cluster-wide guard.
type Limiter struct {
	mu       sync.Mutex
	buckets  map[string]*bucket
	burst    int
	every    rate.Limit
	now      func() time.Time
	lastScan time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows burst events per key at once and then one per interval.
func NewLimiter(burst int, interval time.Duration, now func() time.Time) *Limiter {
	return &Limiter{buckets: map[string]*bucket{}, burst: burst, every: rate.Every(interval), now: now}
}

// Allow takes one token for key. When none is left it reports how many
// seconds to wait (at least 1).
func (l *Limiter) Allow(key string) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	// Forget idle keys now and then, so the map cannot grow without bound.
	if now.Sub(l.lastScan) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 30*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.lastScan = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	r := b.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return false, max(1, int(math.Ceil(wait.Seconds())))
}
