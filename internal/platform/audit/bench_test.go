package audit_test

import (
	"context"
	"testing"

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
