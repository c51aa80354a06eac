// Package misp reads MISP's formats: events as MISP exports them (their
// attributes and their objects' attributes, carrying the event's TLP tag
// and its UUID) as a stream of observables, and a feed's manifest.json. It
// keeps nothing and runs no SQL.
package misp
