// Package asn is the AS table: which autonomous system announces which
// prefix, read from a RouteViews pfx2as or pyasn dump and looked up by
// longest prefix (bart). It enriches addresses with their AS and announced
// prefix and lets routing reach those who registered an AS. It holds no
// state beyond a table and runs no SQL: the intel root stores the dump and
// reloads the table.
package asn
