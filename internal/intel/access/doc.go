// Package access is threat intelligence's access rule and its audiences:
// the collections (community, sectors, organisations, the center) and the
// Viewer that says, for one caller, which objects of which collection it
// reads (by TLP 2.0 through internal/platform/tlp) and where it may write.
// Every read path of intel, its sharing and TAXII asks a Viewer.
package access
