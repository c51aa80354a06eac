// Package warninglist holds the lists of values known to be benign or
// meaningless as indicators (private networks, public resolvers, the
// largest sites) in MISP's warninglist format: the built-in ones, the
// reading and checking of a loaded one, and the matcher ingest asks of
// every record. It runs no SQL: the intel root stores loaded lists and
// rebuilds the matcher when they change.
package warninglist
