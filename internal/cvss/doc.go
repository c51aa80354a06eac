// Package cvss parses and scores CVSS 3.0, 3.1 and 4.0 vectors.
//
// Vectors are parsed strictly by github.com/pandatix/go-cvss: every metric at
// most once, all base metrics present, only the values the specification
// allows, and for CVSS 4.0 the metrics in the specification's order (CVSS
// 3.x allows any order). CVSS 3.0 and 3.1 are scored by that library. CVSS
// 4.0 is scored by this package (see score40) in exact integer arithmetic,
// following the FIRST CVSS v4.0 specification and its reference calculator,
// because the library's floating-point 4.0 scores are sometimes 0.1 off.
//
// CVSS 2.0 is not supported.
package cvss
