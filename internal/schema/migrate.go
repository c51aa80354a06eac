package schema

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/certhub/certhub/internal/platform/db"
)

// Migrate brings the database up to date: certhub's own migrations, then the
// tables of the job queue (River keeps its own versioned migrations).
func Migrate(ctx context.Context, d *db.DB) error {
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
