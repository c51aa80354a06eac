// Package threads is the one mechanism behind every discussion of the
// platform: the posts of a thread (written, paged, marked unread), the
// mentions in them, and the e-mail bridge (a reply address per recipient
// carrying an unforgeable token, whose replies land in the thread).
//
// A domain owns its threads and decides who may read and write them: the
// disclosure program's case threads (vdp_threads, vdp_posts) and the
// threads between organisations of coordination (coordination_threads,
// coordination_posts) each name their tables in a Tables and call this
// package for the posts' rows. The reply tokens are the kernel's own
// table (mail_replies), naming the domain (Kind) that resolves them.
package threads
