package db

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"github.com/certhub/certhub/internal/platform/errs"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// ErrNoRows is returned by Row.Scan when the query selected nothing, on both engines.
var ErrNoRows = sql.ErrNoRows

// Rows is the cursor over a query's result, the subset both drivers share.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns ErrNoRows when there was none.
type Row interface {
	Scan(dest ...any) error
}

// Querier runs SQL. Both *DB (outside a transaction, on the read side) and *Tx
// implement it, so store functions take a Querier and work in either.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
	Engine() Engine
}

// Options configure Open.
type Options struct {
	// DSN selects the engine: empty or a file path / file: URI for SQLite,
	// postgres:// or postgresql:// for PostgreSQL.
	DSN string
	// DataDir holds the SQLite database (certhub.db) when DSN is empty.
	DataDir string
	// Readers is the size of the SQLite reader pool (default: 2×CPUs, at least 4).
	Readers int
	// WALLimit is the SQLite write-ahead log's length, in pages, past which
	// a write waits for it to be copied back (default 65,536: 256 MiB).
	WALLimit int64
	// CheckpointGap is the least time between two background checkpoints
	// of a log that grows slowly (default 200 ms; tests: a nanosecond).
	CheckpointGap time.Duration
	Logger        *slog.Logger
}

// DB is an open store.
type DB struct {
	engine Engine
	path   string // SQLite file path
	// SQLite: one writer connection, so concurrent writers queue in-process
	// instead of failing with SQLITE_BUSY, and a pool of query-only readers.
	write *sql.DB
	read  *sql.DB
	// PostgreSQL: one pool for everything; sqlDB wraps it for libraries that
	// need database/sql (migrations).
	pool  *pgxpool.Pool
	sqlDB *sql.DB
	log   *slog.Logger
	ckpt  *checkpointer // SQLite

	changes changes
}

// Open connects to the store described by opts. It does not migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dsn := strings.TrimSpace(opts.DSN)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn, opts)
	}
	path := dsn
	if path == "" {
		if opts.DataDir == "" {
			return nil, errors.New("db: neither a DSN nor a data directory was given")
		}
		path = filepath.Join(opts.DataDir, "certhub.db")
	}
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return openSQLite(ctx, path, opts)
}

func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"busy_timeout(15000)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
		"temp_store(MEMORY)",
		"cache_size(-32000)",
	} {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// The checkpointer copies the log back in the background
		// (checkpoint.go), not the writer inside its commits.
		q.Add("_pragma", "wal_autocheckpoint(0)")
		// BEGIN IMMEDIATE takes the write lock at the start of the
		// transaction, so a second process (the CLI while the server runs)
		// waits on busy_timeout instead of failing at its first write.
		q.Set("_txlock", "immediate")
	}
	// Times are written in UTC as "2006-01-02 15:04:05.999999999+00:00", which
	// sorts lexically in time order, and read back as time.Time.
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	q.Set("_texttotime", "1")
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, path string, opts Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("db: create data directory: %w", err)
	}
	write, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("db: open sqlite readers %s: %w", path, err)
	}
	n := opts.Readers
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
		opts.Logger.Warn("could not restrict database file permissions", "path", path, "err", err)
	}
	ckpt, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("db: open sqlite checkpointer %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	ckpt.SetMaxIdleConns(1)
	ckpt.SetConnMaxLifetime(0)
	ckpt.SetConnMaxIdleTime(0)
	return &DB{engine: SQLite, path: path, write: write, read: read, log: opts.Logger,
		ckpt: startCheckpointer(ckpt, cmp.Or(opts.WALLimit, walLimit), cmp.Or(opts.CheckpointGap, checkpointGap))}, nil
}

// defaultPoolConns is the PostgreSQL connections a node opens at most
// unless its DSN says pool_max_conns.
const defaultPoolConns = 20

