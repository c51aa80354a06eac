// Package sharing serves what threat intelligence holds to those who read
// it: a collection's objects page by page (TAXII's objects, manifests and
// versions, merging the STIX objects kept as received with indicators
// written from observations and routes), whole-collection exports (a STIX
// bundle, CSV) and the MISP feed a MISP instance subscribes to. Every read
// asks the access.Viewer.
package sharing
