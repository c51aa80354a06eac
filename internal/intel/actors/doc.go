// Package actors builds the profiles of the actors behind threats —
// threat actors and intrusion sets, campaigns, malware and tools — from
// what the sources state of them: STIX 2.1 objects (MITRE ATT&CK's bundles
// included) and MISP galaxy clusters, which the MISP reader keeps as STIX
// objects too, so they share out over TAXII like any other.
//
// Each object a source keeps is a claim of that source (Extract reads
// them, without a database); claims that share a name or alias within one
// family are one profile (Merge), each claim keeping who made it. The
// Store rebuilds a source's claims after each of its runs and re-merges
// the profiles in the same transaction; reads go through the intel
// access.Viewer, claim by claim, so a profile shows only what the reader
// may read of it.
package actors