func openPostgres(ctx context.Context, dsn string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: parse postgres DSN: %w", err)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		// Read timestamptz as UTC, as SQLite does, so values compare equal
		// and print the same on both engines.
		c.TypeMap().RegisterType(&pgtype.Type{
			Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgxpool's default is the number of CPUs, at least 4: fewer than
		// one node's background workers (the default queue's, hygiene's),
		// the job queue's own producers, elector and completer, and the
		// requests being served need at once. Starved, River's calls time
		// out and requests wait behind them. The DSN's pool_max_conns
		// overrides this.
		cfg.MaxConns = max(cfg.MaxConns, defaultPoolConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: connect postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect postgres %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return &DB{engine: Postgres, pool: pool, sqlDB: stdlib.OpenDBFromPool(pool), log: opts.Logger}, nil
}

// Engine reports which engine is in use.
func (d *DB) Engine() Engine { return d.engine }

// Path is the SQLite database file ("" on PostgreSQL).
func (d *DB) Path() string { return d.path }

// SQLDB returns a database/sql handle for libraries that need one: on SQLite
// the single writer connection (so they queue with certhub's own writes), on
// PostgreSQL a database/sql view of the pool.
func (d *DB) SQLDB() *sql.DB {
	if d.engine == SQLite {
		return d.write
	}
	return d.sqlDB
}

// PgxPool returns the PostgreSQL pool (nil on SQLite).
func (d *DB) PgxPool() *pgxpool.Pool { return d.pool }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if d.engine == Postgres {
		return d.pool.Ping(ctx)
	}
	return d.read.PingContext(ctx)
}

// Close closes every connection.
func (d *DB) Close() error {
	d.closeChanges()
	if d.engine == Postgres {
		d.sqlDB.Close()
		d.pool.Close()
		return nil
	}
	d.ckpt.close()
	// Fold the WAL back into the main file so a copied data directory is complete.
	_, _ = d.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(d.read.Close(), d.write.Close())
}

// Exec runs a statement outside any transaction. On SQLite it goes through
// the writer connection.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if d.engine == Postgres {
		tag, err := d.pool.Exec(ctx, query, args...)
		return tag.RowsAffected(), err
	}
	res, err := d.write.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query runs a read outside a transaction (on the SQLite reader pool).
func (d *DB) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if d.engine == Postgres {
		rows, err := d.pool.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		return pgxRows{rows}, nil
	}
	rows, err := d.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// QueryRow runs a single-row read outside a transaction.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) Row {
	if d.engine == Postgres {
		return pgxRow{d.pool.QueryRow(ctx, query, args...)}
	}
	return d.read.QueryRowContext(ctx, query, args...)
}

// Tx is a transaction. Store functions receive it as a Querier; services use
// AfterCommit for work that must only happen once the change is durable.
type Tx struct {
	db          *DB // nil in a read transaction
	engine      Engine
	sqlTx       *sql.Tx
	pgxTx       pgx.Tx
	afterCommit []func()
	stmts       map[string]*sql.Stmt // SQLite statements prepared for repeated use
	memo        map[any]any
}

// Memo answers what SetMemo kept under key in this transaction (nil if
// nothing): state a package keeps for the rest of one transaction, such
// as which audit chain it holds.
func (t *Tx) Memo(key any) any { return t.memo[key] }

// SetMemo keeps v under key until the transaction ends.
func (t *Tx) SetMemo(key, v any) {
	if t.memo == nil {
		t.memo = map[any]any{}
	}
	t.memo[key] = v
}

// Engine reports the transaction's engine.
func (t *Tx) Engine() Engine { return t.engine }

// SQLTx is the database/sql transaction on SQLite (nil on PostgreSQL).
func (t *Tx) SQLTx() *sql.Tx { return t.sqlTx }

// Serialized answers whether write transactions never overlap (SQLite's
// one writer), so that the order in which a transaction locks rows cannot
// deadlock it against another.
func (t *Tx) Serialized() bool { return t.pgxTx == nil }

// PgxTx is the pgx transaction on PostgreSQL (nil on SQLite).
func (t *Tx) PgxTx() pgx.Tx { return t.pgxTx }

// Lock takes a named lock held until the transaction ends, for rules that
// read several rows and must not interleave with another transaction doing
// the same (PostgreSQL advisory lock; on SQLite, write transactions are
// serialised already).
func (t *Tx) Lock(ctx context.Context, name string) error {
	if t.pgxTx == nil {
		return nil
	}
	if _, err := t.pgxTx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, name); err != nil {
		return fmt.Errorf("db: lock %s: %w", name, err)
	}
	return nil
}

