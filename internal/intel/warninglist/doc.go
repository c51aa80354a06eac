// Package warninglist holds the lists of values known to be benign or
// meaningless as indicators (private networks, public resolvers, the
// largest sites) in MISP's warninglist format: the built-in ones, the
// reading and checking of a loaded one, the matcher ingest asks of every
// record (Set), and the Store that keeps the lists the center's staff
// load and switch, and rebuilds the matcher when they change.
package warninglist
