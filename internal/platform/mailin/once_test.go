package mailin

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// TestOnce: a message is delivered to a recipient once however often it
// comes, on however many nodes at once; a failed delivery, and a claim
// whose node stopped, let the next copy through; a message without a
// Message-ID is never held back.
func TestOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		now := func() time.Time { return clock }
		var delivered atomic.Int32
		fail := false
		deliver := Once(d, now, slog.New(slog.DiscardHandler), func(ctx context.Context, to string, m Message, ip string) error {
			if fail {
				return errors.New("the database is away")
			}
			delivered.Add(1)
			return nil
		})
		m := Message{MessageID: "<report-1@researcher.example>", From: "r@researcher.example"}
		for range 3 {
			if err := deliver(ctx, "report@cert.example", m, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
		}
		if n := delivered.Load(); n != 1 {
			t.Fatalf("delivered %d times", n)
		}
		// Another recipient of the same message is another delivery.
		if err := deliver(ctx, "incident@cert.example", m, "192.0.2.1"); err != nil || delivered.Load() != 2 {
			t.Fatalf("another recipient: %v, %d", err, delivered.Load())
		}
		// A failed delivery leaves no claim: the retry is delivered.
		m2 := Message{MessageID: "<report-2@researcher.example>"}
		fail = true
		if err := deliver(ctx, "report@cert.example", m2, "192.0.2.1"); err == nil {
			t.Fatal("a failed delivery succeeded")
		}
		fail = false
		if err := deliver(ctx, "report@cert.example", m2, "192.0.2.1"); err != nil || delivered.Load() != 3 {
			t.Fatalf("the retry: %v, %d", err, delivered.Load())
		}
		// A claim whose node stopped before it delivered holds the message
		// back ten minutes, then lets it through.
		if _, err := d.Exec(ctx, `INSERT INTO mail_received (message_id, recipient, claimed_at) VALUES ('<report-3@r.example>', 'report@cert.example', $1)`,
			clock.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		m3 := Message{MessageID: "<report-3@r.example>"}
		if err := deliver(ctx, "report@cert.example", m3, "192.0.2.1"); !errors.Is(err, ErrInProgress) || delivered.Load() != 3 {
			t.Fatalf("a fresh claim of another node: %v, %d", err, delivered.Load())
		}
		clock = clock.Add(11 * time.Minute)
		if err := deliver(ctx, "report@cert.example", m3, "192.0.2.1"); err != nil || delivered.Load() != 4 {
			t.Fatalf("a stale claim: %v, %d", err, delivered.Load())
		}
		// No Message-ID: no way to tell copies apart.
		for range 2 {
			if err := deliver(ctx, "report@cert.example", Message{}, "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
		}
		if delivered.Load() != 6 {
			t.Fatalf("messages without a Message-ID: %d deliveries", delivered.Load()-4)
		}
		if n, err := Forget(ctx, d, clock.Add(8*24*time.Hour)); err != nil || n != 4 {
			t.Fatalf("forgot %d claims (%v), want 4", n, err)
		}
	})
}

// TestOnceAcrossNodes: three nodes given the same message at once deliver
// it once.
func TestOnceAcrossNodes(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.DSN(t, db.Postgres)
	var delivered atomic.Int32
	var wg sync.WaitGroup
	var nodes []Deliver
	for range 3 {
		d, err := db.Open(ctx, db.Options{DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		deliver := Once(d, time.Now, slog.New(slog.DiscardHandler), func(ctx context.Context, to string, m Message, ip string) error {
			time.Sleep(50 * time.Millisecond) // the delivery's own work
			delivered.Add(1)
			return nil
		})
		nodes = append(nodes, deliver)
	}
	var later atomic.Int32
	for _, deliver := range nodes {
		wg.Go(func() {
			switch err := deliver(ctx, "report@cert.example", Message{MessageID: "<same@r.example>"}, "192.0.2.1"); {
			case errors.Is(err, ErrInProgress):
				later.Add(1)
			case err != nil:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// The copies told to come back later are then dropped with success.
	for _, deliver := range nodes {
		if err := deliver(ctx, "report@cert.example", Message{MessageID: "<same@r.example>"}, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := delivered.Load(); n != 1 {
		t.Fatalf("delivered %d times (%d copies told to try later)", n, later.Load())
	}
}
