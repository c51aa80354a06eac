package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// TestAnnouncementsReachEveryProcess opens the same database twice (two
// nodes, as far as the database can tell): a change announced in a
// committed transaction on one reaches the other's watchers; one rolled
// back reaches nobody.
func TestAnnouncementsReachEveryProcess(t *testing.T) {
	for _, e := range dbtest.Engines() {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, e)
			open := func() *db.DB {
				d, err := db.Open(ctx, db.Options{DSN: dsn})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				return d
			}
			a, b := open(), open()
			heard := func(d *db.DB, topic string) chan struct{} {
				ch := make(chan struct{}, 16)
				d.Watch(topic, func() { ch <- struct{}{} })
				return ch
			}
			aDir, bDir, bOther := heard(a, "directory"), heard(b, "directory"), heard(b, "other")
			if e == db.Postgres {
				// Each starts listening, and calls its watchers once it does
				// (anything before may have been missed).
				for _, ch := range []chan struct{}{aDir, bDir} {
					wait(t, ch, "the first connection's catch-up")
				}
				// The catch-up calls every watcher in turn: let it finish
				// before the slate is wiped (bOther's call may come after
				// bDir's woke the test).
				time.Sleep(200 * time.Millisecond)
				for _, ch := range []chan struct{}{aDir, bDir, bOther} {
					drain(ch)
				}
			}
			if !a.Listening() || !b.Listening() {
				t.Fatal("not listening")
			}
			// Rolled back: heard by nobody.
			err := a.Write(ctx, func(tx *db.Tx) error {
				if err := tx.Announce(ctx, "directory"); err != nil {
					return err
				}
				return errors.New("no")
			})
			if err == nil {
				t.Fatal("the write did not fail")
			}
			if err := a.Write(ctx, func(tx *db.Tx) error { return tx.Announce(ctx, "directory") }); err != nil {
				t.Fatal(err)
			}
			// The announcing process hears it at commit, before Write returns.
			select {
			case <-aDir:
			default:
				t.Fatal("the announcing process's watcher was not called at commit")
			}
			if e == db.Postgres {
				wait(t, bDir, "the other process's watcher")
			}
			time.Sleep(200 * time.Millisecond)
			if n := len(bDir) + len(bOther); n != 0 {
				t.Fatalf("%d more calls: the rolled-back announcement or another topic was heard", n)
			}
			if e == db.Postgres {
				// a hears its own announcement a second time, over PostgreSQL.
				wait(t, aDir, "the announcing process's second call")
				if err := b.Announce(ctx, "other"); err != nil {
					t.Fatal(err)
				}
				wait(t, bOther, "an announcement outside a transaction")
				time.Sleep(200 * time.Millisecond)
				if len(aDir) != 0 {
					t.Fatal("a topic's watcher heard another topic")
				}
			}
		})
	}
}

// TestListenerRecovers ends the listening connection from the server side:
// the process notices, calls its watchers (it may have missed changes),
// listens again and hears the next announcement.
func TestListenerRecovers(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, db.Postgres)
	ch := make(chan struct{}, 16)
	d.Watch("directory", func() { ch <- struct{}{} })
	wait(t, ch, "the first connection's catch-up")
	if _, err := d.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'`); err != nil {
		t.Fatal(err)
	}
	wait(t, ch, "the call after the connection was lost")
	deadline := time.Now().Add(10 * time.Second)
	for !d.Listening() {
		if time.Now().After(deadline) {
			t.Fatal("not listening again")
		}
		time.Sleep(20 * time.Millisecond)
	}
	drain(ch)
	if err := d.Write(ctx, func(tx *db.Tx) error { return tx.Announce(ctx, "directory") }); err != nil {
		t.Fatal(err)
	}
	wait(t, ch, "the announcing process's own call")
	wait(t, ch, "the announcement over the new connection")
}

func wait(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s never came", what)
	}
}

func drain(ch chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
