// Package cwe holds the disclosure program's shortlist of weakness types
// (CWE) for the pickers of the report and triage forms, and the one
// spelling of a CWE identifier that vdp stores ("CWE-79").
//
// It knows nothing of reports or cases and imports no other part of vdp;
// the official catalogue of names lives in internal/csafcheck.
package cwe
