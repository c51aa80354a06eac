package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations are written in PostgreSQL's dialect; these rewrites make the same
// files run on SQLite. They are the only DDL differences certhub allows itself.
var sqliteDDL = []struct {
	re   *regexp.Regexp
	with string
}{
	// A line SQLite must read otherwise, its version after a comment
	// PostgreSQL skips: "PG STATEMENT; -- sqlite: SQLITE STATEMENT;" (for
	// expressions whose functions differ, such as time arithmetic).
	{regexp.MustCompile(`(?m)^.*--\s*sqlite:\s*(.*)$`), "$1"},
	// INTEGER PRIMARY KEY is SQLite's rowid alias: auto-assigned and ordered.
	{regexp.MustCompile(`(?i)\bBIGSERIAL\s+PRIMARY\s+KEY\b`), "INTEGER PRIMARY KEY"},
	{regexp.MustCompile(`(?i)\bTIMESTAMPTZ\b`), "TIMESTAMP"},
	{regexp.MustCompile(`(?i)\bBYTEA\b`), "BLOB"},
	// A clause only SQLite has, written as a comment PostgreSQL skips:
	// "/* sqlite: WITHOUT ROWID */".
	{regexp.MustCompile(`/\*\s*sqlite:\s*([^*]*?)\s*\*/`), "$1"},
}

// TranslateDDL rewrites PostgreSQL DDL for the given engine.
func TranslateDDL(engine Engine, ddl string) string {
	if engine != SQLite {
		return ddl
	}
	for _, r := range sqliteDDL {
		ddl = r.re.ReplaceAllString(ddl, r.with)
	}
	return ddl
}

var migrationName = regexp.MustCompile(`^(\d+)_[a-z0-9_]+\.sql$`)

// loadMigrations turns every NNNN_name.sql file in fsys into a goose migration
// that runs the file, translated for the engine, in one transaction. goose
// keeps the version table and the locking; the translation is ours.
func loadMigrations(engine Engine, fsys fs.FS) ([]*goose.Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("db: read migrations: %w", err)
	}
	var migs []*goose.Migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("db: migration file %q is not named NNNN_name.sql", e.Name())
		}
		version, _ := strconv.ParseInt(m[1], 10, 64)
		if prev, dup := seen[version]; dup {
			return nil, fmt.Errorf("db: migrations %q and %q share version %d", prev, e.Name(), version)
		}
		seen[version] = e.Name()
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("db: read migration %s: %w", e.Name(), err)
		}
		stmt := TranslateDDL(engine, string(body))
		name := e.Name()
		mig := goose.NewGoMigration(version, &goose.GoFunc{
			RunTx: func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %s: %w", name, err)
				}
				return nil
			},
		}, nil)
		migs = append(migs, mig)
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].Version < migs[j].Version })
	return migs, nil
}

func (d *DB) provider(fsys fs.FS) (*goose.Provider, error) {
	migs, err := loadMigrations(d.engine, fsys)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{
		goose.WithDisableGlobalRegistry(true),
		goose.WithGoMigrations(migs...),
		goose.WithTableName("schema_migrations"),
	}
	if d.engine == Postgres {
		dialect = goose.DialectPostgres
		// Several nodes may start at once: an advisory lock lets one migrate
		// while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("db: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, d.SQLDB(), nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration in fsys and returns the versions applied.
func (d *DB) Migrate(ctx context.Context, fsys fs.FS) ([]int64, error) {
	p, err := d.provider(fsys)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migrate: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// MigrationState reports the applied and the newest available schema version.
func (d *DB) MigrationState(ctx context.Context, fsys fs.FS) (current, latest int64, err error) {
	p, err := d.provider(fsys)
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("db: schema version: %w", err)
	}
	srcs := p.ListSources()
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return current, latest, nil
}

// SchemaVersion reads the newest migration applied to the database and the
// newest in fsys without changing anything: no version table is created
// where there is none (applied is then 0). Commands that only read use it
// to refuse a database that is older or newer than the binary.
func (d *DB) SchemaVersion(ctx context.Context, fsys fs.FS) (applied, available int64, err error) {
	migs, err := loadMigrations(d.engine, fsys)
	if err != nil {
		return 0, 0, err
	}
	if len(migs) > 0 {
		available = migs[len(migs)-1].Version
	}
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if d.engine == Postgres {
		exists = `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	var n int
	if err := d.QueryRow(ctx, exists).Scan(&n); err != nil {
		return 0, 0, fmt.Errorf("db: schema version: %w", err)
	}
	if n == 0 {
		return 0, available, nil
	}
	if err := d.QueryRow(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM schema_migrations`).Scan(&applied); err != nil {
		return 0, 0, fmt.Errorf("db: schema version: %w", err)
	}
	return applied, available, nil
}

// Backup writes a consistent copy of the SQLite database to dest while the
// database stays in use (VACUUM INTO reads one snapshot). The copy is a
// complete database: point --data at its directory to run from it.
func (d *DB) Backup(ctx context.Context, dest string) error {
	if d.engine != SQLite {
		return fmt.Errorf("db: backup copies the embedded SQLite database; for PostgreSQL use pg_dump")
	}
	if strings.ContainsRune(dest, 0) {
		return fmt.Errorf("db: backup destination contains a NUL byte")
	}
	// VACUUM INTO takes a file name literal, not a bound parameter on every
	// SQLite version; quote it as a string literal.
	lit := "'" + strings.ReplaceAll(dest, "'", "''") + "'"
	// The readers are query-only, which forbids VACUUM INTO, and the writer
	// must stay free for the server: a connection of its own reads the
	// snapshot while writes go on (WAL).
	conn, err := sql.Open("sqlite", sqliteDSN(d.path, false))
	if err != nil {
		return fmt.Errorf("db: backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO "+lit); err != nil {
		return fmt.Errorf("db: backup to %s: %w", dest, err)
	}
	return nil
}
