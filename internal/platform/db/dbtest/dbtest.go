package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/certhub/certhub/internal/platform/db"
	"github.com/certhub/certhub/internal/schema"
)

// Engines lists the engines tests should run on.
func Engines() []db.Engine { return []db.Engine{db.SQLite, db.Postgres} }

// Each runs fn as a subtest on every engine with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a fresh migrated database on engine e, closed when the test ends.
func Open(t testing.TB, e db.Engine) *db.DB {
	t.Helper()
	dsn := DSN(t, e)
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DSN: dsn, DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", e, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// DSN returns a connection string for a fresh migrated database on engine
// e: an SQLite file in a temporary directory, or a new PostgreSQL database,
// each a copy of a template migrated once (so a test pays for a copy, not
// for every migration: on SQLite under the race detector, seconds).
func DSN(t testing.TB, e db.Engine) string {
	t.Helper()
	if e == db.SQLite {
		path := filepath.Join(t.TempDir(), "certhub.db")
		WriteSQLite(t, path)
		return path
	}
	base := os.Getenv("CERTHUB_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CERTHUB_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("dbtest: CERTHUB_TEST_REQUIRE_POSTGRES=1 but CERTHUB_TEST_POSTGRES is not set")
		}
		t.Skip("PostgreSQL not configured: set CERTHUB_TEST_POSTGRES (make test does)")
	}
	tmpl, err := template(base)
	if err != nil {
		t.Fatalf("dbtest: postgres template: %v", err)
	}
	return create(t, base, "TEMPLATE "+tmpl)
}

// EmptyDSN returns a connection string for a new PostgreSQL database with
// no tables at all (what an operator restores into), dropped when the test
// ends; the test is skipped as DSN's is when no server is configured.
func EmptyDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CERTHUB_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CERTHUB_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("dbtest: CERTHUB_TEST_REQUIRE_POSTGRES=1 but CERTHUB_TEST_POSTGRES is not set")
		}
		t.Skip("PostgreSQL not configured: set CERTHUB_TEST_POSTGRES (make test does)")
	}
	return create(t, base, "")
}

func create(t testing.TB, base, options string) string {
	t.Helper()
	name := "t_" + randHex(8)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("dbtest: connect postgres: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, strings.TrimSpace(fmt.Sprintf("CREATE DATABASE %s %s", name, options))); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return withDatabase(base, name)
}

var sqliteTemplate struct {
	sync.Mutex
	file []byte
}

// WriteSQLite writes a migrated SQLite database to path (a file that does
// not exist yet): a copy of one the test binary migrated once.
func WriteSQLite(t testing.TB, path string) {
	t.Helper()
	sqliteTemplate.Lock()
	defer sqliteTemplate.Unlock()
	if sqliteTemplate.file == nil {
		file, err := sharedSQLite(t)
		if err != nil {
			t.Fatalf("dbtest: sqlite template: %v", err)
		}
		sqliteTemplate.file = file
	}
	if err := os.WriteFile(path, sqliteTemplate.file, 0o600); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
}

// sharedSQLite is a migrated SQLite database's file: the run's (see
// Shared), else one migrated for this binary.
func sharedSQLite(t testing.TB) ([]byte, error) {
	dir, err := Shared("sqlite-schema", migrationsDigest(), func(dir string) error {
		file, err := migratedSQLite(t.TempDir())
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, "schema.db"), file, 0o600)
	})
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return migratedSQLite(t.TempDir())
	}
	return os.ReadFile(filepath.Join(dir, "schema.db"))
}

// migratedSQLite migrates a new SQLite database in dir and returns its
// file, the log folded in.
func migratedSQLite(dir string) ([]byte, error) {
	ctx := context.Background()
	path := filepath.Join(dir, "template.db")
	d, err := db.Open(ctx, db.Options{DSN: path, DataDir: dir})
	if err != nil {
		return nil, err
	}
	if err := schema.Migrate(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	// One self-contained file, whatever the journal holds.
	if _, err := d.Exec(ctx, "VACUUM INTO $1", filepath.Join(dir, "copy.db")); err != nil {
		d.Close()
		return nil, err
	}
	d.Close()
	return os.ReadFile(filepath.Join(dir, "copy.db"))
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// template creates (once per schema version, shared by every test process)
// a database with all migrations applied, to clone test databases from.
func template(base string) (string, error) {
	templateOnce.Do(func() {
		templateName, templateErr = makeTemplate(base)
	})
	return templateName, templateErr
}

func makeTemplate(base string) (string, error) {
	ctx := context.Background()
	name := "tmpl_" + migrationsDigest()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer admin.Close(ctx)
	// Test binaries of several packages run at once: one builds the template.
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		return "", err
	}
	defer admin.Exec(ctx, "SELECT pg_advisory_unlock(727274)")
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	_, _ = admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	d, err := db.Open(ctx, db.Options{DSN: withDatabase(base, building)})
	if err != nil {
		return "", err
	}
	err = schema.Migrate(ctx, d)
	d.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", err
	}
	return name, nil
}

// migrationsDigest names the template after the migration files' content, so
// a changed schema gets a new template instead of a stale one.
func migrationsDigest() string {
	h := sha256.New()
	fsys := schema.Migrations()
	var names []string
	_ = fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(fsys, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	// The job queue's tables come with its module version.
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if strings.HasPrefix(dep.Path, "github.com/riverqueue/") {
				h.Write([]byte(dep.Path + "@" + dep.Version))
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func withDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
