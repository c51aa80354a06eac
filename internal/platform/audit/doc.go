// Package audit keeps the append-only, hash-chained record of every state
// change: who did what to which object, when, from where, with the object
// before and after. Records are written in the same transaction as the change
// they describe, so a change without its record (or the reverse) cannot exist.
//
// Each row's hash is SHA-256 over the previous row's hash and the row's own
// content; audit_head holds the newest sequence number and hash. Verify walks
// the chain and names the first row that was edited, removed or reordered.
// The package knows nothing of domains: callers describe their objects.
package audit
