// Package csafcheck runs the mandatory tests of CSAF 2.0 (OASIS Common
// Security Advisory Framework Version 2.0, section 6.1, tests 6.1.1 to
// 6.1.33 with the profile tests 6.1.27.1 to 6.1.27.11) on a CSAF document.
//
// The document is taken as encoding/json decodes it into an any, so the
// tests also run on documents that are not valid against the CSAF JSON
// schema: whatever is missing or of the wrong type is skipped, and only
// what the tests can see is reported. Schema validation itself is not part
// of this package.
//
// The official test documents (csaf_2.0/test/validator/data in the OASIS
// repository) decide the finer points where the prose leaves room; the
// comments on each test say which.
//
// Mandatory is safe for concurrent use.
package csafcheck
