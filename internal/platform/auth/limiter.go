package auth

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/certhub/certhub/internal/platform/db"
)

// Limiter is a token bucket per key (an IP address, an account): burst
// attempts at once, then one per interval.
//
// A limiter made by NewLimiter lives in process memory. One made by
// NewSharedLimiter on PostgreSQL keeps its buckets in the database, so the
// limit holds for the cluster whichever node answers (a client spreading
// its guesses over the nodes gets no more); if the database cannot be
// asked, the node falls back to its own buckets for that attempt.
type Limiter struct {
	mu       sync.Mutex
	buckets  map[string]*bucket
	burst    int
	interval time.Duration
	every    rate.Limit
	now      func() time.Time
	lastScan time.Time

	db        *db.DB // shared, on PostgreSQL
	name      string
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows burst events per key at once and then one per interval,
// counted in this process.
func NewLimiter(burst int, interval time.Duration, now func() time.Time) *Limiter {
	return &Limiter{buckets: map[string]*bucket{}, burst: burst, interval: interval, every: rate.Every(interval), now: now}
}

// NewSharedLimiter is NewLimiter counted across every node of d (on
// PostgreSQL; on SQLite there is one process, and the buckets stay in its
// memory). name tells the limit apart from others in the table.
func NewSharedLimiter(d *db.DB, name string, burst int, interval time.Duration, now func() time.Time) *Limiter {
	l := NewLimiter(burst, interval, now)
	if d != nil && d.Engine() == db.Postgres {
		l.db, l.name = d, name
	}
	return l
}

// Allow takes one token for key. When none is left it reports how many
// seconds to wait (at least 1).
func (l *Limiter) Allow(ctx context.Context, key string) (bool, int) {
	if l.db != nil {
		if ok, wait, err := l.allowShared(ctx, key); err == nil {
			return ok, wait
		}
	}
	return l.allowLocal(key)
}

func (l *Limiter) allowLocal(key string) (bool, int) {
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

// allowShared is the generic cell rate algorithm in one statement: a key's
// row holds the time at which its bucket would be full again (tat); an
// event moves it interval later, from now if it had passed, and is allowed
// if that leaves it at most burst intervals ahead. The row is only
// changed when the event is allowed, atomically whichever node asks.
func (l *Limiter) allowShared(ctx context.Context, key string) (bool, int, error) {
	now := l.now().UnixMicro()
	t := l.interval.Microseconds()
	tau := int64(l.burst) * t
	var tat int64
	err := l.db.QueryRow(ctx, `INSERT INTO rate_limits (name, key, tat) VALUES ($1, $2, CAST($3 AS BIGINT) + CAST($4 AS BIGINT))
		ON CONFLICT (name, key) DO UPDATE
			SET tat = (CASE WHEN rate_limits.tat > $3 THEN rate_limits.tat ELSE $3 END) + $4
			WHERE (CASE WHEN rate_limits.tat > $3 THEN rate_limits.tat ELSE $3 END) + $4 - $3 <= $5
		RETURNING tat`, l.name, key, now, t, tau).Scan(&tat)
	switch {
	case err == nil:
		l.sweep(ctx, now)
		return true, 0, nil
	case !errors.Is(err, db.ErrNoRows):
		return false, 0, err
	}
	if err := l.db.QueryRow(ctx, `SELECT tat FROM rate_limits WHERE name = $1 AND key = $2`, l.name, key).Scan(&tat); err != nil {
		return false, 0, err
	}
	wait := time.Duration(tat+t-now-tau) * time.Microsecond
	return false, max(1, int(math.Ceil(wait.Seconds()))), nil
}

// sweep deletes, at most once a minute per process, the rows whose time
// has passed (they mean a full bucket, as no row does).
func (l *Limiter) sweep(ctx context.Context, now int64) {
	l.mu.Lock()
	due := l.now().Sub(l.lastSweep) > time.Minute
	if due {
		l.lastSweep = l.now()
	}
	l.mu.Unlock()
	if due {
		_, _ = l.db.Exec(ctx, `DELETE FROM rate_limits WHERE tat < $1`, now)
	}
}
