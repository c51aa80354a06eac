package csafcheck

import "regexp"

// cweID is the form of a CWE ID, as the CSAF schema gives it.
var cweID = regexp.MustCompile(`^CWE-[1-9]\d{0,5}$`)

// cweNames are the official names (CWE list 4.x, exact spelling) of the
// weaknesses most advisories name: MITRE's Top 25 of recent years, a few
// more that national CERTs see often, and all that the official CSAF test
// documents and examples use.
//
// 6.1.11 wants the name checked against the CWE catalogue, which is not
// available offline and is far too big to embed for this one test. So the
// name is checked only for the IDs listed here; for any other ID only the
// form of the ID is checked. Add entries here, with MITRE's exact names, to
// cover more.
var cweNames = map[string]string{
	"CWE-20":   "Improper Input Validation",
	"CWE-22":   "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
	"CWE-59":   "Improper Link Resolution Before File Access ('Link Following')",
	"CWE-74":   "Improper Neutralization of Special Elements in Output Used by a Downstream Component ('Injection')",
	"CWE-77":   "Improper Neutralization of Special Elements used in a Command ('Command Injection')",
	"CWE-78":   "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
	"CWE-79":   "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
	"CWE-88":   "Improper Neutralization of Argument Delimiters in a Command ('Argument Injection')",
	"CWE-89":   "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
	"CWE-94":   "Improper Control of Generation of Code ('Code Injection')",
	"CWE-119":  "Improper Restriction of Operations within the Bounds of a Memory Buffer",
	"CWE-120":  "Buffer Copy without Checking Size of Input ('Classic Buffer Overflow')",
	"CWE-121":  "Stack-based Buffer Overflow",
	"CWE-122":  "Heap-based Buffer Overflow",
	"CWE-125":  "Out-of-bounds Read",
	"CWE-190":  "Integer Overflow or Wraparound",
	"CWE-200":  "Exposure of Sensitive Information to an Unauthorized Actor",
	"CWE-269":  "Improper Privilege Management",
	"CWE-276":  "Incorrect Default Permissions",
	"CWE-284":  "Improper Access Control",
	"CWE-287":  "Improper Authentication",
	"CWE-295":  "Improper Certificate Validation",
	"CWE-306":  "Missing Authentication for Critical Function",
	"CWE-312":  "Cleartext Storage of Sensitive Information",
	"CWE-319":  "Cleartext Transmission of Sensitive Information",
	"CWE-327":  "Use of a Broken or Risky Cryptographic Algorithm",
	"CWE-352":  "Cross-Site Request Forgery (CSRF)",
	"CWE-362":  "Concurrent Execution using Shared Resource with Improper Synchronization ('Race Condition')",
	"CWE-400":  "Uncontrolled Resource Consumption",
	"CWE-401":  "Missing Release of Memory after Effective Lifetime",
	"CWE-415":  "Double Free",
	"CWE-416":  "Use After Free",
	"CWE-434":  "Unrestricted Upload of File with Dangerous Type",
	"CWE-476":  "NULL Pointer Dereference",
	"CWE-502":  "Deserialization of Untrusted Data",
	"CWE-521":  "Weak Password Requirements",
	"CWE-601":  "URL Redirection to Untrusted Site ('Open Redirect')",
	"CWE-611":  "Improper Restriction of XML External Entity Reference",
	"CWE-639":  "Authorization Bypass Through User-Controlled Key",
	"CWE-668":  "Exposure of Resource to Wrong Sphere",
	"CWE-732":  "Incorrect Permission Assignment for Critical Resource",
	"CWE-770":  "Allocation of Resources Without Limits or Throttling",
	"CWE-787":  "Out-of-bounds Write",
	"CWE-798":  "Use of Hard-coded Credentials",
	"CWE-862":  "Missing Authorization",
	"CWE-863":  "Incorrect Authorization",
	"CWE-918":  "Server-Side Request Forgery (SSRF)",
	"CWE-1321": "Improperly Controlled Modification of Object Prototype Attributes ('Prototype Pollution')",
	"CWE-1333": "Inefficient Regular Expression Complexity",
}

// 6.1.11 CWE: the CWE ID of a vulnerability is a CWE ID and its name is
// the name of that weakness (for the IDs in cweNames, see there).
func test6_1_11(c *checker) {
	c.eachVulnerability(func(v map[string]any, vp pointer) {
		cwe := obj(v["cwe"])
		path := vp.field("cwe")
		id, ok := str(cwe["id"])
		if !ok {
			return
		}
		if !cweID.MatchString(id) {
			c.report("6.1.11", path.field("id"), "%q is not a CWE ID (CWE- and a number)", id)
			return
		}
		name, ok := str(cwe["name"])
		if want, known := cweNames[id]; ok && known && name != want {
			c.report("6.1.11", path.field("name"), "%s is named %q in the CWE list, not %q", id, want, name)
		}
	})
}

// CWEName returns the official name of a CWE ID ("CWE-79") when the embedded
// table knows it: documents that name a weakness use it so that 6.1.11 holds.
func CWEName(id string) (string, bool) {
	n, ok := cweNames[id]
	return n, ok
}
