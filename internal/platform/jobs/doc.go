// Package jobs runs durable background work on the same database as
// everything else, through River (riverqueue/river) and its SQLite and pgx
// drivers. A job enqueued inside a write transaction exists exactly when the
// change that asked for it commits; retries back off; periodic jobs run on one
// node at a time (River elects a leader); failed jobs stay listed until a
// person retries or cancels them.
package jobs
