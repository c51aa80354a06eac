// Package threads is a case's discussions: the threads with their
// visibility (the center only, every participant, one vendor), their
// posts, and the SQL over vdp_threads and vdp_posts.
//
// It decides nothing about who may read or write: vdp's Service loads the
// case, applies its access rule (policy.go) and the case's timeline and
// notifications, and calls this package for the thread's own rows. What it
// needs from a case comes in as plain values (the case's ID, the
// participating organisations).
package threads
