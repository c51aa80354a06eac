package audit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/audit"
	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// BenchmarkRecord is the cost every audited write pays: one event in its own transaction.
func BenchmarkRecord(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	ctx := context.Background()
	ev := audit.Event{Action: "org.update", ObjectType: "org", ObjectID: "o1", Summary: "changed", Before: map[string]string{"name": "a"}, After: map[string]string{"name": "b"}}
	for b.Loop() {
		if err := d.Write(ctx, func(tx *db.Tx) error { return audit.Record(ctx, tx, t0, ev) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify walks a 10,000-row chain.
func BenchmarkVerify(b *testing.B) {
	d := dbtest.Open(b, db.SQLite)
	ctx := context.Background()
	ev := audit.Event{Action: "org.update", ObjectType: "org", ObjectID: "o1", Summary: "changed"}
	if err := d.Write(ctx, func(tx *db.Tx) error {
		for range 10000 {
			if err := audit.Record(ctx, tx, t0, ev); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if rep, err := audit.Verify(ctx, d); err != nil || rep.Problem != nil {
			b.Fatal(err, rep.Problem)
		}
	}
}

// BenchmarkRecordCluster is the cost of the chain's one head row to a
// cluster: three nodes (three pools on one PostgreSQL database) and 64
// clients at once, each transaction writing one row, with and without an
// audit row, and with a millisecond more before the commit (what a
// durable commit's flush adds on a fast disk; the test cluster runs with
// fsync off). Each audited transaction holds the head row from its audit
// row to its commit, so audited transactions commit one at a time.
//
//	go test ./internal/platform/audit -run '^$' -bench RecordCluster -benchtime 3000x
func BenchmarkRecordCluster(b *testing.B) {
	ctx := context.Background()
	dsn := dbtest.DSN(b, db.Postgres)
	var nodes [3]*db.DB
	for i := range nodes {
		d, err := db.Open(ctx, db.Options{DSN: dsn})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		nodes[i] = d
	}
	ev := audit.Event{Action: "org.update", ObjectType: "org", ObjectID: "o1", Summary: "changed", Before: map[string]string{"name": "a"}, After: map[string]string{"name": "b"}}
	var key atomic.Int64
	for _, c := range []struct {
		name    string
		audited bool
		flush   bool
	}{{"unaudited", false, false}, {"audited", true, false}, {"unaudited+1ms", false, true}, {"audited+1ms", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			const clients = 64
			work := make(chan struct{}, b.N)
			for range b.N {
				work <- struct{}{}
			}
			close(work)
			start := time.Now()
			var wg sync.WaitGroup
			for i := range clients {
				d := nodes[i%len(nodes)]
				wg.Go(func() {
					for range work {
						err := d.Write(ctx, func(tx *db.Tx) error {
							if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, '', $2)`,
								fmt.Sprintf("bench-%d", key.Add(1)), t0); err != nil {
								return err
							}
							if c.audited {
								if err := audit.Record(ctx, tx, t0, ev); err != nil {
									return err
								}
							}
							if c.flush {
								_, err := tx.Exec(ctx, `SELECT pg_sleep(0.001)`)
								return err
							}
							return nil
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tx/s")
		})
	}
}
