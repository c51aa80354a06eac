// Package routing answers which constituents an observable concerns:
// longest-prefix match of addresses against the networks they registered,
// AS numbers (with the AS table, the AS announcing an address too) and the
// longest registered suffix of host names; and writes the digest that
// tells a constituent of what was routed to it. A table is built from the
// directory's constituencies and read concurrently. It runs no SQL and
// sends nothing: the intel root stores routes and mails digests.
package routing
