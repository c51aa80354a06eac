package dbtest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/certhub/certhub/internal/failtest"
	"github.com/certhub/certhub/internal/platform/db"
)

// count answers how many users the database holds: the kernel's first
// table, so a database without it was not migrated.
func count(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(context.Background(), `SELECT count(*) FROM users`).Scan(&n); err != nil {
		t.Fatalf("count users on %s: %v", d.Engine(), err)
	}
	return n
}

// Each runs on every configured engine, and every database it or Open
// hands out is migrated and shared with no other test.
func TestEachOpensAFreshMigratedDatabasePerEngine(t *testing.T) {
	var ran []db.Engine
	Each(t, func(t *testing.T, d *db.DB) {
		ran = append(ran, d.Engine())
		now := time.Now().UTC()
		if _, err := d.Exec(context.Background(), `INSERT INTO users (id, email, name, sessions_valid_after, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $4, $4)`, "u1", "soc@example.org", "SOC", now); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d); n != 1 {
			t.Fatalf("%d users after one insert", n)
		}
		if n := count(t, Open(t, d.Engine())); n != 0 {
			t.Fatalf("another test's database holds %d users", n)
		}
	})
	want := []db.Engine{db.SQLite}
	if os.Getenv("CERTHUB_TEST_POSTGRES") != "" {
		want = append(want, db.Postgres)
	}
	if d := cmp.Diff(want, ran); d != "" {
		t.Errorf("engines run (-want +got):\n%s", d)
	}
}

// EmptyDSN's database has no tables, and it is dropped when its test ends.
func TestEmptyDSNIsEmptyAndDroppedAfterTheTest(t *testing.T) {
	var name string
	t.Run("use", func(t *testing.T) {
		dsn := EmptyDSN(t)
		name = dsn[strings.LastIndex(dsn, "/")+1:]
		name, _, _ = strings.Cut(name, "?")
		d, err := db.Open(context.Background(), db.Options{DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var tables int
		if err := d.QueryRow(context.Background(), `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("the empty database has %d tables", tables)
		}
	})
	if name == "" {
		t.Skip("no PostgreSQL")
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, os.Getenv("CERTHUB_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var exists bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s outlived its test", name)
	}
}

func TestWithDatabaseKeepsEverythingButTheName(t *testing.T) {
	t.Parallel()
	tests := []struct{ dsn, want string }{
		{"postgres://u:secret@127.0.0.1:5432/postgres?sslmode=disable", "postgres://u:secret@127.0.0.1:5432/t_1?sslmode=disable"},
		{"postgresql://db.example/?application_name=x", "postgresql://db.example/t_1?application_name=x"},
		{"postgres://db.example", "postgres://db.example/t_1"},
	}
	for _, tt := range tests {
		if got := withDatabase(tt.dsn, "t_1"); got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

// Without a server, the PostgreSQL half of a test is skipped — unless
// CERTHUB_TEST_REQUIRE_POSTGRES=1, so that CI cannot test one engine only.
func TestNoPostgresSkipsUnlessRequired(t *testing.T) {
	t.Setenv("CERTHUB_TEST_POSTGRES", "")
	for _, required := range []string{"", "1"} {
		t.Setenv("CERTHUB_TEST_REQUIRE_POSTGRES", required)
		for name, fn := range map[string]func(testing.TB){
			"DSN":      func(tb testing.TB) { DSN(tb, db.Postgres) },
			"EmptyDSN": func(tb testing.TB) { EmptyDSN(tb) },
		} {
			r := failtest.Run(t, fn)
			if required == "1" && (r.Failed == "" || r.Skipped != "") {
				t.Errorf("%s with PostgreSQL required: %+v", name, r)
			}
			if required == "" && (r.Skipped == "" || r.Failed != "") {
				t.Errorf("%s without PostgreSQL: %+v", name, r)
			}
		}
	}
	var dsn string
	if r := failtest.Run(t, func(tb testing.TB) { dsn = DSN(tb, db.SQLite) }); r != (failtest.Outcome{}) || !strings.HasSuffix(dsn, "/certhub.db") {
		t.Errorf("SQLite without PostgreSQL: %q (%+v)", dsn, r)
	}
}
