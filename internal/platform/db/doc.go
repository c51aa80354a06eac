// Package db opens the store — embedded SQLite by default, PostgreSQL when a
// postgres:// DSN is given — and gives the rest of certhub one small query
// interface that behaves the same on both. Every dialect difference lives here
// and nowhere else: connection set-up, the SQLite single-writer discipline, the
// few DDL words that differ, and error classification.
//
// SQL written against this package uses $1…$n placeholders and portable
// statements (INSERT … ON CONFLICT … RETURNING works on both engines).
package db
