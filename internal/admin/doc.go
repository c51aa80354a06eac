// Package admin is the platform's oversight: the audit log (read, filtered,
// verified) and the job queue (failed jobs retried or cancelled). Staff of
// the coordination center read both; only platform administrators act on jobs.
package admin
