// Package sbom reads a software bill of materials — CycloneDX JSON 1.4 to
// 1.6 (CycloneDX/cyclonedx-go) or SPDX 2.2/2.3 JSON (spdx/tools-golang) —
// into the list of components an evaluation checks: name, version and
// the identifiers vulnerabilities are matched by (package URL, CPE). A
// component with neither is unchecked, never silently passed. Input is
// bounded in size, count and nesting, and every problem is a field error.
package sbom
