// Package csvfeed reads CSV inputs as a stream: a feed with a column
// mapping (which columns hold indicators, their time, their tags; guessed
// from the header when not given) and Shadowserver's reports (the mapping
// read from the report's header, its type a tag of every record). Memory
// is bounded by the longest record. It hands each normalised observable
// to a sink and each record it cannot read to a reject, and keeps nothing.
package csvfeed
