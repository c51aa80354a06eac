// Package cvepool is the center's pool of CVE IDs reserved with its CNA:
// the IDs staff add, how many are free, and claiming the next free one for
// a vulnerability, over vdp_cve_pool.
//
// It decides nothing about who may add or claim IDs: vdp's Service checks
// that and records the change in the case and the audit log.
package cvepool
