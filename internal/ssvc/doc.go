// Package ssvc evaluates CERT/CC's Stakeholder-Specific Vulnerability
// Categorization decision tables: coordinator triage (decline / track /
// coordinate), coordinator publication (publish / do not publish), supplier
// and deployer priority, and the helper tables (utility, public safety impact,
// human impact). Outcomes are looked up in the official tables, embedded
// verbatim, never re-derived.
package ssvc
