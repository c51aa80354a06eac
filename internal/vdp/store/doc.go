// Package store reads and writes the disclosure program's records
// (vdp/model) in vdp's tables: reports and their messages, cases, their
// participants, vulnerabilities, vendors' statements and date changes, and
// the lists of each with their filters. Functions take a db.Querier (or a
// db.Tx to write) so the services decide the transaction; no access rule
// lives here — the services ask their policy first.
package store
