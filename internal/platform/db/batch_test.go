package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
)

// SaveInBatches writes BatchSize rows a transaction, tallies what each
// save answered, and runs done once, in the last transaction, with the
// whole tally; a failing batch is rolled back whole and ends the load,
// the batches before it kept.
func TestSaveInBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		keys := make([]string, 2*db.BatchSize+7)
		for i := range keys {
			keys[i] = fmt.Sprintf("batch-%04d", i)
		}
		save := func(ctx context.Context, tx *db.Tx, k string) (string, error) {
			n, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, '', $2) ON CONFLICT (key) DO NOTHING`, k, time.Now())
			if err != nil {
				return "", err
			}
			if n == 1 {
				return "new", nil
			}
			return "unchanged", nil
		}
		var dones []db.Tally
		done := func(tx *db.Tx, t db.Tally) error { dones = append(dones, t); return nil }
		if _, err := db.SaveInBatches(ctx, d, keys[:10], save, done); err != nil {
			t.Fatal(err)
		}
		got, err := db.SaveInBatches(ctx, d, keys, save, done)
		if err != nil || got != (db.Tally{New: len(keys) - 10, Unchanged: 10}) {
			t.Fatalf("tally %+v %v", got, err)
		}
		if len(dones) != 2 || dones[1] != got {
			t.Errorf("done ran with %+v", dones)
		}

		boom := errors.New("boom")
		failing := func(ctx context.Context, tx *db.Tx, k string) (string, error) {
			if k == "late-0600" {
				return "", boom
			}
			return save(ctx, tx, k)
		}
		late := make([]string, 2*db.BatchSize)
		for i := range late {
			late[i] = fmt.Sprintf("late-%04d", i)
		}
		got, err = db.SaveInBatches(ctx, d, late, failing, func(*db.Tx, db.Tally) error { t.Error("done ran after a failure"); return nil })
		if !errors.Is(err, boom) || got != (db.Tally{New: db.BatchSize}) {
			t.Fatalf("a failing batch: %+v %v", got, err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key LIKE 'late-%'`).Scan(&n); err != nil || n != db.BatchSize {
			t.Errorf("%d rows of the load kept, want the first batch's %d (%v)", n, db.BatchSize, err)
		}
	})
}
