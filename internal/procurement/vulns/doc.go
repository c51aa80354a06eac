// Package vulns is procurement's knowledge of vulnerable package versions:
// the OSV records staff load (procurement/osv reads them), stored as rows
// of procurement_osv_*, and the SBOM check that matches each component's
// package URL and version against them, listing what cannot be matched as
// unchecked rather than passing it. The approved-products watch reads the
// records loaded since its mark (LoadedSince).
package vulns
