// Package similar scores how much two vulnerability reports look like the
// same issue — same vendor, product and weakness, and the words of their
// titles and descriptions in common — so triage can suggest duplicates.
//
// It reads plain values: vdp's Service picks the reports to compare (and
// who may see the suggestions) and keeps the scores it passes on.
package similar
