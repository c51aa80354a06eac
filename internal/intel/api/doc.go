// Package api serves threat intelligence's JSON API (/api/v1/intel/…):
// ingest, lookups, sources and their runs, observables, collections and
// their exports and MISP feed, digests, warninglists and the AS table. Its
// handlers only decode, call intel.Service and encode; the routes and
// bodies are documented in internal/app/openapi.json.
//
// It holds no rule and runs no SQL: who may read or change what is the
// Service's (its access rule, access.go in the root). internal/app wires
// it; the console's pages (intel/pages) share its bounds on pushed bodies.
package api
