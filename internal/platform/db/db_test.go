package db_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/platform/db/dbtest"
	"github.com/certhub/certhub/internal/platform/errs"
	"github.com/certhub/certhub/internal/schema"
)

func TestQueriesBehaveTheSameOnBothEngines(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)
		err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, "k1", "v1", at)
			if err != nil {
				return err
			}
			// The same placeholder twice, and ON CONFLICT … RETURNING.
			var v string
			err = tx.QueryRow(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value || $2, updated_at = $3 RETURNING value`,
				"k1", "x", at).Scan(&v)
			if err != nil {
				return err
			}
			if v != "xx" {
				return fmt.Errorf("upsert returned %q, want xx", v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var got time.Time
		var val string
		if err := d.QueryRow(ctx, `SELECT value, updated_at FROM settings WHERE key = $1`, "k1").Scan(&val, &got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("time round trip: got %v (%v), want %v in UTC", got, got.Location(), at)
		}
		// Times compare in SQL in time order, whatever their fractional digits.
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE updated_at > $1 AND updated_at < $2`,
			at.Add(-time.Microsecond), at.Add(time.Microsecond)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("time range query found %d rows, want 1", n)
		}
		if err := d.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, "absent").Scan(&val); !errors.Is(err, db.ErrNoRows) {
			t.Errorf("missing row: err = %v, want ErrNoRows", err)
		}
		// Nullable columns scan into pointers on both engines.
		var locked *time.Time
		if err := d.QueryRow(ctx, `SELECT CAST(NULL AS TIMESTAMP)`).Scan(&locked); err != nil || locked != nil {
			t.Errorf("NULL into *time.Time: %v, %v", locked, err)
		}
	})
}

func TestConstraintErrorsAreClassified(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ins := func() error {
			return d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('dup', '', $1)`, time.Now())
				return err
			})
		}
		if err := ins(); err != nil {
			t.Fatal(err)
		}
		if err := ins(); !db.IsUniqueViolation(err) {
			t.Errorf("second insert: %v, want a unique violation", err)
		}
		err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, user_id, name, prefix, hash, created_at, updated_at)
				VALUES ('t', 'no-such-user', 'n', 'p', 'h', $1, $1)`, time.Now())
			return err
		})
		if !db.IsForeignKeyViolation(err) {
			t.Errorf("dangling reference: %v, want a foreign-key violation", err)
		}
	})
}

func TestWriteRollsBackAndRunsAfterCommitOnlyOnSuccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ran := false
		boom := errors.New("boom")
		err := d.Write(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { ran = true })
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('r', '', $1)`, time.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || ran {
			t.Fatalf("err=%v ran=%v", err, ran)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key = 'r'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back row visible: n=%d err=%v", n, err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { tx.AfterCommit(func() { ran = true }); return nil }); err != nil || !ran {
			t.Fatalf("after commit: err=%v ran=%v", err, ran)
		}
	})
}

// A panic inside Write rolls back and frees the connection before it goes
// on up: SQLite's one writer slot and PostgreSQL's pooled connections are
// not leaked, so the next writers still run.
func TestWriteSurvivesAPanic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// A leaked writer slot makes the next Write wait: fail, not hang.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		panicking := func(i int) (recovered any) {
			defer func() { recovered = recover() }()
			err := d.Write(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, '', $2)`,
					fmt.Sprintf("panic-%d", i), time.Now()); err != nil {
					return err
				}
				panic("boom")
			})
			return err
		}
		// More panics than PostgreSQL's pool has connections.
		for i := range 12 {
			got := make(chan any, 1)
			go func() { got <- panicking(i) }()
			select {
			case r := <-got:
				if r != "boom" {
					t.Fatalf("panic %d: recovered %v, want the panic to go on up", i, r)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("write %d is stuck after an earlier one panicked", i)
			}
		}
		if d.Engine() == db.Postgres {
			if n := d.PgxPool().Stat().AcquiredConns(); n != 0 {
				t.Fatalf("%d connections still held after the panics", n)
			}
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := d.Write(wctx, func(tx *db.Tx) error {
			_, err := tx.Exec(wctx, `INSERT INTO settings (key, value, updated_at) VALUES ('after', '', $1)`, time.Now())
			return err
		}); err != nil {
			t.Fatalf("a write after the panics: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key LIKE 'panic-%'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows of panicked transactions visible: n=%d err=%v", n, err)
		}
	})
}

