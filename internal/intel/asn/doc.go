// Package asn is the AS table: which autonomous system announces which
// prefix, read from a RouteViews pfx2as or pyasn dump and looked up by
// longest prefix (bart), and the Store that keeps the dump the center's
// staff load and reloads the table when another process loads a new one.
// It enriches addresses with their AS and announced prefix and lets
// routing reach those who registered an AS.
package asn
