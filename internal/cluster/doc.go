// Package cluster proves that certhub nodes sharing one PostgreSQL
// database work as one server. Its tests start real certhub processes
// (the test binary re-executed as the command line), put a round-robin
// proxy in front of them and check, from outside as a client would, that
// whichever node answers a request the answer is the same: sessions, rate
// limits, caches, jobs, files and TAXII pages.
package cluster
