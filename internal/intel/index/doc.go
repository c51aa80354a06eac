// Package index is the in-memory match index of intel's store: which
// stored observable a value is, by a hash of type and value into a flat
// table, and which reported networks hold an address. Lookups probe it for
// a whole batch at once; the intel root fills it from the store and checks
// every match against the rows, since a hash can collide. It runs no SQL.
package index
