// Package proctest holds what procurement's tests share across its
// packages (the service's, the API's, the pages'): a small report that is
// a PDF, the SBOM of the demo-like product Gate 7, OSV records.
package proctest

import (
	"fmt"

	"github.com/certhub/certhub/internal/platform/auth"
)

// PDF is a small, well-formed PDF: a lab's report.
const PDF = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n" +
	"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \ntrailer << /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n"

// GateBOM is a CycloneDX 1.5 SBOM of Gate 7 3.1: a component matched by
// package URL (left-pad 1.3.5), one by CPE (zlib 1.2.13) and one with
// neither (the bootloader), which an SBOM check lists as unchecked.
const GateBOM = `{"bomFormat": "CycloneDX", "specVersion": "1.5", "metadata": {"component": {"type": "device", "name": "Gate 7", "version": "3.1"}},
	"components": [
	{"type": "library", "name": "left-pad", "version": "1.3.5", "purl": "pkg:npm/left-pad@1.3.5"},
	{"type": "library", "name": "zlib", "version": "1.2.13", "cpe": "cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*"},
	{"type": "firmware", "name": "bootloader"}]}`

// OSVRecord is an OSV record of an npm package whose versions before fixed
// are affected (SEMVER), with one alias.
func OSVRecord(id, modified, name, fixed string, alias string) string {
	return fmt.Sprintf(`{"id": %q, "modified": %q, "aliases": [%q], "summary": "flaw in %s",
		"affected": [{"package": {"ecosystem": "npm", "name": %q}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": %q}]}]}]}`,
		id, modified, alias, name, name, fixed)
}

// Member is a user of organisation org (its ID) with role there.
func Member(org string, role auth.Role) *auth.Identity {
	return &auth.Identity{User: auth.User{ID: "u-" + org, Email: org + "@example.org", Name: org}, Memberships: []auth.Membership{{OrgID: org, Role: role}}}
}

// Staff is a coordinator of the center.
var Staff = &auth.Identity{User: auth.User{ID: "u-staff", Name: "Coordinator", PlatformRole: auth.PlatformCoordinator}}
