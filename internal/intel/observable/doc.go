// Package observable is threat intelligence's model of what it reads: the
// types of observables and the one canonical string of each (Normalize:
// "hxxps://Evil[.]Example:443/a#x" from a CSV and "https://evil.example/a"
// from a STIX bundle are the same observable), and what every reader hands
// on — Records, Rejections, STIX Objects kept as received.
//
// It is the bottom of intel: the readers of each format, the store,
// routing and sharing import it; it imports none of them, and holds no
// state and no SQL.
package observable
