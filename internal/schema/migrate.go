package schema

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/certhub/certhub/internal/platform/db"
)

// Migrate brings the database up to date: certhub's own migrations, then the
// tables of the job queue (River keeps its own versioned migrations). It
// refuses a database a newer release has migrated: this binary does not
// know that schema. Only `certhub serve` and `certhub migrate` migrate.
func Migrate(ctx context.Context, d *db.DB) error {
	if err := notNewer(ctx, d); err != nil {
		return err
	}
	if _, err := d.Migrate(ctx, Migrations()); err != nil {
		return err
	}
	var err error
	switch d.Engine() {
	case db.Postgres:
		var m *rivermigrate.Migrator[pgx.Tx]
		m, err = rivermigrate.New(riverpgxv5.New(d.PgxPool()), nil)
		if err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	default:
		var m *rivermigrate.Migrator[*sql.Tx]
		m, err = rivermigrate.New(riversqlite.New(d.SQLDB()), nil)
		if err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("schema: job queue migrations: %w", err)
	}
	return nil
}

// ErrVersion is what Check answers for a database whose schema is not the
// binary's (errors.Is): older, or newer.
var ErrVersion = errors.New("schema: the database's schema is not this release's")

// Check reports whether the database's schema is exactly the one this
// binary was built for, changing nothing: the command-line tools other
// than serve and migrate run only then, so an upgraded binary never
// changes a live database behind the operator's back, nor reads a schema it
// does not know.
func Check(ctx context.Context, d *db.DB) error {
	applied, available, err := d.SchemaVersion(ctx, Migrations())
	if err != nil {
		return err
	}
	switch {
	case applied == 0:
		return fmt.Errorf("%w: there is no certhub database here yet; create it with certhub migrate (or certhub serve)", ErrVersion)
	case applied < available:
		return fmt.Errorf("%w: the database is at schema version %d and this certhub expects %d; take a backup, then run certhub migrate (or start certhub serve) to upgrade it",
			ErrVersion, applied, available)
	case applied > available:
		return newer(applied, available)
	}
	var res *rivermigrate.ValidateResult
	switch d.Engine() {
	case db.Postgres:
		var m *rivermigrate.Migrator[pgx.Tx]
		if m, err = rivermigrate.New(riverpgxv5.New(d.PgxPool()), &rivermigrate.Config{Logger: quiet}); err == nil {
			res, err = m.Validate(ctx, nil)
		}
	default:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(d.SQLDB()), &rivermigrate.Config{Logger: quiet}); err == nil {
			res, err = m.Validate(ctx, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("schema: job queue migrations: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("%w: the job queue's tables are not up to date (%s); run certhub migrate", ErrVersion, strings.Join(res.Messages, "; "))
	}
	return nil
}

func newer(applied, available int64) error {
	return fmt.Errorf("%w: the database is at schema version %d, newer than this certhub's %d: a newer release migrated it; run that release (migrations only move forward)",
		ErrVersion, applied, available)
}

func notNewer(ctx context.Context, d *db.DB) error {
	applied, available, err := d.SchemaVersion(ctx, Migrations())
	if err != nil {
		return err
	}
	if applied > available {
		return newer(applied, available)
	}
	return nil
}

// quiet drops River's informational lines about what is pending: Check
// says it in its own error.
var quiet = slog.New(slog.DiscardHandler)

// Ready reports whether every migration has been applied.
func Ready(ctx context.Context, d *db.DB) error {
	current, latest, err := d.MigrationState(ctx, Migrations())
	if err != nil {
		return err
	}
	if current < latest {
		return fmt.Errorf("schema: at version %d, %d is available: run certhub migrate", current, latest)
	}
	return nil
}
