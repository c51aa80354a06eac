// Package timeline is a case's timeline and what each user has seen of
// it: the entries every change appends (with the visibility and, for a
// vendor's own, the organisation), and the read marks of the timeline and
// the threads' posts, over vdp_events and vdp_reads.
//
// It decides nothing about who sees an entry: vdp's access rule
// (CaseViewer.SeesEvent in policy.go) filters what List returns.
package timeline
