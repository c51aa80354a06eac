// Package audit keeps the append-only, hash-chained record of every state
// change: who did what to which object, when, from where, with the object
// before and after. Records are written in the same transaction as the change
// they describe, so a change without its record (or the reverse) cannot exist.
//
// Each row's hash is SHA-256 over the previous row's hash and the row's own
// content. The log is sixteen such chains (lanes), each with its head row
// (newest number and hash) in audit_lanes, so that transactions on several
// nodes append at once: each takes the lowest lane no other holds (one
// chain head for the whole cluster capped audited writes at about 1,300 a
// second, and at 300 with a millisecond of flush per commit). The rows
// written before lanes are lane 0, headed by audit_head. seq orders the
// whole log. Verify walks every chain and names the first row that was
// edited, removed or reordered.
// The package knows nothing of domains: callers describe their objects.
package audit
