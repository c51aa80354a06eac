// Package cverec builds the CVE JSON 5 record of one vulnerability from
// plain values — its descriptions, the products its vendors stated, its
// CWE, CVSS metrics, references and credits — and holds the record to the
// official CVE Record Format (internal/cverecord) before handing it out.
//
// It reads no store and decides no access: vdp's Service gathers what the
// caller may see of a case and passes it in.
package cverec
