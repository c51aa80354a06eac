// Package cverecord checks CVE records (CVE JSON 5) against the official
// CVE Record Format schema, embedded verbatim (a test keeps the copy equal to
// the official file of CVEProject/cve-schema by its SHA-256).
package cverecord
