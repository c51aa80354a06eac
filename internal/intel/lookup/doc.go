// Package lookup answers what certhub knows of observables: the bulk
// lookup over an in-memory index of every value stored, each observable
// whole (its sightings by source, the events it was reported in with what
// else they held, where it was routed, the cases and advisories naming a
// CVE ID) and the list of observables a caller may read. Every answer asks
// the access.Viewer.
package lookup
