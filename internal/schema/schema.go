// Package schema assembles certhub's database schema: each owner — the
// platform kernel and every domain — keeps its versioned migrations in its
// own migrations package, and this package merges them into the one
// ordered list the database is migrated with (plus River's own for the job
// queue). Versions are one sequence across owners, so a migration may rely
// on the tables of an earlier one whoever owns them. Files are named
// NNNN_name.sql, written in PostgreSQL's dialect with the few words
// platform/db rewrites for SQLite. Migrations only move forward.
package schema

import (
	"fmt"
	"io/fs"
	"path"
	"testing/fstest"

	advisory "github.com/certhub/certhub/internal/advisory/migrations"
	directory "github.com/certhub/certhub/internal/directory/migrations"
	intel "github.com/certhub/certhub/internal/intel/migrations"
	platform "github.com/certhub/certhub/internal/platform/migrations"
	vdp "github.com/certhub/certhub/internal/vdp/migrations"
)

// Owners are the owners of tables, each with its migrations.
var Owners = []struct {
	Name string
	FS   fs.FS
}{
	{"platform", platform.FS},
	{"directory", directory.FS},
	{"vdp", vdp.FS},
	{"advisory", advisory.FS},
	{"intel", intel.FS},
}

var merged = func() fs.FS {
	m := fstest.MapFS{}
	for _, o := range Owners {
		files, err := fs.Glob(o.FS, "*.sql")
		if err != nil {
			panic(err)
		}
		for _, f := range files {
			if _, dup := m[f]; dup {
				panic(fmt.Sprintf("schema: two owners have a migration named %s", f))
			}
			b, err := fs.ReadFile(o.FS, f)
			if err != nil {
				panic(err)
			}
			m[path.Base(f)] = &fstest.MapFile{Data: b, Mode: 0o444}
		}
	}
	return m
}()

// Migrations is every owner's migrations as one directory for db.Migrate
// (which refuses two files of one version).
func Migrations() fs.FS { return merged }
