// Package routing answers which constituents an observable concerns:
// longest-prefix match of addresses against the networks they registered,
// AS numbers (with the AS table, the AS announcing an address too) and the
// longest registered suffix of host names. A table is built from the
// directory's constituencies and read concurrently; it runs no SQL.
package routing
