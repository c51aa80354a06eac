// Package rsit is the Reference Security Incident Taxonomy (RSIT) of the
// TF-CSIRT task force with ENISA: the classes and types incident reports
// are classified by, with the machine values of its machine-readable form
// (the same as the MISP "rsit" taxonomy's predicates and values, where it
// is the 2018 revision; system-compromise, data-leak and undetermined come
// from the later revisions). Incident reports, figures per period and
// exchanges with other CERTs speak it, so a class means the same thing
// everywhere.
//
// It is a vocabulary, with no storage: a classification is checked
// (Check) and shown (Label) here, stored as its two values by whoever
// classifies.
package rsit
