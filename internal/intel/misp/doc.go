// Package misp holds MISP's formats: it reads events as MISP exports them
// (their attributes and their objects' attributes, carrying the event's
// TLP tag and its UUID) as a stream of observables, and a feed's
// manifest.json; and it names the events and attribute types of the feed
// certhub serves of a collection. It keeps nothing and runs no SQL.
package misp
