package cwe

import (
	"fmt"
	"strconv"
	"strings"
)

// Weakness is a weakness type offered in the report form's picker.
type Weakness struct {
	ID   string
	Name string
}

// Common are the weaknesses reporters pick most (MITRE's CWE Top 25 and
// a few that national CERTs see often). Any CWE number is accepted; these
// are only the picker's shortlist.
var Common = []Weakness{
	{"CWE-79", "Cross-site scripting (XSS)"},
	{"CWE-787", "Out-of-bounds write"},
	{"CWE-89", "SQL injection"},
	{"CWE-352", "Cross-site request forgery (CSRF)"},
	{"CWE-22", "Path traversal"},
	{"CWE-125", "Out-of-bounds read"},
	{"CWE-78", "OS command injection"},
	{"CWE-416", "Use after free"},
	{"CWE-862", "Missing authorization"},
	{"CWE-434", "Unrestricted upload of dangerous files"},
	{"CWE-94", "Code injection"},
	{"CWE-20", "Improper input validation"},
	{"CWE-77", "Command injection"},
	{"CWE-287", "Improper authentication"},
	{"CWE-269", "Improper privilege management"},
	{"CWE-502", "Deserialization of untrusted data"},
	{"CWE-200", "Exposure of sensitive information"},
	{"CWE-863", "Incorrect authorization"},
	{"CWE-918", "Server-side request forgery (SSRF)"},
	{"CWE-119", "Memory buffer errors"},
	{"CWE-476", "NULL pointer dereference"},
	{"CWE-798", "Hard-coded credentials"},
	{"CWE-190", "Integer overflow"},
	{"CWE-400", "Uncontrolled resource consumption (denial of service)"},
	{"CWE-306", "Missing authentication for a critical function"},
	{"CWE-639", "Authorization bypass through a user-controlled key (IDOR)"},
	{"CWE-601", "Open redirect"},
	{"CWE-611", "XML external entities (XXE)"},
	{"CWE-319", "Cleartext transmission of sensitive information"},
	{"CWE-312", "Cleartext storage of sensitive information"},
	{"CWE-327", "Broken or risky cryptography"},
	{"CWE-295", "Improper certificate validation"},
	{"CWE-521", "Weak password requirements"},
	{"CWE-1333", "Inefficient regular expression (ReDoS)"},
	{"CWE-1321", "Prototype pollution"},
	{"CWE-284", "Improper access control"},
	{"CWE-NVD-Other", "Other"},
}

// Normalize accepts "CWE-79", "cwe-79" or "79" and returns "CWE-79", or
// what is wrong. "" is no CWE.
func Normalize(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if strings.EqualFold(s, "CWE-NVD-Other") || strings.EqualFold(s, "NVD-CWE-Other") {
		return "CWE-NVD-Other", ""
	}
	num := s
	if len(s) > 4 && strings.EqualFold(s[:4], "CWE-") {
		num = s[4:]
	}
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > 99999 {
		return "", fmt.Sprintf("%q is not a CWE identifier such as CWE-79", s)
	}
	return "CWE-" + strconv.Itoa(n), ""
}

// Name returns the picker's name of a CWE, or "".
func Name(id string) string {
	for _, c := range Common {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}