// Concurrent writers must queue, not fail with "database is locked".
func TestConcurrentWritersQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const writers, each = 16, 25
		var wg sync.WaitGroup
		errc := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := d.Write(ctx, func(tx *db.Tx) error {
						var seq int64
						if err := tx.QueryRow(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`,
							fmt.Sprintf("w%d-%d", w, i), fmt.Sprint(seq), time.Now())
						return err
					})
					if err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		var n, seq int
		if err := d.QueryRow(ctx, `SELECT COUNT(*), MAX(CAST(value AS INTEGER)) FROM settings`).Scan(&n, &seq); err != nil {
			t.Fatal(err)
		}
		if n != writers*each || seq != writers*each {
			t.Fatalf("rows=%d max seq=%d, want %d each", n, seq, writers*each)
		}
	})
}

func TestMigrateIsIdempotentAndReportsState(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		applied, err := d.Migrate(ctx, schema.Migrations())
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %v, err %v", applied, err)
		}
		if err := schema.Ready(ctx, d); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSQLiteBackupIsAConsistentUsableCopy(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite)
	if err := d.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('b', 'kept', $1)`, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "restore", "certhub.db")
	if err := os.MkdirAll(filepath.Dir(dest), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := d.Backup(ctx, dest); err == nil {
		t.Error("backup over an existing file succeeded; it must refuse")
	}
	copyDB, err := db.Open(ctx, db.Options{DataDir: filepath.Dir(dest)})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var v string
	if err := copyDB.QueryRow(ctx, `SELECT value FROM settings WHERE key = 'b'`).Scan(&v); err != nil || v != "kept" {
		t.Fatalf("restored copy: %q, %v", v, err)
	}
	if err := schema.Ready(ctx, copyDB); err != nil {
		t.Fatal(err)
	}
}

func TestTranslateDDL(t *testing.T) {
	tests := []struct{ in, sqlite string }{
		{"id BIGSERIAL PRIMARY KEY", "id INTEGER PRIMARY KEY"},
		{"at timestamptz NOT NULL", "at TIMESTAMP NOT NULL"},
		{"blob BYTEA", "blob BLOB"},
		{"CREATE TABLE t (a INTEGER PRIMARY KEY) /* sqlite: WITHOUT ROWID */;", "CREATE TABLE t (a INTEGER PRIMARY KEY) WITHOUT ROWID;"},
		{"note TEXT -- timestamptzish", "note TEXT -- timestamptzish"},
		{"CREATE INDEX i ON t ((now() - at));  -- sqlite: CREATE INDEX i ON t ((julianday(at)));\nSELECT 1;",
			"CREATE INDEX i ON t ((julianday(at)));\nSELECT 1;"},
	}
	for _, tt := range tests {
		if got := db.TranslateDDL(db.SQLite, tt.in); got != tt.sqlite {
			t.Errorf("TranslateDDL(sqlite, %q) = %q, want %q", tt.in, got, tt.sqlite)
		}
		if got := db.TranslateDDL(db.Postgres, tt.in); got != tt.in {
			t.Errorf("TranslateDDL(postgres, %q) = %q, want it unchanged", tt.in, got)
		}
	}
}

func TestArgs(t *testing.T) {
	args := db.Args{"first"}
	if p := args.Add(2); p != "$2" {
		t.Fatalf("Add after one value: %s", p)
	}
	if in := args.In("a", "b", "c"); in != "$3, $4, $5" {
		t.Fatalf("In: %s", in)
	}
	if len(args) != 5 || args[4] != "c" {
		t.Fatalf("values %v", args)
	}
	if in := db.In(&args, []int64{7, 9}); in != "$6, $7" || args[6] != int64(9) {
		t.Fatalf("In of a slice: %s, values %v", in, args)
	}
	if in := db.In(&args, []string(nil)); in != "" || len(args) != 7 {
		t.Fatalf("In of nothing: %q, values %v", in, args)
	}
}

func TestReserveKeysNumberTheInsertedRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, db.TranslateDDL(d.Engine(), `CREATE TABLE keyed (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL UNIQUE)`)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO keyed (v) VALUES ('a'), ('b'), ('c')`); err != nil {
			t.Fatal(err)
		}
		// Two reservations in one transaction, each used by a multi-row
		// insert the way Keys says: every row gets the key predicted for it.
		want := map[string]int64{}
		err := d.Write(ctx, func(tx *db.Tx) error {
			for _, vals := range [][]string{{"x1", "x2", "x3", "x4"}, {"y1", "y2"}} {
				keys, err := tx.ReserveKeys(ctx, "keyed", "id", len(vals))
				if err != nil {
					return err
				}
				if len(keys.IDs) != len(vals) || keys.Given != (d.Engine() == db.Postgres) {
					return fmt.Errorf("keys %+v for %d rows on %s", keys, len(vals), d.Engine())
				}
				var args db.Args
				var tuples []string
				for i, v := range vals {
					if keys.Given {
						tuples = append(tuples, "("+args.Add(keys.IDs[i])+", "+args.Add(v)+")")
					} else {
						tuples = append(tuples, "("+args.Add(v)+")")
					}
					want[v] = keys.IDs[i]
				}
				cols := "(v)"
				if keys.Given {
					cols = "(id, v)"
				}
				if _, err := tx.Exec(ctx, `INSERT INTO keyed `+cols+` VALUES `+strings.Join(tuples, ", "), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := d.Query(ctx, `SELECT id, v FROM keyed WHERE v NOT IN ('a', 'b', 'c')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]int64{}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				t.Fatal(err)
			}
			got[v] = id
		}
		if !maps.Equal(want, got) {
			t.Errorf("stored keys %v, predicted %v", got, want)
		}
		for v, id := range got {
			if id <= 3 {
				t.Errorf("%s got key %d, one of the rows before", v, id)
			}
		}
	})
}

func TestCheckpointerBoundsTheLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const limit = 64 // pages
	// No gap between checkpoints: the log's length is then known after
	// every few commits, as it is every 200 ms of a real bulk load.
	d, err := db.Open(ctx, db.Options{DataDir: dir, WALLimit: limit, CheckpointGap: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Migrate(ctx, d); err != nil {
		t.Fatal(err)
	}
	// A writer committing back to back, 500 transactions of about 25 pages:
	// 50 MB through the log, which is rewound again and again all the same.
	// How far past its limit it gets is what is committed while a
	// checkpoint runs (its syncs take milliseconds, more on a busy disk);
	// without the bound it is never rewound and holds all 50 MB.
	big := strings.Repeat("x", 3000)
	wal := filepath.Join(dir, "certhub.db-wal")
	var largest int64
	for i := range 500 {
		err := d.Write(ctx, func(tx *db.Tx) error {
			for j := range 20 {
				if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`,
					fmt.Sprintf("k%d-%d", i, j), big, time.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(wal); err == nil {
			largest = max(largest, fi.Size())
		}
	}
	// Unbounded, the log ends at 50 MB; bounded, it stays near 2 MB on an
	// idle machine and under 20 MB with both cores busy compiling. The
	// bound leaves room for a loaded CI machine and still fails without
	// the checkpointer.
	if bound := int64(32 << 20); largest > bound {
		t.Errorf("the log grew to %d bytes, beyond %d", largest, bound)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(wal); err == nil && fi.Size() > 0 {
		t.Errorf("the log holds %d bytes after Close", fi.Size())
	}
	d, err = db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM settings WHERE key LIKE 'k%'`).Scan(&n); err != nil || n != 10000 {
		t.Errorf("after reopening: %d rows (%v), want 10000", n, err)
	}
}

// TestQueryAll: every row, in order, through the scan; an empty result is
// an empty slice, not nil; a scan's error and a query's error come back.
func TestQueryAll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		for _, k := range []string{"qa-b", "qa-a", "qa-c"} {
			if _, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, "v-"+k, at); err != nil {
				t.Fatal(err)
			}
		}
		scan := func(r db.Row) (string, error) {
			var k, v string
			err := r.Scan(&k, &v)
			return k + "=" + v, err
		}
		got, err := db.QueryAll(ctx, d, scan, `SELECT key, value FROM settings WHERE key LIKE 'qa-%' ORDER BY key`)
		if err != nil || strings.Join(got, ",") != "qa-a=v-qa-a,qa-b=v-qa-b,qa-c=v-qa-c" {
			t.Errorf("rows: %v %v", got, err)
		}
		none, err := db.QueryAll(ctx, d, scan, `SELECT key, value FROM settings WHERE key = $1`, "nothing")
		if err != nil || none == nil || len(none) != 0 {
			t.Errorf("no rows: %#v %v", none, err)
		}
		bad := errors.New("bad row")
		if _, err := db.QueryAll(ctx, d, func(db.Row) (int, error) { return 0, bad }, `SELECT key FROM settings WHERE key LIKE 'qa-%'`); !errors.Is(err, bad) {
			t.Errorf("the scan's error: %v", err)
		}
		if _, err := db.QueryAll(ctx, d, scan, `SELECT nothing FROM nowhere`); err == nil {
			t.Error("a bad query answered no error")
		}
	})
}

// TestTimeCursor: a page's cursor reads back as the row it was made
// from; a cursor this server did not make is a field error, the first
// page none; Keyset binds the time once and orders by the direction.
func TestTimeCursor(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	got, id, err := db.TimeAfter(db.TimeCursor(at, "r7"))
	if err != nil || got == nil || !got.Equal(at) || id != "r7" {
		t.Fatalf("round trip: %v %q %v", got, id, err)
	}
	if got, id, err := db.TimeAfter(""); got != nil || id != "" || err != nil {
		t.Errorf("the first page: %v %q %v", got, id, err)
	}
	for _, bad := range []string{"nonsense", db.TimeCursor(at, "r7")[:5], db.EncodeCursor("yesterday", "r7")} {
		if _, _, err := db.TimeAfter(bad); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("%q: %v", bad, err)
		}
	}
	var a db.Args
	a.Add("x")
	cond, err := db.Keyset(&a, db.TimeCursor(at, "r7"), "e.at", "e.id", true)
	if err != nil || cond != "(e.at < $2 OR (e.at = $2 AND e.id < $3))" || len(a) != 3 || a[2] != "r7" {
		t.Errorf("Keyset desc: %q %v %v", cond, a, err)
	}
	if cond, err := db.Keyset(&a, "", "e.at", "e.id", false); cond != "" || err != nil {
		t.Errorf("Keyset of the first page: %q %v", cond, err)
	}
	if cond, _ := db.Keyset(&a, db.TimeCursor(at, "r8"), "s.at", "s.id", false); cond != "(s.at > $4 OR (s.at = $4 AND s.id > $5))" {
		t.Errorf("Keyset asc: %q", cond)
	}
}
