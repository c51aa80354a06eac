// Package plainlist reads plain lists of indicators — one a line, defanged
// or not, with comments — as a stream: memory is bounded by the longest
// line, so a file of a gigabyte costs what one line costs. It hands each
// normalised observable to a sink and each line it cannot read to a
// reject, and keeps nothing.
package plainlist
