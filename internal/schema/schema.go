// Package schema holds certhub's database schema: one ordered list of
// versioned migrations for every package, embedded in the binary. Files are
// named NNNN_name.sql, written in PostgreSQL's dialect with the few words
// platform/db rewrites for SQLite (TIMESTAMPTZ, BYTEA, BIGSERIAL PRIMARY KEY).
// Migrations only move forward; a released file is never edited.
package schema

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var files embed.FS

// Migrations is the migration directory for db.Migrate.
func Migrations() fs.FS {
	sub, err := fs.Sub(files, "migrations")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory exists
	}
	return sub
}
