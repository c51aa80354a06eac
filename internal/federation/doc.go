// Package federation links this certhub instance with others — a national
// CERT's with its sectoral CERTs', or any two centers' — so that what they
// agree to share flows between them.
//
// A link is made by two administrators exchanging signed link documents
// (document.go): each says where its instance is, which key signs for it,
// what it shares and up to which TLP, and carries the credential the other
// reads it with. A link is active once each side holds the other's; it is
// revoked by either side alone. While active, each side pulls the other's
// TAXII collection as a source of its own (threat intelligence keeps the
// source, markings and ceiling: see intel.Peer), and the check job
// (service.go) keeps each link's health and lag.
package federation
