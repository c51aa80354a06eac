package db

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Change announcements tell every process on the database that something a
// process may keep a copy of (the directory, the AS table, the warning
// lists, published files) has changed, so that each drops its copy at once
// instead of at the end of its cache's lifetime.
//
// A topic is announced in the transaction that makes the change
// (Tx.Announce) and reaches the watchers (Watch) once it commits: in this
// process straight after the commit, on PostgreSQL in every other process
// too, through LISTEN/NOTIFY on one channel. A process that loses its
// listening connection calls every watcher (it may have missed something)
// and again when it is back, and Listening reports false meanwhile.

// changesChannel is the PostgreSQL channel announcements travel on.
const changesChannel = "certhub_changes"

type changes struct {
	mu        sync.Mutex
	watchers  map[string][]func()
	started   bool
	listening bool
	stop      context.CancelFunc
	done      chan struct{}
}

// Watch calls fn whenever topic is announced, here or (on PostgreSQL) by
// any other process, and whenever announcements may have been missed. fn
// runs on its own and must be quick: drop a cache, not refill it. A nil
// DB (a unit test's service without a store) watches nothing.
func (d *DB) Watch(topic string, fn func()) {
	if d == nil {
		return
	}
	c := &d.changes
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watchers == nil {
		c.watchers = map[string][]func(){}
	}
	c.watchers[topic] = append(c.watchers[topic], fn)
	if d.engine == Postgres && !c.started {
		c.started = true
		ctx, stop := context.WithCancel(context.Background())
		c.stop, c.done = stop, make(chan struct{})
		go d.listen(ctx)
	}
}

// Listening answers whether announcements from other processes reach this
// one: always on SQLite (there are none), on PostgreSQL while the listening
// connection is up (or nothing watches yet).
func (d *DB) Listening() bool {
	if d.engine != Postgres {
		return true
	}
	d.changes.mu.Lock()
	defer d.changes.mu.Unlock()
	return !d.changes.started || d.changes.listening
}

// Announce announces topic once tx commits (nothing if it rolls back).
func (t *Tx) Announce(ctx context.Context, topic string) error {
	if t.db == nil {
		return fmt.Errorf("db: announce %s: not a write transaction", topic)
	}
	if t.pgxTx != nil {
		// Delivered by PostgreSQL at commit, to every listener.
		if _, err := t.pgxTx.Exec(ctx, `SELECT pg_notify($1, $2)`, changesChannel, topic); err != nil {
			return fmt.Errorf("db: announce %s: %w", topic, err)
		}
	}
	d := t.db
	t.AfterCommit(func() { d.dispatch(topic) })
	return nil
}

// Announce announces topic now, for a change made outside a transaction.
func (d *DB) Announce(ctx context.Context, topic string) error {
	if d.engine == Postgres {
		if _, err := d.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, changesChannel, topic); err != nil {
			return fmt.Errorf("db: announce %s: %w", topic, err)
		}
	}
	d.dispatch(topic)
	return nil
}

// dispatch calls topic's watchers ("" calls every watcher).
func (d *DB) dispatch(topic string) {
	c := &d.changes
	c.mu.Lock()
	var fns []func()
	if topic == "" {
		for _, w := range c.watchers {
			fns = append(fns, w...)
		}
	} else {
		fns = append(fns, c.watchers[topic]...)
	}
	c.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func (d *DB) setListening(on bool) {
	d.changes.mu.Lock()
	d.changes.listening = on
	d.changes.mu.Unlock()
}

// listen keeps a connection of its own (outside the pool, so it never
// takes one of the requests') listening on the channel until ctx ends,
// reconnecting with backoff after a failure.
func (d *DB) listen(ctx context.Context) {
	defer close(d.changes.done)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		up, err := d.listenOnce(ctx)
		d.setListening(false)
		if up {
			backoff = 100 * time.Millisecond
		}
		if ctx.Err() != nil {
			return
		}
		// Whatever was announced while the connection was down is lost:
		// every copy may be stale.
		d.dispatch("")
		d.log.Warn("db: listening for changes failed; retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce listens until the connection fails; up is whether it listened.
func (d *DB) listenOnce(ctx context.Context) (up bool, err error) {
	cfg := d.pool.Config().ConnConfig.Copy()
	// A connection that died without a word (a firewall's timeout, a host
	// gone) is found by TCP keepalives in about 25 s, not the system's
	// two hours: until then this node would not hear changes and say so.
	cfg.DialFunc = (&net.Dialer{Timeout: 10 * time.Second,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 10 * time.Second, Interval: 5 * time.Second, Count: 3}}).DialContext
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+changesChannel); err != nil {
		return false, err
	}
	d.setListening(true)
	// Announcements made before this connection listened are lost.
	d.dispatch("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		d.dispatch(n.Payload)
	}
}

// closeChanges stops the listener and waits for it.
func (d *DB) closeChanges() {
	c := &d.changes
	c.mu.Lock()
	stop, done := c.stop, c.done
	c.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}
