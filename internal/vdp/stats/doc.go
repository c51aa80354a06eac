// Package stats works out the disclosure program's figures for the
// dashboard and the API — reports and cases by status, what each CERT has
// on its desk, what is overdue, and the median times to acknowledge,
// triage, fix and publish — as aggregates in SQL over vdp's own tables.
//
// It decides nothing about who may see them: vdp's Service names the CERTs
// whose figures a viewer gets, and their names.
package stats
