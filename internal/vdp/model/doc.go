// Package model is the disclosure program's records: reports and their
// messages and attachments, cases with their facts, vulnerabilities,
// participants, vendors' product statements and publication dates, and the
// words their states are spelled in. Plain types without SQL: vdp's store
// reads and writes them, its services decide who sees them, and other
// domains (advisories drafted from a case) may read them.
package model
