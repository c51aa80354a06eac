// Package stix reads STIX 2.1 bundles as a stream, one object at a time
// (a bundle of a gigabyte never has to fit in memory): it hands on the
// observables that indicator patterns and cyber-observable objects name,
// and each well-formed object as received, to be stored and shared as it
// came. It keeps nothing and runs no SQL.
package stix