// NextNumber counts up the named counter (table counters) and returns its
// new value: numbering such as CC-2026-0042 without gaps between committed rows.
func (t *Tx) NextNumber(ctx context.Context, name string) (int64, error) {
	var n int64
	err := t.QueryRow(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("db: counter %s: %w", name, err)
	}
	return n, nil
}

// Keys are the integer keys the next rows a transaction inserts into a
// table get, so it knows each row's key without reading it back.
type Keys struct {
	// IDs are the keys in increasing order, one a row.
	IDs []int64
	// Given: the insert names the key column and gives IDs (PostgreSQL,
	// from the column's sequence). Otherwise it leaves the column out and
	// the database numbers the rows: SQLite gives a row one more than the
	// largest key, so rows inserted in order get IDs in order — as long as
	// every one is inserted (a row skipped on a conflict takes no number,
	// and those after it come one earlier). A key given on SQLite would make
	// every multi-row insert keep a statement journal, which costs more than
	// the rest of the insert.
	Given bool
}

// ReserveKeys answers the keys of the next n rows inserted into table.
// On SQLite they follow the largest key: the write transaction holds the
// database, so nobody else inserts meanwhile. On PostgreSQL they are taken
// from the column's sequence; a transaction that rolls back leaves a gap,
// as a serial column does.
func (t *Tx) ReserveKeys(ctx context.Context, table, column string, n int) (Keys, error) {
	ids := make([]int64, 0, n)
	if n <= 0 {
		return Keys{IDs: ids, Given: t.pgxTx != nil}, nil
	}
	if t.pgxTx == nil {
		var last int64
		if err := t.sqlTx.QueryRowContext(ctx, `SELECT COALESCE(MAX(`+column+`), 0) FROM `+table).Scan(&last); err != nil {
			return Keys{}, fmt.Errorf("db: keys of %s: %w", table, err)
		}
		for i := range n {
			ids = append(ids, last+1+int64(i))
		}
		return Keys{IDs: ids}, nil
	}
	rows, err := t.pgxTx.Query(ctx, `SELECT nextval(pg_get_serial_sequence($1, $2)) FROM generate_series(1, $3)`, table, column, n)
	if err != nil {
		return Keys{}, fmt.Errorf("db: keys of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return Keys{}, fmt.Errorf("db: keys of %s: %w", table, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return Keys{}, fmt.Errorf("db: keys of %s: %w", table, err)
	}
	slices.Sort(ids)
	return Keys{IDs: ids, Given: true}, nil
}

// prepared returns the statement for query, prepared once per transaction
// (database/sql closes it when the transaction ends).
func (t *Tx) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.sqlTx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

// ExecRepeated runs a statement the transaction runs many times (bulk
// writes in chunks): on SQLite it is parsed once, which matters for
// statements of thousands of parameters; pgx caches statements itself.
func (t *Tx) ExecRepeated(ctx context.Context, query string, args ...any) (int64, error) {
	if t.pgxTx != nil {
		return t.Exec(ctx, query, args...)
	}
	st, err := t.prepared(ctx, query)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// QueryRepeated is ExecRepeated for statements that return rows.
func (t *Tx) QueryRepeated(ctx context.Context, query string, args ...any) (Rows, error) {
	if t.pgxTx != nil {
		return t.Query(ctx, query, args...)
	}
	st, err := t.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// AfterCommit runs fn after the transaction commits (never if it rolls back).
func (t *Tx) AfterCommit(fn func()) { t.afterCommit = append(t.afterCommit, fn) }

func (t *Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if t.pgxTx != nil {
		tag, err := t.pgxTx.Exec(ctx, query, args...)
		return tag.RowsAffected(), err
	}
	res, err := t.sqlTx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *Tx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if t.pgxTx != nil {
		rows, err := t.pgxTx.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		return pgxRows{rows}, nil
	}
	rows, err := t.sqlTx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) Row {
	if t.pgxTx != nil {
		return pgxRow{t.pgxTx.QueryRow(ctx, query, args...)}
	}
	return t.sqlTx.QueryRowContext(ctx, query, args...)
}

// Write runs fn in a write transaction and commits it when fn returns nil.
// On SQLite write transactions are serialised through one connection and
// start with BEGIN IMMEDIATE, so they never fail half-way with "database is
// locked"; on PostgreSQL they run at READ COMMITTED and serialise where
// they must with row locks.
//
// A panic in fn rolls the transaction back and releases its connection (the
// writer slot on SQLite) before it goes on up the stack: the deferred
// rollbacks below run whenever the commit was not reached.
func (d *DB) Write(ctx context.Context, fn func(tx *Tx) error) (err error) {
	tx := &Tx{db: d, engine: d.engine}
	committed := false
	if d.engine == Postgres {
		tx.pgxTx, err = d.pool.Begin(ctx)
		if err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		defer func() {
			if !committed {
				_ = tx.pgxTx.Rollback(context.WithoutCancel(ctx))
			}
		}()
	} else {
		// The one writer connection, held from before the wait for a
		// checkpoint to the end: no other writer of this process (nor the
		// job queue, which shares the connection) commits meanwhile.
		var conn *sql.Conn
		if conn, err = d.write.Conn(ctx); err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		defer conn.Close()
		d.ckpt.beforeWrite(ctx)
		tx.sqlTx, err = conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		defer func() {
			if !committed {
				_ = tx.sqlTx.Rollback()
			}
		}()
	}
	if err = fn(tx); err != nil {
		return err
	}
	if tx.pgxTx != nil {
		err = tx.pgxTx.Commit(ctx)
	} else {
		err = tx.sqlTx.Commit()
	}
	committed = err == nil
	if err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	if d.ckpt != nil {
		d.ckpt.committed()
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// Read runs fn in a read-only transaction: every query in it sees the same snapshot.
func (d *DB) Read(ctx context.Context, fn func(q Querier) error) (err error) {
	tx := &Tx{engine: d.engine}
	if d.engine == Postgres {
		tx.pgxTx, err = d.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead})
		if err != nil {
			return fmt.Errorf("db: begin read: %w", err)
		}
		defer func() { _ = tx.pgxTx.Rollback(context.WithoutCancel(ctx)) }()
	} else {
		tx.sqlTx, err = d.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return fmt.Errorf("db: begin read: %w", err)
		}
		defer func() { _ = tx.sqlTx.Rollback() }()
	}
	return fn(tx)
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

type pgxRows struct{ pgx.Rows }

type pgxRow struct{ pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNoRows
	}
	return err
}

// IsUniqueViolation reports whether err is a unique or primary-key constraint failure.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key constraint failure.
func IsForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// Args collects the values bound to a query as it is written and answers
// each one's placeholder ("$1", "$2", …; the SQLite driver takes them too).
type Args []any

// Add binds v and answers its placeholder.
func (a *Args) Add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// In binds every value and answers their placeholders for an IN list.
func (a *Args) In(vals ...any) string {
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = a.Add(v)
	}
	return strings.Join(ps, ", ")
}

// In is Args.In over a slice of any type: every value bound, their
// placeholders answered for an IN list.
func In[T any](a *Args, vals []T) string {
	ps := make([]string, len(vals))
	for i, v := range vals {
		ps[i] = a.Add(v)
	}
	return strings.Join(ps, ", ")
}

// EscapeLike escapes LIKE's wildcards in s for a pattern used with
// ESCAPE '\' (the same on both engines).
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// NewID returns a new opaque identifier: a UUIDv7, so IDs sort by creation
// time and make stable keyset-pagination cursors.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// EncodeCursor packs the sort key of a page's last row into an opaque cursor.
func EncodeCursor(parts ...string) string {
	b, _ := json.Marshal(parts)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor unpacks a cursor made by EncodeCursor with n parts. An empty
// cursor gives nil (the first page).
func DecodeCursor(s string, n int) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	bad := &errs.Error{Kind: errs.KindInvalid, Message: "the input is not valid",
		Fields: []errs.FieldError{{Field: "cursor", Message: "is not a cursor this server issued"}}}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var parts []string
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != n {
		return nil, bad
	}
	return parts, nil
}

// QueryAll runs query and answers every row, each read by scan (never
// nil: an empty slice when there is none).
func QueryAll[T any](ctx context.Context, q Querier, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
