// Package migrations holds the versioned SQL migrations of federation
// (links to other certhub instances): the tables it owns, and no other's.
// internal/schema merges every owner's into the one ordered list the
// database is migrated with.
package migrations

import "embed"

// FS holds the migrations, NNNN_name.sql, numbered in one sequence with
// every other owner's.
//
//go:embed *.sql
var FS embed.FS
