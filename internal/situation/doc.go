// Package situation is the national picture on one page: the threat level
// the center sets, open incidents by sector and severity, hygiene scores
// by sector with their trend, gateway anomalies of the last day, the
// observables seen most in constituents' space and the alerts still
// awaiting acknowledgement, each linked to its record. It owns no records
// but the threat level (kept in platform/settings): it reads each domain
// through Sources, as the reader may, so every reader sees the picture of
// what they may read.
package situation
