// Package schema assembles certhub's database schema: each owner — the
// platform kernel and every domain — keeps its versioned migrations in its
// own migrations package, and this package merges them into the one
// ordered list the database is migrated with (plus River's own for the job
// queue). Versions are one sequence across owners, so a migration may rely
// on the tables of an earlier one whoever owns them. Files are named
// NNNN_name.sql, written in PostgreSQL's dialect with the few words
// platform/db rewrites for SQLite. Migrations only move forward.
package schema
