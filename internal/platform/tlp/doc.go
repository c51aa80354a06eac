// Package tlp holds the Traffic Light Protocol 2.0 labels and the one rule
// that decides whether a viewer in a given relation to a marked object may
// see it. Domains work out the relation (they know owners, recipients and
// constituencies); this package only answers "does the label allow it",
// in Go (Allows) and in SQL (Where) from the same table.
package tlp
