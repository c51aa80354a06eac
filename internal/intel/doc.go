// Package intel is the center's threat-intelligence system: observables
// read from every source, de-duplicated, correlated, routed to the
// constituents that own them and shared under TLP.
//
// The root holds the Service that wires the rest: sources and their runs,
// the store (observables, observations, kept STIX objects, events,
// routes), collections and the TLP access rule, lookups, warninglists and
// the AS table as stored, digests, and sharing (exports, the MISP feed,
// what TAXII serves). The jobs that need no database are sub-packages,
// which never import the root: observable (the types and their one
// canonical form), one reader per input format (plainlist, csvfeed, stix,
// misp), and ingest (format detection and the aggregation of a batch).
// The HTTP layer over the Service is two sub-packages that import it:
// api (the JSON API) and pages (the console), wired by internal/app, as
// is digest (the hourly job that mails each constituent its routes).
//
// Other domains reach intel through this root package only.
package intel
