package db

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite in WAL mode appends every committed page to the write-ahead log
// and later copies the log back into the database file (a checkpoint). By
// default the connection that commits does that copy itself, inside its
// commit, whenever the log passes 1,000 pages: a bulk load's writer spent
// about a tenth of its time there, while the other core waited. Here the
// writer never checkpoints (wal_autocheckpoint(0)); a checkpointer with a
// connection of its own copies the log in the background, woken by each
// commit and at least once a second (writes outside Write, such as the job
// queue's, are covered by the second). A passive checkpoint never blocks
// the writer or the readers.
//
// The log is only rewound when a write begins after a checkpoint has
// copied all of it, which a writer committing back to back never gives the
// checkpointer time for. So when the log has grown past walLimit pages, the
// next Write waits — holding the writer connection, so the process's other
// writers wait too — for one checkpoint of everything committed so far
// (usually just the last commit's pages, the rest being copied already):
// its first write then starts the log again from the beginning. The bound
// is the process's: writers in other processes (the command line while
// the server runs) keep their own and may delay a rewind.

// walLimit is the log's size, in pages, past which a writer waits for a
// checkpoint (256 MiB of 4 KiB pages).
const walLimit = 65536

// checkpointGap is the least time between two checkpoints after one that
// found little to copy (under a quarter of the limit): commits of a few
// pages each would otherwise make the checkpointer sync the files after
// every one. After a large one — a bulk writer — the log is copied as fast
// as it comes.
const checkpointGap = 200 * time.Millisecond

type checkpointer struct {
	conn  *sql.DB
	limit int64
	gap   time.Duration
	wake  chan struct{}
	// sync carries a request to checkpoint now; the reply says it is done.
	sync chan chan struct{}
	// logPages is the log's length at the last checkpoint, in pages;
	// copied, how many pages of it that checkpoint copied.
	logPages, copied atomic.Int64
	// life ends with close: the loop stops and nobody waits for a
	// checkpoint any more.
	life context.Context
	stop context.CancelFunc
	done sync.WaitGroup
}

func startCheckpointer(conn *sql.DB, limit int64, gap time.Duration) *checkpointer {
	life, stop := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, limit: limit, gap: gap, wake: make(chan struct{}, 1), sync: make(chan chan struct{}), life: life, stop: stop}
	c.done.Add(1)
	go c.run(life)
	return c
}

func (c *checkpointer) run(ctx context.Context) {
	defer c.done.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last time.Time
	for {
		var reply chan struct{}
		select {
		case <-ctx.Done():
			return
		case reply = <-c.sync:
		case <-c.wake:
			if wait := c.gap - time.Since(last); wait > 0 && c.copied.Load() < c.limit/4 {
				select {
				case <-ctx.Done():
					return
				case reply = <-c.sync:
				case <-time.After(wait):
				}
			}
		case <-tick.C:
		}
		c.checkpoint(ctx, reply != nil)
		last = time.Now()
		if reply != nil {
			close(reply)
		}
	}
}

// checkpoint copies the log into the database file. waited: a writer
// waits for it holding the process's one writer connection, so nothing of
// this process is committed meanwhile and, when all of the log was copied,
// that writer's first page rewinds it: its length is as good as nothing
// then. (Another process writing the same file meanwhile can keep the log
// from being rewound this time; the next checkpoint measures it again.)
func (c *checkpointer) checkpoint(ctx context.Context, waited bool) {
	var busy, logPages, copied int64
	// Errors (another process checkpointing: SQLITE_BUSY) leave the work
	// to the next round.
	if err := c.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &copied); err != nil {
		return
	}
	c.copied.Store(copied)
	if waited && busy == 0 && copied == logPages {
		logPages = 0
	}
	c.logPages.Store(logPages)
}

// committed wakes the checkpointer after a commit.
func (c *checkpointer) committed() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// beforeWrite makes a writer wait for a checkpoint when the log is long.
func (c *checkpointer) beforeWrite(ctx context.Context) {
	if c.logPages.Load() <= c.limit {
		return
	}
	reply := make(chan struct{})
	select {
	case c.sync <- reply:
	case <-ctx.Done():
		return
	case <-c.life.Done():
		return
	}
	select {
	case <-reply:
	case <-ctx.Done():
	case <-c.life.Done():
	}
}

func (c *checkpointer) close() {
	if c.life.Err() != nil {
		return // closed already
	}
	c.stop()
	c.done.Wait()
	c.conn.Close()
}
