// Package directory is the register of every CERT and organisation the
// coordination center works with: their kind and place in the hierarchy,
// sector, contacts, OpenPGP key, RFC 2350 profile and constituency (the
// networks, ASNs and domains they answer for), and who belongs to them.
//
// Its access rule (policy.go) is the one every other domain builds on: who
// may see and change which organisation. Other domains ask the directory;
// they do not query its tables.
package directory
